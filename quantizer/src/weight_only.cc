#include "quantizer/src/weight_only.h"

#include <cmath>
#include <cstring>
#include <set>

#include "converter/src/passes/graph_rewrite.h"
#include "manifests/lib/model_format.h"
#include "quantizer/src/weights.h"

namespace mota::quantizer {
namespace {

using converter::UniqueTensorName;

// Constant f32 tensors some node reads, in first-use order.
std::vector<int32_t> F32ConstantsRead(const model::Graph& graph) {
  std::vector<int32_t> ids;
  std::set<int32_t> seen;
  for (const model::Node& node : graph.nodes)
    for (int32_t in : node.inputs)
      if (in >= 0 && graph.tensors[in].is_constant && graph.tensors[in].dtype == DType::kF32 &&
          seen.insert(in).second)
        ids.push_back(in);
  return ids;
}

const float* FloatData(const model::TensorInfo& t) {
  return reinterpret_cast<const float*>(t.constant.data);
}

// The per-channel axis of the weight read by input `slot` of `node`, or -1 when that input is
// not a weight the int8-weights precision stores.
int WeightAxis(const model::Graph& graph, const model::Node& node, size_t slot) {
  const model::TensorInfo& t = graph.tensors[node.inputs[slot]];
  if (node.op_type == "Conv" && slot == 1) return 0;
  if (node.op_type == "ConvTranspose" && slot == 1) return 1;
  if (t.dims.size() != 2) return -1;
  if (node.op_type == "MatMul" && slot == 1) return 1;
  if (node.op_type == "Gemm" && slot == 1) return node.attrs.GetInt("transB", 0) ? 0 : 1;
  return -1;
}

}  // namespace

void ReplaceConstantWithNode(model::Graph& graph, int32_t t, const std::string& op_type,
                             std::vector<int32_t> inputs, model::Attributes attrs) {
  model::TensorInfo& info = graph.tensors[t];
  info.is_constant = false;
  info.constant = model::ConstData{};
  model::Node node;
  node.name = UniqueTensorName(graph, info.name + "/" + op_type);
  node.op_type = op_type;
  node.attrs = std::move(attrs);
  node.inputs = std::move(inputs);
  node.outputs = {t};
  graph.nodes.insert(graph.nodes.begin(), std::move(node));
}

bool HalfSavesBytes(int64_t elements) {
  constexpr uint64_t kCastGraphBytes = 126;
  const auto slots = [](int64_t bytes) {
    return format::AlignUp(static_cast<uint64_t>(bytes), format::kDataAlignment);
  };
  return elements > 0 && slots(4 * elements) - slots(2 * elements) > kCastGraphBytes;
}

Result<WeightRewriteSummary> RewriteToFp16(model::Graph& graph) {
  WeightRewriteSummary summary;
  for (int32_t t : F32ConstantsRead(graph)) {
    const model::TensorInfo info = graph.tensors[t];
    const int64_t n = NumElements(info.StaticShape());
    if (!HalfSavesBytes(n)) continue;
    const float* v = FloatData(info);
    std::vector<uint16_t> half(n);
    bool in_range = true;
    for (int64_t i = 0; i < n && in_range; ++i) {
      in_range = std::fabs(v[i]) <= kHalfMax;
      half[i] = FloatToHalf(v[i]);
    }
    if (!in_range) {
      summary.kept.push_back(info.name + ": holds values beyond f16's range (65504)");
      continue;
    }
    const int32_t h = graph.AddConstant(UniqueTensorName(graph, info.name + ".f16"), DType::kF16,
                                        info.StaticShape(), ToBytes(half.data(), n * 2));
    model::Attributes attrs;
    attrs.SetInt("to", static_cast<int64_t>(DType::kF32));
    ReplaceConstantWithNode(graph, t, "Cast", {h}, std::move(attrs));
    ++summary.converted;
  }
  return summary;
}

std::vector<WeightLayer> QuantizeWeights(const model::Graph& graph) {
  std::vector<WeightLayer> layers;
  std::set<int32_t> done;  // a weight read by several nodes is stored once, with the first
  for (const model::Node& node : graph.nodes) {
    for (size_t slot = 0; slot < node.inputs.size(); ++slot) {
      const int32_t t = node.inputs[slot];
      if (t < 0 || !graph.tensors[t].is_constant || graph.tensors[t].dtype != DType::kF32) continue;
      const int axis = WeightAxis(graph, node, slot);
      if (axis < 0 || !done.insert(t).second) continue;
      const model::TensorInfo& info = graph.tensors[t];
      const Shape shape = info.StaticShape();
      WeightLayer layer{
          node.name, node.op_type, t, axis, QuantizePerChannel(FloatData(info), shape, axis), {}};
      const ChannelQuantized& q = layer.quantized;
      const int64_t channels = static_cast<int64_t>(q.scales.size());
      int64_t after = 1;  // elements per step of the channel axis
      for (size_t d = axis + 1; d < shape.size(); ++d) after *= shape[d];
      std::vector<float> back(q.values.size());
      for (size_t i = 0; i < back.size(); ++i)
        back[i] = q.values[i] * q.scales[(static_cast<int64_t>(i) / after) % channels];
      ErrorAccumulator acc;
      acc.Add(FloatData(info), back.data(), static_cast<int64_t>(back.size()));
      layer.weight_error = acc.Get();
      layers.push_back(std::move(layer));
    }
  }
  return layers;
}

WeightRewriteSummary ApplyInt8Weights(model::Graph& graph, const std::vector<WeightLayer>& layers,
                                      const std::set<std::string>& keep_fp32) {
  WeightRewriteSummary summary;
  for (const WeightLayer& layer : layers) {
    if (keep_fp32.count(layer.node)) continue;
    const model::TensorInfo info = graph.tensors[layer.tensor];
    const ChannelQuantized& q = layer.quantized;
    const int64_t channels = static_cast<int64_t>(q.scales.size());
    const int32_t wq =
        graph.AddConstant(UniqueTensorName(graph, info.name + ".i8"), DType::kI8,
                          info.StaticShape(), ToBytes(q.values.data(), q.values.size()));
    const int32_t scale =
        graph.AddConstant(UniqueTensorName(graph, info.name + ".scale"), DType::kF32, {channels},
                          ToBytes(q.scales.data(), q.scales.size() * sizeof(float)));
    // No zero point input: the weights are symmetric, and an absent zero point is 0 of x's dtype
    // (ONNX). A tensor of zeros per layer cost its table, name and 64-byte data slot: 3.5 KB of
    // PP-OCR's classifier (0.7% of its fp32 file).
    model::Attributes attrs;
    attrs.SetInt("axis", layer.axis);
    ReplaceConstantWithNode(graph, layer.tensor, "DequantizeLinear", {wq, scale},
                            std::move(attrs));
    ++summary.converted;
  }
  return summary;
}

Result<WeightRewriteSummary> RewriteToInt8Weights(model::Graph& graph) {
  return ApplyInt8Weights(graph, QuantizeWeights(graph), {});
}

}  // namespace mota::quantizer
