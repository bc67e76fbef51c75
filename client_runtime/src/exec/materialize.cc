#include "exec/materialize.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/aligned_buffer.h"
#include "exec/op_registry.h"
#include "exec/plan.h"
#include "exec/tensor.h"

namespace mota::exec {
namespace {

bool IsMaterializableOp(std::string_view op) { return op == "Cast" || op == "DequantizeLinear"; }

// Whether `node` folds, given which tensors are constant now (`constant` grows as nodes fold).
bool CanFold(const model::Node& node, const std::vector<uint8_t>& constant,
             const std::vector<uint8_t>& is_graph_output) {
  if (!IsMaterializableOp(node.op_type) || FindOp(node.op_type) == nullptr) return false;
  for (int32_t t : node.inputs) {
    if (t >= 0 && (static_cast<size_t>(t) >= constant.size() || !constant[t])) return false;
  }
  for (int32_t t : node.outputs) {
    if (t < 0 || static_cast<size_t>(t) >= constant.size() || is_graph_output[t]) return false;
  }
  return !node.outputs.empty();
}

std::vector<uint8_t> ConstantMask(const model::Graph& graph) {
  std::vector<uint8_t> constant(graph.tensors.size(), 0);
  for (size_t t = 0; t < graph.tensors.size(); ++t) constant[t] = graph.tensors[t].is_constant;
  return constant;
}

std::vector<uint8_t> GraphOutputMask(const model::Graph& graph) {
  std::vector<uint8_t> mask(graph.tensors.size(), 0);
  for (int32_t t : graph.outputs) {
    if (t >= 0 && static_cast<size_t>(t) < mask.size()) mask[t] = 1;
  }
  return mask;
}

// ConstData's owner is declared as a byte vector; the aliasing shared_ptr constructor lets it
// keep an AlignedBuffer alive instead, which gives the 64-byte alignment and tail padding the
// kernels need and reports allocation failure instead of throwing.
struct AlignedOwner {
  std::vector<uint8_t> unused;  // what `owner` points at; the bytes are in `buffer`
  AlignedBuffer buffer;
};

Result<model::ConstData> AllocateConstant(size_t size, const model::Node& node) {
  auto holder = std::make_shared<AlignedOwner>();
  if (!holder->buffer.Resize(size)) {
    return OutOfMemory("cannot allocate ", size, " bytes to materialize the output of ",
                       node.op_type, " node '", node.name, "'");
  }
  std::shared_ptr<const std::vector<uint8_t>> owner(holder, &holder->unused);
  return model::ConstData{holder->buffer.data(), size, std::move(owner)};
}

Status CheckArity(const model::Node& node, const OpDef& def) {
  const int in = static_cast<int>(node.inputs.size());
  const int out = static_cast<int>(node.outputs.size());
  if (in < def.min_inputs || in > def.max_inputs || out < def.min_outputs ||
      out > def.max_outputs) {
    return InvalidArgument(node.op_type, " node '", node.name, "' has ", in, " inputs and ", out,
                           " outputs; expected ", def.min_inputs, "..", def.max_inputs,
                           " inputs and ", def.min_outputs, "..", def.max_outputs, " outputs");
  }
  return Status::Ok();
}

// A view of constant tensor t, checking that its bytes match its dtype and shape.
Result<TensorView> ConstantView(const model::Graph& graph, int32_t t, const model::Node& node) {
  const model::TensorInfo& info = graph.tensors[t];
  if (!info.IsStaticShape()) {
    return InvalidArgument(node.op_type, " node '", node.name, "': constant input '", info.name,
                           "' has no static shape");
  }
  TensorView v{info.dtype, info.StaticShape(), const_cast<uint8_t*>(info.constant.data)};
  if (v.numel() < 0 || info.constant.size != v.nbytes() || (v.nbytes() > 0 && v.data == nullptr)) {
    return InvalidArgument(node.op_type, " node '", node.name, "': constant input '", info.name,
                           "' holds ", info.constant.size, " bytes; its dtype ",
                           DTypeName(info.dtype), " and shape ", ShapeToString(v.shape), " need ",
                           v.nbytes());
  }
  return v;
}

std::string DimsText(const model::TensorInfo& info) {
  if (!info.has_shape) return "(rank unknown)";
  std::string s = "[";
  for (size_t i = 0; i < info.dims.size(); ++i) {
    if (i) s += ",";
    const model::Dim& d = info.dims[i];
    s += d.is_static() ? std::to_string(d.value) : (d.symbol.empty() ? "?" : d.symbol);
  }
  return s + "]";
}

// The declared dtype and shape of an output (when the file has them) must match what the op
// computes: backends trust the declaration of a constant.
Status CheckDeclared(const model::TensorInfo& info, const TensorView& computed,
                     const model::Node& node) {
  const bool dtype_ok = info.dtype == DType::kUndefined || info.dtype == computed.dtype;
  const bool shape_ok =
      !info.has_shape || !info.IsStaticShape() || info.StaticShape() == computed.shape;
  if (dtype_ok && shape_ok) return Status::Ok();
  return InvalidArgument(node.op_type, " node '", node.name, "': output '", info.name,
                         "' is declared ", DTypeName(info.dtype), " ", DimsText(info),
                         " but the node computes ", DTypeName(computed.dtype), " ",
                         ShapeToString(computed.shape));
}

// Evaluates `node` (all inputs constant in `graph`) and turns its outputs into owned constants.
Status FoldNode(model::Graph& graph, const model::Node& node) {
  const OpDef& def = *FindOp(node.op_type);
  MOTA_RETURN_IF_ERROR(CheckArity(node, def));
  std::vector<TensorView> inputs(node.inputs.size());
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (node.inputs[i] < 0) continue;
    MOTA_ASSIGN_OR_RETURN(inputs[i], ConstantView(graph, node.inputs[i], node));
  }
  InferContext ictx{node, inputs, std::vector<TensorView>(node.outputs.size())};
  MOTA_RETURN_IF_ERROR(def.infer(ictx));
  std::vector<model::ConstData> data;
  std::vector<TensorView> outputs;
  for (size_t o = 0; o < node.outputs.size(); ++o) {
    TensorView out = ictx.outputs[o];
    if (out.dtype == DType::kUndefined || out.numel() < 0) {
      return Internal(node.op_type, " node '", node.name, "' inferred no valid type for output ",
                      o);
    }
    MOTA_RETURN_IF_ERROR(CheckDeclared(graph.tensors[node.outputs[o]], out, node));
    MOTA_ASSIGN_OR_RETURN(model::ConstData bytes, AllocateConstant(out.nbytes(), node));
    out.data = const_cast<uint8_t*>(bytes.data);
    outputs.push_back(out);
    data.push_back(std::move(bytes));
  }
  MOTA_RETURN_IF_ERROR(EvaluateNode(def, node, inputs, outputs, nullptr));
  for (size_t o = 0; o < node.outputs.size(); ++o) {
    model::TensorInfo& info = graph.tensors[node.outputs[o]];
    info.dtype = outputs[o].dtype;
    info.has_shape = true;
    info.dims.clear();
    for (int64_t d : outputs[o].shape) info.dims.push_back({d, {}});
    info.is_constant = true;
    info.constant = std::move(data[o]);
  }
  return Status::Ok();
}

// Folded-chain intermediates (materialized here, now read by nothing) give their memory back.
void ReleaseDeadIntermediates(model::Graph& graph, const std::vector<uint8_t>& materialized) {
  const std::vector<int32_t> uses = graph.UseCounts();
  for (size_t t = 0; t < graph.tensors.size(); ++t) {
    if (!materialized[t] || uses[t] > 0) continue;
    graph.tensors[t].is_constant = false;
    graph.tensors[t].constant = model::ConstData{};
  }
}

}  // namespace

