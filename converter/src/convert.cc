#include "converter/src/convert.h"

#include <charconv>

#include "base/file.h"
#include "base/sha256.h"
#include "converter/src/onnx_import.h"
#include "exec/plan.h"
#include "converter/src/version_upgrade.h"
#include "converter/src/passes/passes.h"

namespace mota::converter {
namespace {

constexpr const char* kDefaultProducer = "mota 0.1.0";

Result<int64_t> ParseDim(std::string_view text, const std::string& whole) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || value < 1) {
    return InvalidArgument(
        "input shape '", whole, "': dim '", text,
        "' is not an integer >= 1 (expected NAME=d0,d1,..., e.g. input=1,3,224,224)");
  }
  return value;
}

void FillMetadata(const onnx::ModelProto& model, int opset, std::span<const uint8_t> bytes,
                  const ConvertOptions& options, model::Metadata& meta) {
  meta.producer = options.producer.empty() ? kDefaultProducer : options.producer;
  meta.source_sha256 = Sha256Hex(bytes);
  meta.precision = "fp32";
  meta.properties["onnx_opset"] = std::to_string(opset);
  meta.properties["onnx_ir_version"] = std::to_string(model.ir_version());
  meta.properties["onnx_producer_name"] = model.producer_name();
  meta.properties["onnx_producer_version"] = model.producer_version();
  meta.properties["onnx_graph_name"] = model.graph().name();
}

}  // namespace

Result<InputShapeOverride> ParseInputShapeOverride(const std::string& text) {
  // Tensor names may contain '=' in principle; dims never do, so split at the last one.
  const size_t eq = text.rfind('=');
  if (eq == std::string::npos || eq == 0) {
    return InvalidArgument("input shape '", text,
                           "' must look like NAME=d0,d1,... (e.g. input=1,3,224,224)");
  }
  InputShapeOverride out;
  out.name = text.substr(0, eq);
  std::string_view dims = std::string_view(text).substr(eq + 1);
  while (!dims.empty()) {  // an empty list is a scalar input
    const size_t comma = dims.find(',');
    MOTA_ASSIGN_OR_RETURN(const int64_t d, ParseDim(dims.substr(0, comma), text));
    out.shape.push_back(d);
    if (comma == std::string_view::npos) break;
    dims.remove_prefix(comma + 1);
    if (dims.empty()) return InvalidArgument("input shape '", text, "' ends with a comma");
  }
  return out;
}

namespace {

// When every input shape is static, the runtime's own shape inference gives every tensor a static
// shape (ONNX inference keeps symbolic dims that the model declared on its outputs).
Status RefineStaticShapes(model::Graph& graph) {
  std::vector<Shape> shapes;
  for (int32_t t : graph.inputs) {
    if (!graph.tensors[t].IsStaticShape()) return Status::Ok();
    shapes.push_back(graph.tensors[t].StaticShape());
  }
  Result<exec::ExecutionPlan> planned = exec::PlanExecution(graph, shapes);
  // Shapes that depend on input values (a Reshape target fed as an input) are planned per value
  // at run time: nothing to refine here.
  if (!planned.ok() && planned.status().code() == StatusCode::kUnimplemented) return Status::Ok();
  if (!planned.ok()) return planned.status();
  const exec::ExecutionPlan& plan = *planned;
  for (size_t t = 0; t < graph.tensors.size(); ++t) {
    model::TensorInfo& info = graph.tensors[t];
    const exec::TensorPlan& p = plan.tensors[t];
    if (info.is_constant || p.dtype == DType::kUndefined) continue;
    info.has_shape = true;
    info.dims.clear();
    for (int64_t d : p.shape) info.dims.push_back(model::Dim{d, {}});
  }
  return Status::Ok();
}

}  // namespace

Result<model::Graph> ConvertOnnx(std::span<const uint8_t> onnx_bytes,
                                 const ConvertOptions& options) {
  MOTA_ASSIGN_OR_RETURN(onnx::ModelProto model, ParseOnnxModel(onnx_bytes));
  MOTA_RETURN_IF_ERROR(UpgradeLegacyOpset(model));
  MOTA_ASSIGN_OR_RETURN(const int opset, DefaultDomainOpset(model));
  MOTA_RETURN_IF_ERROR(SortNodes(*model.mutable_graph()));
  MOTA_RETURN_IF_ERROR(ApplyInputShapes(model, options.input_shapes));
  MOTA_RETURN_IF_ERROR(InferOnnxShapes(model));
  MOTA_ASSIGN_OR_RETURN(model::Graph graph, ImportGraph(model, opset));
  FillMetadata(model, opset, onnx_bytes, options, graph.metadata);
  if (options.optimize) MOTA_RETURN_IF_ERROR(RunPasses(graph));
  MOTA_RETURN_IF_ERROR(RefineStaticShapes(graph));
  return graph;
}

Result<model::Graph> ConvertOnnxFile(const std::string& path, const ConvertOptions& options) {
  MOTA_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFile(path));
  auto graph = ConvertOnnx(bytes, options);
  if (!graph.ok()) return graph.status().WithContext(StrCat("converting '", path, "'"));
  return graph;
}

}  // namespace mota::converter
