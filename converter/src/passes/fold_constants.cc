// FoldConstants: evaluates, once at conversion time, every node whose value does not depend on
// the graph inputs, with the same reference kernels the runtime uses (what is folded here is
// exactly what the device would have computed).
//
// Walking the nodes in topological order, each node whose inputs all have static shapes is run
// through its op's shape inference, which records the shapes of its outputs in the graph (so
// later Shape nodes see them). Then the node is folded when all of its inputs are constants, or
// when its op reads only shapes (Shape, Size). One walk therefore folds whole
// Shape -> Gather -> Concat -> Unsqueeze -> Reshape chains once the shapes are static.
#include <algorithm>
#include <cstring>
#include <string>

#include "converter/src/passes/graph_rewrite.h"
#include "converter/src/passes/passes.h"
#include "exec/plan.h"

namespace mota::converter {
namespace {

// Folded outputs bigger than this stay computed at run time, unless folding frees even bigger
// constants (e.g. a Transpose of a large weight): the model must not grow much.
constexpr size_t kMaxFoldBytes = size_t{16} << 20;

struct NodeViews {
  std::vector<exec::TensorView> inputs;
  bool all_constant = true;
  size_t freed_bytes = 0;  // bytes of constant inputs that only this node reads
};

// Views of the node's inputs, or nullopt when some input's shape or dtype is not static.
std::optional<NodeViews> GatherInputs(const model::Graph& graph, const GraphUses& uses,
                                      const model::Node& node, int32_t n) {
  NodeViews views;
  views.inputs.resize(node.inputs.size());
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    const int32_t t = node.inputs[i];
    if (t < 0) continue;  // an omitted optional input stays kUndefined
    std::optional<exec::TensorView> view = StaticView(graph, t);
    if (!view) return std::nullopt;
    views.inputs[i] = *view;
    if (!graph.tensors[t].is_constant) {
      views.all_constant = false;
    } else if (uses.OnlyFeeds(t, n)) {
      views.freed_bytes += view->nbytes();
    }
  }
  return views;
}

bool ArityFits(const exec::OpDef& def, const model::Node& node) {
  const int in = static_cast<int>(node.inputs.size());
  const int out = static_cast<int>(node.outputs.size());
  return in >= def.min_inputs && in <= def.max_inputs && out >= def.min_outputs &&
         out <= def.max_outputs;
}

std::vector<model::Dim> StaticDims(const Shape& shape) {
  std::vector<model::Dim> dims;
  for (int64_t d : shape) dims.push_back(model::Dim{d, {}});
  return dims;
}

// Records inferred output types in the graph. Graph outputs keep their declared shapes (their
// shape is part of the model's interface); a declared static shape that disagrees is an error.
Status RecordOutputTypes(model::Graph& graph, const GraphUses& uses, const model::Node& node,
                         const std::vector<exec::TensorView>& outputs) {
  for (size_t o = 0; o < node.outputs.size(); ++o) {
    model::TensorInfo& info = graph.tensors[node.outputs[o]];
    const exec::TensorView& out = outputs[o];
    if (info.IsStaticShape() && info.StaticShape() != out.shape) {
      return InvalidArgument(
          "FoldConstants: ", node.op_type, " node '", node.name, "' output '", info.name,
          "' is declared with shape ", ShapeToString(info.StaticShape()), " but its op infers ",
          ShapeToString(out.shape), "; the model's shape information is inconsistent");
    }
    if (info.dtype != DType::kUndefined && info.dtype != out.dtype) {
      return InvalidArgument("FoldConstants: ", node.op_type, " node '", node.name, "' output '",
                             info.name, "' is declared ", DTypeName(info.dtype),
                             " but its op infers ", DTypeName(out.dtype));
    }
    info.dtype = out.dtype;
    if (!uses.is_graph_output[node.outputs[o]] && !info.IsStaticShape()) {
      info.has_shape = true;
      info.dims = StaticDims(out.shape);
    }
  }
  return Status::Ok();
}

// Runs the node's reference kernel and turns its outputs into constants.
Status Evaluate(model::Graph& graph, const exec::OpDef& def, const model::Node& node,
                const std::vector<exec::TensorView>& inputs,
                const std::vector<exec::TensorView>& types) {
  std::vector<exec::HostTensor> values;
  std::vector<exec::TensorView> outputs;
  for (const exec::TensorView& type : types) {
    values.push_back(exec::HostTensor::Allocate(type.dtype, type.shape));
    if (values.back().dtype() == DType::kUndefined && type.numel() != 0) {
      return OutOfMemory("FoldConstants: cannot allocate ", type.nbytes(), " bytes to fold node '",
                         node.name, "'");
    }
    outputs.push_back(values.back().view());
    if (type.numel() == 0) outputs.back() = exec::TensorView{type.dtype, type.shape, nullptr};
  }
  Status status = exec::EvaluateNode(def, node, inputs, outputs, nullptr);
  if (!status.ok()) {
    return status.WithContext(StrCat("FoldConstants: evaluating ", node.op_type, " node '",
                                     node.name, "' on constant inputs"));
  }
  for (size_t o = 0; o < node.outputs.size(); ++o) {
    model::TensorInfo& info = graph.tensors[node.outputs[o]];
    const uint8_t* data = values[o].data();
    info.is_constant = true;
    info.constant = model::ConstData::Own(std::vector<uint8_t>(data, data + types[o].nbytes()));
    info.dtype = types[o].dtype;
    info.has_shape = true;
    info.dims = StaticDims(types[o].shape);
  }
  return Status::Ok();
}

// ---- Shape values with symbolic dims ----
// With a dynamic batch, Shape(x) is not constant, but the entries for static dims are: exporters
// read them (x.shape[1], x.shape[2:]) through Gather and Slice, sometimes after a Cast to i32.
// Those fold here.

struct ShapeEntries {
  std::vector<std::optional<int64_t>> values;  // nullopt: a symbolic dim
  DType dtype = DType::kI64;
};

// The entries of a Shape node's output; nullopt when the rank is unknown.
std::optional<ShapeEntries> EntriesOfShape(const model::Graph& graph, const model::Node& node) {
  if (node.op_type != "Shape" || node.inputs.size() != 1 || node.inputs[0] < 0) return std::nullopt;
  const model::TensorInfo& x = graph.tensors[node.inputs[0]];
  if (!x.has_shape) return std::nullopt;
  const int64_t rank = static_cast<int64_t>(x.dims.size());
  auto clamp = [rank](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + rank : v, 0, rank); };
  const int64_t start = clamp(node.attrs.GetInt("start", 0));
  const int64_t end = node.attrs.Has("end") ? clamp(node.attrs.GetInt("end", rank)) : rank;
  ShapeEntries entries;
  for (int64_t i = start; i < end; ++i) {
    if (x.dims[i].is_static()) {
      entries.values.push_back(x.dims[i].value);
    } else {
      entries.values.push_back(std::nullopt);
    }
  }
  return entries;
}

