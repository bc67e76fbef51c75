// Runs ONNX's own backend test cases (Debian libonnx-testdata: model.onnx plus
// test_data_set_N/{input,output}_K.pb) through the converter and a mota backend.
#pragma once

#include <string>
#include <vector>

namespace mota::conformance {

enum class Outcome { kPassed, kFailed, kSkipped };

struct CaseResult {
  std::string id;  // "<suite>/<case>", e.g. "node/test_abs"
  Outcome outcome = Outcome::kFailed;
  std::string detail;  // why it failed or was skipped
};

struct Tolerance {
  double rtol = 1e-3;
  double atol = 1e-5;
};

// Every case directory (containing model.onnx) under root/<suite> for the given suites, sorted.
std::vector<std::string> ListCases(const std::string& root, const std::vector<std::string>& suites);

// Converts and runs one case. Skipped = the model uses an op, dtype or feature mota does not
// support (the converter said UNIMPLEMENTED); everything else that does not match is a failure.
CaseResult RunCase(const std::string& root, const std::string& id, const std::string& backend,
                   const Tolerance& tolerance);

}  // namespace mota::conformance
