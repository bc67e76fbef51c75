// FoldConstants: evaluates, once at conversion time, every node whose value does not depend on
// the graph inputs, with the same reference kernels the runtime uses (what is folded here is
// exactly what the device would have computed).
//
// Walking the nodes in topological order, each node whose inputs all have static shapes is run
// through its op's shape inference, which records the shapes of its outputs in the graph (so
// later Shape nodes see them). Then the node is folded when all of its inputs are constants, or
// when its op reads only shapes (Shape, Size). One walk therefore folds whole
// Shape -> Gather -> Concat -> Unsqueeze -> Reshape chains once the shapes are static.
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
  return in >= def.min_inputs && in <= def.max_inputs && out >= def.min_outputs && out <= def.max_outputs;
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
      return InvalidArgument("FoldConstants: ", node.op_type, " node '", node.name, "' output '",
                             info.name, "' is declared with shape ", ShapeToString(info.StaticShape()),
                             " but its op infers ", ShapeToString(out.shape),
                             "; the model's shape information is inconsistent");
    }
    if (info.dtype != DType::kUndefined && info.dtype != out.dtype) {
      return InvalidArgument("FoldConstants: ", node.op_type, " node '", node.name, "' output '",
                             info.name, "' is declared ", DTypeName(info.dtype), " but its op infers ",
                             DTypeName(out.dtype));
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
                const std::vector<exec::TensorView>& inputs, const std::vector<exec::TensorView>& types) {
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
    return status.WithContext(StrCat("FoldConstants: evaluating ", node.op_type, " node '", node.name,
                                     "' on constant inputs"));
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

// Infers and possibly folds node n; sets *folded when the node's outputs became constants.
Status VisitNode(model::Graph& graph, const GraphUses& uses, int32_t n, bool* folded) {
  *folded = false;
  const model::Node& node = graph.nodes[n];
  const exec::OpDef* def = exec::FindOp(node.op_type);
  if (def == nullptr || !ArityFits(*def, node)) return Status::Ok();
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