std::optional<ShapeEntries> EntriesOf(const model::Graph& graph, const GraphUses& uses, int32_t t);

// Cast of shape entries to i32 / i64 (the `to` attribute holds a mota DType number).
std::optional<ShapeEntries> CastEntries(const model::Graph& graph, const GraphUses& uses,
                                        const model::Node& node) {
  const int64_t to = node.attrs.GetInt("to", 0);
  if (node.inputs.size() != 1 ||
      (to != static_cast<int64_t>(DType::kI32) && to != static_cast<int64_t>(DType::kI64))) {
    return std::nullopt;
  }
  std::optional<ShapeEntries> entries = EntriesOf(graph, uses, node.inputs[0]);
  if (entries) entries->dtype = static_cast<DType>(to);
  return entries;
}

// Entries of tensor `t` when it is the output of a Shape node, possibly through Casts.
std::optional<ShapeEntries> EntriesOf(const model::Graph& graph, const GraphUses& uses, int32_t t) {
  const int32_t p = uses.ProducerOf(t);
  if (p < 0) return std::nullopt;
  const model::Node& node = graph.nodes[p];
  return node.op_type == "Cast" ? CastEntries(graph, uses, node) : EntriesOfShape(graph, node);
}

// Gather(shape, constant indices) along axis 0.
std::optional<ShapeEntries> GatherEntries(const model::Graph& graph, const GraphUses& uses,
                                          const model::Node& node, Shape* out_shape) {
  if (node.inputs.size() != 2) return std::nullopt;
  const int64_t axis = node.attrs.GetInt("axis", 0);
  std::optional<ShapeEntries> data = EntriesOf(graph, uses, node.inputs[0]);
  std::optional<std::vector<int64_t>> indices = ConstantAsInts(graph, node.inputs[1]);
  if (!data || !indices || (axis != 0 && axis != -1)) return std::nullopt;
  const int64_t len = static_cast<int64_t>(data->values.size());
  ShapeEntries out;
  out.dtype = data->dtype;
  for (int64_t i : *indices) {
    if (i < 0) i += len;
    if (i < 0 || i >= len) return std::nullopt;  // the op itself reports the bad index
    out.values.push_back(data->values[i]);
  }
  *out_shape = graph.tensors[node.inputs[1]].StaticShape();
  return out;
}

