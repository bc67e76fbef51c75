// FoldBatchNorm: an inference BatchNormalization is a per-channel affine map
//   y = (x - mean) * s / sqrt(var + eps) + B = x * f + (B - mean * f),  f = s / sqrt(var + eps)
// so when it directly follows a Conv, ConvTranspose or Gemm with constant weights, it folds into
// them: every weight feeding output channel c is scaled by f[c], and the bias becomes
// (b - mean) * f + B. The BN node disappears and the producer writes the BN's output.
// A BN that cannot fold (another producer, shared output, non-constant weights) stays as it is.
#include <cmath>

#include "converter/src/passes/graph_rewrite.h"
#include "converter/src/passes/passes.h"

namespace mota::converter {
namespace {

// The per-channel affine map of a BatchNormalization: y = x * scale + shift.
struct ChannelAffine {
  std::vector<float> scale;
  std::vector<float> shift;
};

std::optional<ChannelAffine> ReadBatchNorm(const model::Graph& graph, const model::Node& bn) {
  if (bn.inputs.size() != 5 || bn.outputs.size() != 1) return std::nullopt;
  std::optional<std::vector<float>> params[4];
  for (int i = 0; i < 4; ++i) {
    if (!IsF32Constant(graph, bn.inputs[i + 1])) return std::nullopt;
    params[i] = ConstantAsFloats(graph, bn.inputs[i + 1]);
  }
  const std::vector<float>& s = *params[0];
  const std::vector<float>& b = *params[1];
  const std::vector<float>& mean = *params[2];
  const std::vector<float>& var = *params[3];
  const size_t channels = s.size();
  if (channels == 0 || b.size() != channels || mean.size() != channels || var.size() != channels) {
    return std::nullopt;
  }
  const double eps = bn.attrs.GetFloat("epsilon", 1e-5f);
  ChannelAffine affine;
  for (size_t c = 0; c < channels; ++c) {
    // Double precision here so the folded weights are as close as f32 allows.
    const double f = s[c] / std::sqrt(static_cast<double>(var[c]) + eps);
    affine.scale.push_back(static_cast<float>(f));
    affine.shift.push_back(static_cast<float>(b[c] - mean[c] * f));
  }
  return affine;
}

// Output channel of each weight element for Conv (axis 0) and ConvTranspose (grouped axis 1);
// an empty vector when the weight does not match `channels`.
std::vector<int64_t> ConvWeightChannels(const model::Node& node, const Shape& w, int64_t channels) {
  std::vector<int64_t> out;
  if (w.size() < 3) return out;
  int64_t inner = 1;
  for (size_t d = 2; d < w.size(); ++d) inner *= w[d];
  const int64_t numel = NumElements(w);
  if (node.op_type == "Conv") {
    if (w[0] != channels) return out;
    for (int64_t i = 0; i < numel; ++i) out.push_back(i / (numel / w[0]));
    return out;
  }
  // ConvTranspose weight: (C_in, M / group, k...); input channel ci belongs to group
  // ci / (C_in / group), and its slice j feeds output channel group * (M / group) + j.
  const int64_t group = node.attrs.GetInt("group", 1);
  if (group <= 0 || w[0] % group != 0 || w[1] * group != channels) return out;
  const int64_t per_group_in = w[0] / group;
  for (int64_t i = 0; i < numel; ++i) {
    const int64_t ci = i / (w[1] * inner);
    const int64_t j = (i / inner) % w[1];
    out.push_back((ci / per_group_in) * w[1] + j);
  }
  return out;
}

// Gemm B: (N, K) with transB, else (K, N); output feature n.
std::vector<int64_t> GemmWeightChannels(const model::Node& node, const Shape& w, int64_t channels) {
  std::vector<int64_t> out;
  if (w.size() != 2) return out;
  const bool trans_b = node.attrs.GetInt("transB", 0) != 0;
  if ((trans_b ? w[0] : w[1]) != channels) return out;
  for (int64_t r = 0; r < w[0]; ++r) {
    for (int64_t c = 0; c < w[1]; ++c) out.push_back(trans_b ? r : c);
  }
  return out;
}

// The existing bias per output channel (zeros when absent); nullopt when it is not a constant
// of one value per channel (or a single broadcast value).
std::optional<std::vector<float>> ReadBias(const model::Graph& graph, const model::Node& node,
                                           int64_t channels) {
  if (node.inputs.size() < 3 || node.inputs[2] < 0) return std::vector<float>(channels, 0.0f);
  const int32_t b = node.inputs[2];
  if (!IsF32Constant(graph, b)) return std::nullopt;
  std::optional<Shape> shape = StaticShapeOf(graph, b);
  std::vector<float> values = *ConstantAsFloats(graph, b);
  const bool per_channel = values.size() == static_cast<size_t>(channels) &&
                           (shape->size() == 1 || (shape->size() == 2 && (*shape)[0] == 1));
  if (values.size() == 1 && shape->size() <= 2) return std::vector<float>(channels, values[0]);
  if (!per_channel) return std::nullopt;
  return values;
}

// Folds BN node `b` into producer `p` when every condition holds; returns whether it did.
bool FoldPair(model::Graph& graph, int32_t p, int32_t b) {
  const model::Node& prod = graph.nodes[p];
  const model::Node& bn = graph.nodes[b];
  if (prod.inputs.size() < 2 || HasActivation(prod) || !IsF32Constant(graph, prod.inputs[1])) {
    return false;
  }
  std::optional<ChannelAffine> affine = ReadBatchNorm(graph, bn);
  if (!affine) return false;
  const int64_t channels = static_cast<int64_t>(affine->scale.size());
  const Shape w_shape = *StaticShapeOf(graph, prod.inputs[1]);
  const bool is_gemm = prod.op_type == "Gemm";
  const std::vector<int64_t> channel_of = is_gemm ? GemmWeightChannels(prod, w_shape, channels)
                                                  : ConvWeightChannels(prod, w_shape, channels);
  if (channel_of.empty()) return false;
  std::optional<std::vector<float>> bias = ReadBias(graph, prod, channels);
  if (!bias) return false;

  std::vector<float> w = *ConstantAsFloats(graph, prod.inputs[1]);
  for (size_t i = 0; i < w.size(); ++i) w[i] *= affine->scale[channel_of[i]];
  // Gemm computes alpha * A * B + beta * C: beta applies to the old bias only.
  const float beta = is_gemm ? prod.attrs.GetFloat("beta", 1.0f) : 1.0f;
  for (int64_t c = 0; c < channels; ++c) {
    (*bias)[c] = (*bias)[c] * beta * affine->scale[c] + affine->shift[c];
  }
  const std::string w_name = graph.tensors[prod.inputs[1]].name + "_bn";
  const std::string b_name = graph.tensors[bn.outputs[0]].name + "_bias";
  const int32_t new_w = AddF32Constant(graph, w_name, w_shape, w);
  const int32_t new_b = AddF32Constant(graph, b_name, {channels}, *bias);

  model::Node& target = graph.nodes[p];
  const model::Node& norm = graph.nodes[b];
  target.inputs.resize(3, -1);
  target.inputs[1] = new_w;
  target.inputs[2] = new_b;
  if (is_gemm) target.attrs.SetFloat("beta", 1.0f);
  target.outputs[0] = norm.outputs[0];
  CopyActivation(norm, target);
  RemoveNode(graph, b);
  return true;
}

bool IsFoldTarget(const std::string& op) {
  return op == "Conv" || op == "ConvTranspose" || op == "Gemm";
}

// Finds and folds one BN; returns whether the graph changed.
bool FoldOne(model::Graph& graph) {
  const GraphUses uses = GraphUses::Build(graph);
  for (size_t b = 0; b < graph.nodes.size(); ++b) {
    const model::Node& bn = graph.nodes[b];
    if (bn.op_type != "BatchNormalization" || bn.inputs.empty() || bn.outputs.size() != 1) continue;
    const int32_t x = bn.inputs[0];
    const int32_t p = uses.ProducerOf(x);
    if (p < 0 || !IsFoldTarget(graph.nodes[p].op_type)) continue;
    if (graph.nodes[p].outputs.size() != 1 || !uses.OnlyFeeds(x, static_cast<int32_t>(b))) continue;
    if (FoldPair(graph, p, static_cast<int32_t>(b))) return true;
  }
  return false;
}

}  // namespace

Status FoldBatchNorm(model::Graph& graph) {
  while (FoldOne(graph)) {
  }
  return Status::Ok();
}

}  // namespace mota::converter
