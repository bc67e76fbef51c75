// EliminateDeadNodes: keeps only the nodes some graph output depends on and the tensors they (or
// the graph interface) use, then renumbers tensors densely in their original relative order, so
// the same input graph always gives the same ids (the writer's output is byte-identical).
#include "converter/src/passes/passes.h"

namespace mota::converter {
namespace {

Status CheckIds(const model::Graph& graph) {
  const int32_t count = static_cast<int32_t>(graph.tensors.size());
  auto bad = [&](int32_t t) { return t < -1 || t >= count; };
  for (const model::Node& node : graph.nodes) {
    for (int32_t t : node.inputs) {
      if (bad(t)) {
        return InvalidArgument("EliminateDeadNodes: node '", node.name, "' (", node.op_type,
                               ") reads tensor id ", t, " but the graph has ", count, " tensors");
      }
    }
    for (int32_t t : node.outputs) {
      if (t < 0 || t >= count) {
        return InvalidArgument("EliminateDeadNodes: node '", node.name, "' (", node.op_type,
                               ") writes tensor id ", t, " but the graph has ", count, " tensors");
      }
    }
  }
  for (int32_t t : graph.inputs) {
    if (t < 0 || t >= count) {
      return InvalidArgument("EliminateDeadNodes: graph input id ", t, " of ", count);
    }
  }
  for (int32_t t : graph.outputs) {
    if (t < 0 || t >= count) {
      return InvalidArgument("EliminateDeadNodes: graph output id ", t, " of ", count);
    }
  }
  return Status::Ok();
}

// Walks backwards from the graph outputs; returns which nodes are needed.
std::vector<uint8_t> LiveNodes(const model::Graph& graph) {
  std::vector<uint8_t> live_tensor(graph.tensors.size(), 0);
  for (int32_t t : graph.outputs) live_tensor[t] = 1;
  std::vector<uint8_t> live(graph.nodes.size(), 0);
  for (size_t n = graph.nodes.size(); n-- > 0;) {
    const model::Node& node = graph.nodes[n];
    for (int32_t t : node.outputs) live[n] |= live_tensor[t];
    if (!live[n]) continue;
    for (int32_t t : node.inputs) {
      if (t >= 0) live_tensor[t] = 1;
    }
  }
  return live;
}

// Drops unused tensors and renumbers the rest, keeping their order.
void CompactTensors(model::Graph& graph) {
  std::vector<uint8_t> keep(graph.tensors.size(), 0);
  for (int32_t t : graph.inputs) keep[t] = 1;
  for (int32_t t : graph.outputs) keep[t] = 1;
  for (const model::Node& node : graph.nodes) {
    for (int32_t t : node.inputs) {
      if (t >= 0) keep[t] = 1;
    }
    for (int32_t t : node.outputs) keep[t] = 1;
  }
  std::vector<int32_t> new_id(graph.tensors.size(), -1);
  std::vector<model::TensorInfo> tensors;
  for (size_t t = 0; t < graph.tensors.size(); ++t) {
    if (!keep[t]) continue;
    new_id[t] = static_cast<int32_t>(tensors.size());
    tensors.push_back(std::move(graph.tensors[t]));
  }
  graph.tensors = std::move(tensors);
  auto remap = [&](std::vector<int32_t>& ids) {
    for (int32_t& t : ids) {
      if (t >= 0) t = new_id[t];
    }
  };
  for (model::Node& node : graph.nodes) {
    remap(node.inputs);
    remap(node.outputs);
  }
  remap(graph.inputs);
  remap(graph.outputs);
}

}  // namespace

Status EliminateDeadNodes(model::Graph& graph) {
  MOTA_RETURN_IF_ERROR(CheckIds(graph));
  const std::vector<uint8_t> live = LiveNodes(graph);
  size_t kept = 0;
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    if (!live[n]) continue;
    if (kept != n) graph.nodes[kept] = std::move(graph.nodes[n]);
    ++kept;
  }
  graph.nodes.resize(kept);
  CompactTensors(graph);
  return Status::Ok();
}

}  // namespace mota::converter
