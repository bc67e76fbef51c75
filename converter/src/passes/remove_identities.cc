// RemoveIdentities: Identity (and Dropout, which is Identity at inference) forwards its input.
// Consumers read the input directly. When the Identity's output is a graph output, that name must
// survive, so the tensor feeding the Identity is replaced by the output tensor instead (its
// producer writes the output directly); when that is impossible (the input is itself a graph
// input or output) the Identity stays: it is the copy the graph asks for.
#include "converter/src/passes/graph_rewrite.h"
#include "converter/src/passes/passes.h"

namespace mota::converter {
namespace {

bool IsIdentityLike(const model::Node& node) {
  return node.op_type == "Identity" || node.op_type == "Dropout";
}

// A Dropout's optional mask output must be unused to remove it.
bool ExtraOutputsUnused(const model::Node& node, const GraphUses& uses) {
  for (size_t o = 1; o < node.outputs.size(); ++o) {
    if (uses.UseCount(node.outputs[o]) != 0) return false;
  }
  return true;
}

// The graph output `out` takes over the role of `in`: whoever produced `in` now produces `out`
// and every reader of `in` reads `out`. `out` keeps its name, dtype and declared shape.
void AbsorbIntoOutput(model::Graph& graph, const GraphUses& uses, int32_t in, int32_t out) {
  const int32_t producer = uses.ProducerOf(in);
  if (producer >= 0) {
    for (int32_t& t : graph.nodes[producer].outputs) {
      if (t == in) t = out;
    }
  }
  if (graph.tensors[in].is_constant) {
    model::TensorInfo& info = graph.tensors[out];
    info.is_constant = true;
    info.constant = graph.tensors[in].constant;
    info.dtype = graph.tensors[in].dtype;
    info.has_shape = true;
    info.dims = graph.tensors[in].dims;
  }
  ReplaceUses(graph, in, out);
}

// Removes the Identity at `n` when possible; returns whether the graph changed.
bool RemoveOne(model::Graph& graph, const GraphUses& uses, int32_t n) {
  const model::Node& node = graph.nodes[n];
  if (node.inputs.empty() || node.outputs.empty() || node.inputs[0] < 0) return false;
  if (!ExtraOutputsUnused(node, uses)) return false;
  const int32_t in = node.inputs[0];
  const int32_t out = node.outputs[0];
  if (!uses.is_graph_output[out]) {
    ReplaceUses(graph, out, in);
    RemoveNode(graph, n);
    return true;
  }
  if (uses.is_graph_input[in] || uses.is_graph_output[in]) return false;
  // The Identity's own read of `in` is rewired too, then the node is dropped.
  AbsorbIntoOutput(graph, uses, in, out);
  RemoveNode(graph, n);
  return true;
}

}  // namespace

Status RemoveIdentities(model::Graph& graph) {
  size_t n = 0;
  while (n < graph.nodes.size()) {
    if (!IsIdentityLike(graph.nodes[n])) {
      ++n;
      continue;
    }
    const GraphUses uses = GraphUses::Build(graph);
    if (!RemoveOne(graph, uses, static_cast<int32_t>(n))) ++n;
  }
  return Status::Ok();
}

}  // namespace mota::converter
