// ImportGraph (onnx_import.h): ONNX graph -> model::Graph through the registered lowerings.
#include <onnx/defs/schema.h>

#include <string>
#include <unordered_set>
#include <vector>

#include "converter/src/import_state.h"
#include "converter/src/lowering.h"
#include "converter/src/onnx_import.h"

namespace mota::converter {
namespace {

// Why mota cannot hold value `name` (an unsupported dtype), or empty when it can.
std::string ValueProblem(const ImportState& state, const std::string& name) {
  if (const std::string* reason = state.UnsupportedReason(name)) return *reason;
  const int32_t elem = state.OnnxElemType(name);
  if (elem != 0 && DTypeFromOnnx(elem) == DType::kUndefined) {
    return StrCat("'", name, "' has dtype ", OnnxDTypeName(elem),
                  ", which mota does not support (f32, f16, i8, u8, i32, i64, bool)");
  }
  return {};
}

// In v1, f16 tensors appear only at Cast boundaries (manifests/spec/operators.md): float kernels
// compute in f32, so only these ops, which move f16 values without arithmetic, may touch them.
bool MayTouchF16(const std::string& op_type) {
  return op_type == "Cast" || op_type == "Constant" || op_type == "Identity" ||
         op_type == "Shape" || op_type == "Size";
}

// Why node's value `name` is a problem, or empty.
std::string NodeValueProblem(const ImportState& state, const onnx::NodeProto& node,
                             const std::string& name) {
  std::string problem = ValueProblem(state, name);
  if (problem.empty() && state.OnnxElemType(name) == onnx::TensorProto_DataType_FLOAT16 &&
      !MayTouchF16(node.op_type())) {
    problem = StrCat("'", name, "' is f16; in this version f16 tensors may only be Cast inputs ",
                     "and outputs (float kernels compute in f32: cast to f32 first)");
  }
  return problem;
}

class GraphImporter {
 public:
  GraphImporter(const onnx::ModelProto& model, int opset)
      : graph_(model.graph()), opset_(opset), state_(model.graph()) {}

  Result<model::Graph> Run();

 private:
  Status ImportInputs();
  Status ImportInitializers();
  Status ImportNode(const onnx::NodeProto& node, int index);
  // Why the node cannot run (domain, op, opset, dtypes), or empty.
  std::string NodeProblem(const onnx::NodeProto& node) const;
  std::string NodeName(const onnx::NodeProto& node, int index);
  void AddUnsupported(const onnx::NodeProto& node, const std::string& name, const std::string& why);
  // Gives the node's still undefined outputs a tensor so later nodes can be checked too.
  Status DefineMissingOutputs(const onnx::NodeProto& node);
  Status ImportOutputs();
  Status CheckDTypes() const;

