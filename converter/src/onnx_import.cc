#include "converter/src/onnx_import.h"

#include <limits>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "converter/src/shape_inference.h"

namespace mota::converter {
namespace {

std::string InputNames(const onnx::GraphProto& graph) {
  std::set<std::string> initializers;
  for (const onnx::TensorProto& t : graph.initializer()) initializers.insert(t.name());
  std::string names;
  for (const onnx::ValueInfoProto& v : graph.input()) {
    if (initializers.count(v.name()) != 0) continue;
    names += names.empty() ? "'" : ", '";
    names += v.name() + "'";
  }
  return names.empty() ? "(none)" : names;
}

onnx::ValueInfoProto* FindGraphInput(onnx::GraphProto& graph, const std::string& name) {
  for (const onnx::TensorProto& t : graph.initializer()) {
    if (t.name() == name) return nullptr;  // an initializer listed as an input is a constant
  }
  for (onnx::ValueInfoProto& v : *graph.mutable_input()) {
    if (v.name() == name) return &v;
  }
  return nullptr;
}

Status ApplyOneInputShape(onnx::ValueInfoProto& input, const InputShapeOverride& o) {
  if (input.type().value_case() != onnx::TypeProto::kTensorType &&
      input.type().value_case() != onnx::TypeProto::VALUE_NOT_SET) {
    return InvalidArgument("input shape given for '", o.name, "', which is not a tensor input");
  }
  if (input.type().has_tensor_type() && input.type().tensor_type().has_shape()) {
    const onnx::TensorShapeProto& shape = input.type().tensor_type().shape();
    if (shape.dim_size() != static_cast<int>(o.shape.size())) {
      return InvalidArgument("input shape for '", o.name, "' has rank ", o.shape.size(), " (",
                             ShapeToString(o.shape), ") but the model declares rank ",
                             shape.dim_size());
    }
    for (int i = 0; i < shape.dim_size(); ++i) {
      const auto& d = shape.dim(i);
      if (d.has_dim_value() && d.dim_value() != o.shape[i]) {
        return InvalidArgument("input shape for '", o.name, "' sets dim ", i, " to ", o.shape[i],
                               " but the model fixes it to ", d.dim_value());
      }
    }
  }
  onnx::TensorShapeProto* shape = input.mutable_type()->mutable_tensor_type()->mutable_shape();
  shape->clear_dim();
  for (int64_t d : o.shape) shape->add_dim()->set_dim_value(d);
  return Status::Ok();
}

// Node indices in an order where every input is defined before use: the file order when it
// already is one (ONNX requires it), else a stable reordering. Undefined inputs and cycles fail.
Result<std::vector<int>> TopologicalOrder(const onnx::GraphProto& graph) {
  std::unordered_set<std::string> available = {""};
  for (const onnx::ValueInfoProto& v : graph.input()) available.insert(v.name());
  for (const onnx::TensorProto& t : graph.initializer()) available.insert(t.name());
  std::vector<int> pending(graph.node_size());
  for (int i = 0; i < graph.node_size(); ++i) pending[i] = i;
  std::vector<int> order;
  while (!pending.empty()) {
    std::vector<int> still;
    for (int n : pending) {
      const onnx::NodeProto& node = graph.node(n);
      bool ready = true;
      for (const std::string& in : node.input()) ready = ready && available.count(in) != 0;
      if (!ready) {
        still.push_back(n);
        continue;
      }
      order.push_back(n);
      for (const std::string& out : node.output()) available.insert(out);
    }
    if (still.size() == pending.size()) {
      const onnx::NodeProto& node = graph.node(still.front());
      std::string missing;
      for (const std::string& in : node.input()) {
        if (available.count(in) == 0) missing = in;
      }
      return InvalidArgument(node.op_type(), " node '", node.name(), "' (node ", still.front(),
                             ") reads '", missing,
                             "', which no graph input, initializer or node output defines (or "
                             "which only a cycle through this node produces)");
    }
    pending = std::move(still);
  }
  return order;
}

}  // namespace

Result<onnx::ModelProto> ParseOnnxModel(std::span<const uint8_t> bytes) {
  if (bytes.empty()) return InvalidArgument("the ONNX model is empty (0 bytes)");
  if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return Unimplemented("the ONNX model is ", bytes.size(),
                         " bytes; protobuf reads at most 2 GiB (save large weights as external "
                         "data is not supported either)");
  }
  onnx::ModelProto model;
  if (!model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return DataLoss("the input is not a valid ONNX model: protobuf parsing of ", bytes.size(),
                    " bytes failed (truncated or not an .onnx file)");
  }
  // Protobuf accepts many byte strings as a message with unknown fields; a real model has an IR
  // version, an opset import and a graph.
  if (model.ir_version() <= 0 || model.opset_import_size() == 0 || !model.has_graph()) {
    return DataLoss("the input is not a valid ONNX model: ir_version ", model.ir_version(), ", ",
                    model.opset_import_size(), " opset imports, ",
                    model.has_graph() ? "a graph" : "no graph",
                    " (a model needs an ir_version >= 1, an opset import and a graph)");
  }
  return model;
}

