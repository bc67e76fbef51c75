#include "tests/conformance/conformance.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "base/file.h"
#include "converter/src/convert.h"
#include "converter/src/tensor_proto.h"
#include "converter/src/writer.h"
#include "exec/backend.h"
#include "exec/session.h"
#include "model/loader.h"

namespace mota::conformance {
namespace fs = std::filesystem;

std::vector<std::string> ListCases(const std::string& root, const std::vector<std::string>& suites) {
  std::vector<std::string> ids;
  for (const std::string& suite : suites) {
    const fs::path dir = fs::path(root) / suite;
    if (!fs::is_directory(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (fs::exists(entry.path() / "model.onnx")) ids.push_back(suite + "/" + entry.path().filename().string());
    }
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

namespace {

std::vector<fs::path> SortedFiles(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) == 0 && entry.path().extension() == ".pb") files.push_back(entry.path());
  }
  // input_0.pb .. input_10.pb: order by the number.
  std::sort(files.begin(), files.end(), [&](const fs::path& a, const fs::path& b) {
    return std::stoi(a.stem().string().substr(prefix.size())) < std::stoi(b.stem().string().substr(prefix.size()));
  });
  return files;
}

std::string Compare(const exec::HostTensor& got, const exec::HostTensor& want, const std::string& name,
                    const Tolerance& tol) {
  std::ostringstream err;
  if (got.dtype() != want.dtype()) {
    err << "output '" << name << "' dtype " << DTypeName(got.dtype()) << ", expected " << DTypeName(want.dtype());
    return err.str();
  }
  if (got.shape() != want.shape()) {
    err << "output '" << name << "' shape " << ShapeToString(got.shape()) << ", expected "
        << ShapeToString(want.shape());
    return err.str();
  }
  const std::vector<double> g = exec::ReadAsDouble(got.view());
  const std::vector<double> w = exec::ReadAsDouble(want.view());
  const bool exact = !IsFloatDType(want.dtype());
  for (size_t i = 0; i < w.size(); ++i) {
    if (std::isnan(w[i]) && std::isnan(g[i])) continue;
    if (std::isinf(w[i]) && g[i] == w[i]) continue;
    const double diff = std::fabs(g[i] - w[i]);
    const double limit = exact ? 0.0 : tol.atol + tol.rtol * std::fabs(w[i]);
    if (!(diff <= limit)) {
      err << "output '" << name << "' element " << i << " is " << g[i] << ", expected " << w[i]
          << " (|diff| " << diff << " > " << limit << ")";
      return err.str();
    }
  }
  return "";
}

std::string RunDataSet(exec::Session& session, const model::Graph& graph, const fs::path& dir,
                       const Tolerance& tol) {
  const std::vector<fs::path> input_files = SortedFiles(dir, "input_");
  const std::vector<fs::path> output_files = SortedFiles(dir, "output_");
  if (input_files.size() != graph.inputs.size()) {
    return "data set has " + std::to_string(input_files.size()) + " inputs, the converted graph " +
           std::to_string(graph.inputs.size());
  }
  std::vector<exec::HostTensor> inputs;
  std::vector<exec::TensorView> views;
  for (const fs::path& p : input_files) {
    auto t = converter::ReadTensorProtoFile(p.string());
    if (!t.ok()) return t.status().ToString();
    inputs.push_back(std::move(t).value());
    views.push_back(inputs.back().view());
  }
  auto outputs = session.Run(views);
  if (!outputs.ok()) return outputs.status().ToString();
  if (outputs->size() != output_files.size()) {
    return "produced " + std::to_string(outputs->size()) + " outputs, expected " +
           std::to_string(output_files.size());
  }
  for (size_t i = 0; i < output_files.size(); ++i) {
    auto want = converter::ReadTensorProtoFile(output_files[i].string());
    if (!want.ok()) return want.status().ToString();
    const std::string err = Compare((*outputs)[i], *want, graph.tensors[graph.outputs[i]].name, tol);
    if (!err.empty()) return dir.filename().string() + ": " + err;
  }
  return "";
}

}  // namespace

CaseResult RunCase(const std::string& root, const std::string& id, const std::string& backend,
                   const Tolerance& tolerance) {
  CaseResult result{id, Outcome::kFailed, ""};
  const fs::path dir = fs::path(root) / id;
  auto graph = converter::ConvertOnnxFile((dir / "model.onnx").string(), {});
  if (!graph.ok()) {
    result.outcome = graph.status().code() == StatusCode::kUnimplemented ? Outcome::kSkipped : Outcome::kFailed;
    result.detail = graph.status().ToString();
    return result;
  }
  // Through the real file format, as a device would load it.
  auto bytes = converter::SerializeModel(*graph);
  if (!bytes.ok()) {
    result.detail = bytes.status().ToString();
    return result;
  }
  auto model = model::Model::LoadFromBuffer(*bytes);
  if (!model.ok()) {
    result.detail = model.status().ToString();
    return result;
  }
  auto b = exec::CreateBackend(backend, {});
  if (!b.ok()) {
    result.detail = b.status().ToString();
    return result;
  }
  exec::Session session((*model)->graph(), std::move(b).value());
  int sets = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_directory() || entry.path().filename().string().rfind("test_data_set_", 0) != 0) continue;
    const std::string err = RunDataSet(session, (*model)->graph(), entry.path(), tolerance);
    if (!err.empty()) {
      result.detail = err;
      return result;
    }
    ++sets;
  }
  if (sets == 0) {
    result.outcome = Outcome::kSkipped;
    result.detail = "no test data sets";
    return result;
  }
  result.outcome = Outcome::kPassed;
  return result;
}

}  // namespace mota::conformance