  const onnx::GraphProto& graph_;
  int opset_;
  ImportState state_;
  std::unordered_set<std::string> node_names_;
  std::vector<std::string> unsupported_;
};

Status GraphImporter::ImportInputs() {
  std::unordered_set<std::string> initializers;
  for (const onnx::TensorProto& t : graph_.initializer()) initializers.insert(t.name());
  for (const onnx::ValueInfoProto& v : graph_.input()) {
    if (initializers.count(v.name()) != 0) continue;  // opset < 9 models list weights as inputs
    const std::string problem = ValueProblem(state_, v.name());
    if (!v.type().has_tensor_type()) {
      unsupported_.push_back(StrCat("graph input '", v.name(), "': not a tensor (sequences, maps ",
                                    "and optionals are not supported)"));
    } else if (!problem.empty()) {
      unsupported_.push_back(StrCat("graph input ", problem));
    }
    MOTA_ASSIGN_OR_RETURN(const int32_t id, state_.DefineValue(v.name()));
    if (!state_.graph.tensors[id].has_shape && problem.empty() && v.type().has_tensor_type()) {
      return InvalidArgument("graph input '", v.name(),
                             "' has no shape (not even a rank); give one with --input ", v.name(),
                             "=d0,d1,...");
    }
    state_.graph.inputs.push_back(id);
  }
  return Status::Ok();
}

Status GraphImporter::ImportInitializers() {
  if (graph_.sparse_initializer_size() > 0) {
    return Unimplemented("the graph has ", graph_.sparse_initializer_size(),
                         " sparse initializers ('", graph_.sparse_initializer(0).values().name(),
                         "', ...); mota supports dense initializers only");
  }
  for (const onnx::TensorProto& t : graph_.initializer()) {
    if (state_.UseCount(t.name()) == 0) continue;  // unused weights are not carried over
    auto decoded = DecodeTensorProto(t, StrCat("initializer '", t.name(), "'"));
    if (decoded.ok()) {
      MOTA_RETURN_IF_ERROR(state_.DefineConstant(t.name(), std::move(decoded).value()).status());
    } else if (decoded.status().code() == StatusCode::kUnimplemented &&
               DTypeFromOnnx(t.data_type()) == DType::kUndefined) {
      state_.MarkUnsupportedValue(t.name(), decoded.status().message());
    } else {
      return decoded.status();
    }
  }
  return Status::Ok();
}

std::string GraphImporter::NodeProblem(const onnx::NodeProto& node) const {
  if (!IsDefaultOnnxDomain(node.domain())) {
    return StrCat("domain '", node.domain(), "' is not supported (only the default ONNX domain)");
  }
  if (onnx::OpSchemaRegistry::Schema(node.op_type(), opset_, "") == nullptr) {
    return StrCat("ONNX defines no ", node.op_type(), " at opset ", opset_);
  }
  if (FindLowering(node.op_type()) == nullptr) return "mota has no lowering for this op";
  for (const std::string& name : node.input()) {
    if (name.empty()) continue;
    const std::string problem = NodeValueProblem(state_, node, name);
    if (!problem.empty()) return StrCat("input ", problem);
  }
  for (const std::string& name : node.output()) {
    if (name.empty()) continue;
    const std::string problem = NodeValueProblem(state_, node, name);
    if (!problem.empty()) return StrCat("output ", problem);
  }
  return {};
}

std::string GraphImporter::NodeName(const onnx::NodeProto& node, int index) {
  std::string name = node.name();
  if (name.empty()) name = StrCat(node.op_type(), "_", index);
  for (int k = 1; node_names_.count(name) != 0 && node.name().empty(); ++k) {
    name = StrCat(node.op_type(), "_", index, "_", k);
  }
  node_names_.insert(name);
  return name;
}

void GraphImporter::AddUnsupported(const onnx::NodeProto& node, const std::string& name,
                                   const std::string& why) {
  unsupported_.push_back(StrCat(node.op_type(), " '", name, "' (opset ", opset_, "): ", why));
}

Status GraphImporter::DefineMissingOutputs(const onnx::NodeProto& node) {
  for (const std::string& out : node.output()) {
    if (!out.empty() && state_.Lookup(out) < 0)
      MOTA_RETURN_IF_ERROR(state_.DefineValue(out).status());
  }
  return Status::Ok();
}

Status GraphImporter::ImportNode(const onnx::NodeProto& node, int index) {
  const std::string name = NodeName(node, index);
  const std::string problem = NodeProblem(node);
  if (!problem.empty()) {
    AddUnsupported(node, name, problem);
    return DefineMissingOutputs(node);
  }
  LoweringContext ctx(state_, node, name, opset_);
  const Status status = FindLowering(node.op_type())->lower(ctx);
  if (status.code() == StatusCode::kUnimplemented) {
    AddUnsupported(node, name, status.message());
    return DefineMissingOutputs(node);
  }
  if (!status.ok()) return status;
  // A lowering may drop outputs nobody reads (Dropout's mask); a read one must exist.
  for (int i = 0; i < node.output_size(); ++i) {
    if (ctx.output_used(i) && state_.Lookup(node.output(i)) < 0) {
      return Internal("lowering of ", node.op_type(), " node '", name, "' did not define output ",
                      i, " ('", node.output(i), "'), which is used");
    }
  }
  return Status::Ok();
}

Status GraphImporter::ImportOutputs() {
  for (const onnx::ValueInfoProto& v : graph_.output()) {
    const int32_t id = state_.Lookup(v.name());
    if (id < 0) {
      return InvalidArgument("graph output '", v.name(), "' is not produced by any node, input or ",
                             "initializer");
    }
    state_.graph.outputs.push_back(id);
  }
  return Status::Ok();
}

// Every tensor needs a dtype in the .mota file; ONNX type inference gives one for every node of
// a valid model, so a gap means inference failed on some node.
Status GraphImporter::CheckDTypes() const {
  const std::vector<int32_t> producers = state_.graph.Producers();
  for (size_t t = 0; t < state_.graph.tensors.size(); ++t) {
    const model::TensorInfo& info = state_.graph.tensors[t];
    if (info.dtype != DType::kUndefined) continue;
    const int32_t p = producers[t];
    if (p < 0) return InvalidArgument("tensor '", info.name, "' has no known dtype");
    const model::Node& node = state_.graph.nodes[p];
    return InvalidArgument("ONNX type inference found no dtype for tensor '", info.name,
                           "', output of ", node.op_type, " node '", node.name,
                           "'; the node is likely malformed (check the model with onnx.checker)");
  }
  return Status::Ok();
}

Result<model::Graph> GraphImporter::Run() {
  MOTA_RETURN_IF_ERROR(ImportInputs());
  MOTA_RETURN_IF_ERROR(ImportInitializers());
  // SortNodes (onnx_import.h) ran before shape inference: every input is defined before use.
  for (int n = 0; n < graph_.node_size(); ++n) MOTA_RETURN_IF_ERROR(ImportNode(graph_.node(n), n));
  if (!unsupported_.empty()) {
    std::string message =
        StrCat("the model has ", unsupported_.size(), " unsupported node(s) or value(s):");
    for (const std::string& line : unsupported_) message += "\n  " + line;
    return Unimplemented(message);
  }
  MOTA_RETURN_IF_ERROR(ImportOutputs());
  MOTA_RETURN_IF_ERROR(CheckDTypes());
  MOTA_RETURN_IF_ERROR(state_.graph.Validate());
  return std::move(state_.graph);
}

}  // namespace

Result<model::Graph> ImportGraph(const onnx::ModelProto& model, int opset) {
  GraphImporter importer(model, opset);
  return importer.Run();
}

}  // namespace mota::converter
