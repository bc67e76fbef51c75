// Shared by the C API tests: .mota files converted at test time from <shared>/models (the
// converter is a test-only dependency) into a per-process temp folder.
#pragma once

#include <string>

#include "mota/mota.h"

namespace mota::api::testing {

// The path of <shared>/models/<name>.onnx converted to .mota (converted once per process, in a
// folder unique to this process, removed at exit). Fails the calling test when conversion fails
// (returns "").
std::string ConvertedModel(const std::string& name);

// A fresh folder for one test (unique per process and call); removed at exit.
std::string TempDir(const std::string& tag);

// "CODE: message" of the last call on this thread, for assertion messages.
std::string LastError();

}  // namespace mota::api::testing
