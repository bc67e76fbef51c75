#include "quantizer/src/gemm_to_conv.h"

#include <cstring>
#include <optional>
#include <vector>

#include "converter/src/passes/graph_rewrite.h"

namespace mota::quantizer {
namespace {

using converter::AddF32Constant;
using converter::AddI64Constant;
using converter::UniqueTensorName;

struct GemmShape {
  int64_t m = 0, k = 0, n = 0;
};

std::optional<GemmShape> Eligible(const model::Graph& g, const model::Node& node) {
  if (node.op_type != "Gemm" || node.inputs.size() < 2 || node.outputs.size() != 1)
    return std::nullopt;
  if (node.attrs.GetFloat("alpha", 1.0f) != 1.0f || node.attrs.GetFloat("beta", 1.0f) != 1.0f ||
      node.attrs.GetInt("transA", 0) != 0)
    return std::nullopt;
  const model::TensorInfo& a = g.tensors[node.inputs[0]];
  const model::TensorInfo& b = g.tensors[node.inputs[1]];
  if (a.is_constant || a.dtype != DType::kF32 || !a.IsStaticShape() || a.dims.size() != 2)
    return std::nullopt;
  if (!b.is_constant || b.dtype != DType::kF32 || b.dims.size() != 2) return std::nullopt;
  const bool trans_b = node.attrs.GetInt("transB", 0) != 0;
  GemmShape s{a.dims[0].value, a.dims[1].value, trans_b ? b.dims[0].value : b.dims[1].value};
  if ((trans_b ? b.dims[1].value : b.dims[0].value) != s.k) return std::nullopt;
  if (node.inputs.size() > 2 && node.inputs[2] >= 0) {
    const model::TensorInfo& c = g.tensors[node.inputs[2]];
    if (!c.is_constant || c.dtype != DType::kF32 || NumElements(c.StaticShape()) != s.n)
      return std::nullopt;
    if (c.dims.size() == 2 && c.dims[0].value != 1) return std::nullopt;
  }
  return s;
}

int32_t AddValue(model::Graph& g, const std::string& base, const Shape& shape) {
  model::TensorInfo t;
  t.name = UniqueTensorName(g, base);
  t.dtype = DType::kF32;
  t.has_shape = true;
  for (int64_t d : shape) t.dims.push_back(model::Dim{d, {}});
  return g.AddTensor(std::move(t));
}

model::Node MakeNode(std::string name, std::string op, std::vector<int32_t> in, int32_t out) {
  model::Node n;
  n.name = std::move(name);
  n.op_type = std::move(op);
  n.inputs = std::move(in);
  n.outputs = {out};
  return n;
}

// The three nodes that replace Gemm node `node` (inputs and output ids unchanged).
std::vector<model::Node> AsConv(model::Graph& g, const model::Node& node, GemmShape s) {
  const model::TensorInfo b = g.tensors[node.inputs[1]];
  const float* bv = reinterpret_cast<const float*>(b.constant.data);
  std::vector<float> w(s.n * s.k);  // [N, K]
  const bool trans_b = node.attrs.GetInt("transB", 0) != 0;
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t k = 0; k < s.k; ++k) w[n * s.k + k] = trans_b ? bv[n * s.k + k] : bv[k * s.n + n];
  const int32_t weight = AddF32Constant(g, b.name + ".conv", {s.n, s.k, 1, 1}, w);
  std::vector<int32_t> conv_in = {-1, weight};
  if (node.inputs.size() > 2 && node.inputs[2] >= 0) {
    const model::TensorInfo c = g.tensors[node.inputs[2]];
    const float* cv = reinterpret_cast<const float*>(c.constant.data);
    conv_in.push_back(AddF32Constant(g, c.name + ".conv", {s.n}, std::vector<float>(cv, cv + s.n)));
  }
  const std::string& y = g.tensors[node.outputs[0]].name;
  const int32_t x4 = AddValue(g, y + ".conv_in", {s.m, s.k, 1, 1});
  const int32_t y4 = AddValue(g, y + ".conv_out", {s.m, s.n, 1, 1});
  conv_in[0] = x4;
  model::Node to4 =
      MakeNode(node.name + "/to_nchw", "Reshape",
               {node.inputs[0], AddI64Constant(g, y + ".nchw_shape", {4}, {s.m, s.k, 1, 1})}, x4);
  model::Node conv = MakeNode(node.name, "Conv", conv_in, y4);
  conv.attrs.SetInts("kernel_shape", {1, 1});
  converter::CopyActivation(node, conv);
  model::Node to2 =
      MakeNode(node.name + "/to_2d", "Reshape",
               {y4, AddI64Constant(g, y + ".2d_shape", {2}, {s.m, s.n})}, node.outputs[0]);
  return {std::move(to4), std::move(conv), std::move(to2)};
}

}  // namespace

Result<int> RewriteGemmAsConv(model::Graph& graph) {
  std::vector<model::Node> nodes;
  int rewritten = 0;
  for (const model::Node& node : graph.nodes) {
    const std::optional<GemmShape> s = Eligible(graph, node);
    if (!s) {
      nodes.push_back(node);
      continue;
    }
    for (model::Node& n : AsConv(graph, node, *s)) nodes.push_back(std::move(n));
    ++rewritten;
  }
  graph.nodes = std::move(nodes);
  MOTA_RETURN_IF_ERROR(graph.Validate());
  return rewritten;
}

}  // namespace mota::quantizer