Result<int> DefaultDomainOpset(const onnx::ModelProto& model) {
  for (const onnx::OperatorSetIdProto& op : model.opset_import()) {
    if (!IsDefaultOnnxDomain(op.domain())) continue;
    if (op.version() < kMinOnnxOpset || op.version() > kMaxOnnxOpset) {
      return Unimplemented("the model uses opset ", op.version(),
                           " of the default ONNX domain; mota converts opsets ", kMinOnnxOpset,
                           " to ", kMaxOnnxOpset,
                           " (convert the model with onnx.version_converter first)");
    }
    return static_cast<int>(op.version());
  }
  return Unimplemented(
      "the model imports no opset of the default ONNX domain (\"\" or \"ai.onnx\"); "
      "mota converts only default-domain models, opsets ",
      kMinOnnxOpset, " to ", kMaxOnnxOpset);
}

Status ApplyInputShapes(onnx::ModelProto& model, const std::vector<InputShapeOverride>& overrides) {
  std::set<std::string> seen;
  for (const InputShapeOverride& o : overrides) {
    if (!seen.insert(o.name).second) {
      return InvalidArgument("input shape for '", o.name, "' is given twice");
    }
    for (int64_t d : o.shape) {
      if (d < 1) {
        return InvalidArgument("input shape for '", o.name, "' has dim ", d, " (",
                               ShapeToString(o.shape), "); every dim must be >= 1");
      }
    }
    onnx::ValueInfoProto* input = FindGraphInput(*model.mutable_graph(), o.name);
    if (input == nullptr) {
      return InvalidArgument("input shape given for '", o.name,
                             "', which is not an input of the model; its inputs are ",
                             InputNames(model.graph()));
    }
    MOTA_RETURN_IF_ERROR(ApplyOneInputShape(*input, o));
  }
  return Status::Ok();
}

Status SortNodes(onnx::GraphProto& graph) {
  MOTA_ASSIGN_OR_RETURN(const std::vector<int> order, TopologicalOrder(graph));
  bool sorted = true;
  for (size_t i = 0; i < order.size(); ++i) sorted = sorted && order[i] == static_cast<int>(i);
  if (sorted) return Status::Ok();
  google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
  for (int n : order) *nodes.Add() = graph.node(n);
  graph.mutable_node()->Swap(&nodes);
  return Status::Ok();
}

Status InferOnnxShapes(onnx::ModelProto& model) {
  // Inference runs on a copy (shape_inference.h): a failure leaves `model` as it was.
  const Status first = RunOnnxShapeInference(model, /*data_propagation=*/true);
  if (first.ok()) return first;
  // Stale annotations (value_info, output shapes that an input override contradicts) make ONNX
  // throw when it merges its results into them: retry with only the dtypes they declare.
  model.mutable_graph()->clear_value_info();
  for (onnx::ValueInfoProto& output : *model.mutable_graph()->mutable_output()) {
    if (output.type().has_tensor_type())
      output.mutable_type()->mutable_tensor_type()->clear_shape();
  }
  const Status second = RunOnnxShapeInference(model, /*data_propagation=*/false);
  if (second.ok() || second.message() == first.message()) return second;
  return Status(second.code(), StrCat(first.message(), "; without value_info, output shapes and ",
                                      "data propagation: ", second.message()));
}

}  // namespace mota::converter