bool HasMaterializableNodes(const model::Graph& graph) {
  const std::vector<uint8_t> constant = ConstantMask(graph);
  const std::vector<uint8_t> is_output = GraphOutputMask(graph);
  for (const model::Node& node : graph.nodes) {
    if (CanFold(node, constant, is_output)) return true;
  }
  return false;
}

Result<std::unique_ptr<model::Graph>> MaterializeConstantNodes(const model::Graph& graph) {
  auto out = std::make_unique<model::Graph>();
  out->tensors = graph.tensors;  // ConstData copies share views and owners: no bytes copied
  out->inputs = graph.inputs;
  out->outputs = graph.outputs;
  out->metadata = graph.metadata;
  std::vector<uint8_t> constant = ConstantMask(graph);
  const std::vector<uint8_t> is_output = GraphOutputMask(graph);
  std::vector<uint8_t> materialized(graph.tensors.size(), 0);
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const model::Node& node = graph.nodes[n];
    if (!CanFold(node, constant, is_output)) {
      out->nodes.push_back(node);
      continue;
    }
    MOTA_RETURN_IF_ERROR(FoldNode(*out, node));
    for (int32_t t : node.outputs) constant[t] = materialized[t] = 1;
  }
  ReleaseDeadIntermediates(*out, materialized);
  return out;
}

}  // namespace mota::exec
