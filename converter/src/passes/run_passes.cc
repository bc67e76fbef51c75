// RunPasses: the converter's optimization pipeline. One pass can enable another (folding a
// Shape chain makes a Reshape static, which lets a classifier head lower to a Conv; folding a BN
// exposes a Conv -> Relu pair), so the fold / fuse / clean-up passes repeat until the graph stops
// changing, with a small cap as a guard against a pass pair that keeps undoing each other.
#include <string>

#include "converter/src/passes/passes.h"
#include "exec/activation.h"

namespace mota::converter {
namespace {

constexpr int kMaxRounds = 8;

// Everything the passes change: ops, wiring, fused activations and which tensors are constant.
std::vector<std::string> Fingerprint(const model::Graph& graph) {
  std::vector<std::string> out;
  out.reserve(graph.nodes.size() + 1);
  for (const model::Node& node : graph.nodes) {
    std::string s = node.op_type + "|" + node.attrs.GetString(exec::kActivationAttr, "") + "|";
    for (int32_t t : node.inputs) s += std::to_string(t) + ",";
    s += "|";
    for (int32_t t : node.outputs) s += std::to_string(t) + ",";
    out.push_back(std::move(s));
  }
  size_t constants = 0;
  for (const model::TensorInfo& t : graph.tensors) constants += t.is_constant ? 1 : 0;
  out.push_back(std::to_string(graph.tensors.size()) + "/" + std::to_string(constants));
  return out;
}

Status RunRound(model::Graph& graph) {
  MOTA_RETURN_IF_ERROR(FoldConstants(graph));
  MOTA_RETURN_IF_ERROR(FoldBatchNorm(graph));
  MOTA_RETURN_IF_ERROR(LowerClassifierToConv(graph));
  MOTA_RETURN_IF_ERROR(FuseActivations(graph));
  return EliminateDeadNodes(graph);
}

}  // namespace

Status RunPasses(model::Graph& graph) {
  Status input = graph.Validate();
  if (!input.ok()) return input.WithContext("the graph given to the converter passes is invalid");
  MOTA_RETURN_IF_ERROR(RemoveIdentities(graph));
  MOTA_RETURN_IF_ERROR(EliminateDeadNodes(graph));
  std::vector<std::string> before = Fingerprint(graph);
  for (int round = 0; round < kMaxRounds; ++round) {
    MOTA_RETURN_IF_ERROR(RunRound(graph));
    std::vector<std::string> after = Fingerprint(graph);
    if (after == before) break;
    before = std::move(after);
  }
  Status output = graph.Validate();
  if (!output.ok()) {
    return Internal(
        "the converter passes produced an invalid graph (a mota bug, please report it): ",
        output.message());
  }
  return Status::Ok();
}

}  // namespace mota::converter