// Slice(shape, starts, ends, axes?, steps?) on the 1-D shape vector, all constants.
std::optional<ShapeEntries> SliceEntries(const model::Graph& graph, const GraphUses& uses,
                                         const model::Node& node, Shape* out_shape) {
  if (node.inputs.size() < 3) return std::nullopt;
  std::optional<ShapeEntries> data = EntriesOf(graph, uses, node.inputs[0]);
  auto one = [&](size_t i, int64_t fallback) -> std::optional<int64_t> {
    if (i >= node.inputs.size() || node.inputs[i] < 0) return fallback;
    std::optional<std::vector<int64_t>> v = ConstantAsInts(graph, node.inputs[i]);
    if (!v || v->size() != 1) return std::nullopt;
    return (*v)[0];
  };
  const std::optional<int64_t> start = one(1, 0), end = one(2, 0), axis = one(3, 0),
                               step = one(4, 1);
  if (!data || !start || !end || !axis || !step || (*axis != 0 && *axis != -1) || *step == 0) {
    return std::nullopt;
  }
  const int64_t len = static_cast<int64_t>(data->values.size());
  auto norm = [len](int64_t v, int64_t lo, int64_t hi) {
    return std::clamp(v < 0 ? v + len : v, lo, hi);
  };
  ShapeEntries out;
  out.dtype = data->dtype;
  if (*step > 0) {
    for (int64_t i = norm(*start, 0, len); i < norm(*end, 0, len); i += *step) {
      out.values.push_back(data->values[i]);
    }
  } else {
    for (int64_t i = norm(*start, 0, len - 1); i > norm(*end, -1, len - 1); i += *step) {
      out.values.push_back(data->values[i]);
    }
  }
  *out_shape = {static_cast<int64_t>(out.values.size())};
  return out;
}

std::vector<uint8_t> IntBytes(const std::vector<int64_t>& values, DType dtype) {
  std::vector<uint8_t> bytes(values.size() * DTypeSize(dtype));
  for (size_t i = 0; i < values.size(); ++i) {
    if (dtype == DType::kI32) {
      const int32_t v = static_cast<int32_t>(values[i]);
      std::memcpy(bytes.data() + i * 4, &v, 4);
    } else {
      std::memcpy(bytes.data() + i * 8, &values[i], 8);
    }
  }
  return bytes;
}

// Folds Shape / Cast / Gather / Slice nodes whose result involves only static dims.
bool FoldShapeValues(model::Graph& graph, const GraphUses& uses, const model::Node& node) {
  if (node.outputs.size() != 1 || HasActivation(node)) return false;
  std::optional<ShapeEntries> entries;
  Shape shape;
  if (node.op_type == "Shape") {
    entries = EntriesOfShape(graph, node);
  } else if (node.op_type == "Cast") {
    entries = CastEntries(graph, uses, node);
  } else if (node.op_type == "Gather") {
    entries = GatherEntries(graph, uses, node, &shape);
  } else if (node.op_type == "Slice") {
    entries = SliceEntries(graph, uses, node, &shape);
  }
  if (!entries) return false;
  if (node.op_type == "Shape" || node.op_type == "Cast") {
    shape = {static_cast<int64_t>(entries->values.size())};
  }
  std::vector<int64_t> values;
  for (const std::optional<int64_t>& e : entries->values) {
    if (!e) return false;
    values.push_back(*e);
  }
  model::TensorInfo& info = graph.tensors[node.outputs[0]];
  info.is_constant = true;
  info.constant = model::ConstData::Own(IntBytes(values, entries->dtype));
  info.dtype = entries->dtype;
  info.has_shape = true;
  info.dims = StaticDims(shape);
  return true;
}

// Widening compact weights (DequantizeLinear; Cast of f16 or i8 to f32) happens at load time
// (manifests/spec/quantization.md): folding it here would store the wide copy in the file.
bool IsLoadTimeWidening(const model::Node& node, std::span<const exec::TensorView> inputs) {
  if (node.op_type == "DequantizeLinear") return true;
  if (node.op_type != "Cast" || inputs.empty()) return false;
  const DType from = inputs[0].dtype;
  return (from == DType::kF16 || from == DType::kI8 || from == DType::kU8) &&
         node.attrs.GetInt("to", 0) == static_cast<int64_t>(DType::kF32);
}

// Infers and possibly folds node n; sets *folded when the node's outputs became constants.
Status VisitNode(model::Graph& graph, const GraphUses& uses, int32_t n, bool* folded) {
  *folded = false;
  const model::Node& node = graph.nodes[n];
  const exec::OpDef* def = exec::FindOp(node.op_type);
  if (def == nullptr || !ArityFits(*def, node)) return Status::Ok();
  if (FoldShapeValues(graph, uses, node)) {
    *folded = true;
    return Status::Ok();
  }
  std::optional<NodeViews> views = GatherInputs(graph, uses, node, n);
  if (!views) return Status::Ok();
  exec::InferContext ctx{node, views->inputs, std::vector<exec::TensorView>(node.outputs.size())};
  // An op that cannot infer yet (a value known only at run time) simply stays as it is.
  if (!def->infer(ctx).ok()) return Status::Ok();
  size_t out_bytes = 0;
  for (const exec::TensorView& out : ctx.outputs) {
    if (out.dtype == DType::kUndefined || out.numel() < 0) return Status::Ok();
    out_bytes += out.nbytes();
  }
  MOTA_RETURN_IF_ERROR(RecordOutputTypes(graph, uses, node, ctx.outputs));
  if (!views->all_constant && !def->shape_only) return Status::Ok();
  if (IsLoadTimeWidening(node, views->inputs)) return Status::Ok();
  if (out_bytes > kMaxFoldBytes && out_bytes > views->freed_bytes) return Status::Ok();
  MOTA_RETURN_IF_ERROR(Evaluate(graph, *def, node, views->inputs, ctx.outputs));
  *folded = true;
  return Status::Ok();
}

}  // namespace

Status FoldConstants(model::Graph& graph) {
  // Use counts are taken once: folding only removes uses, so "only this node reads it" stays
  // true for the inputs it was true for.
  const GraphUses uses = GraphUses::Build(graph);
  std::vector<uint8_t> remove(graph.nodes.size(), 0);
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    bool folded = false;
    MOTA_RETURN_IF_ERROR(VisitNode(graph, uses, static_cast<int32_t>(n), &folded));
    remove[n] = folded ? 1 : 0;
  }
  RemoveNodes(graph, remove);
  return Status::Ok();
}

}  // namespace mota::converter
