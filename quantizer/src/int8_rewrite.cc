#include "quantizer/src/int8_rewrite.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "converter/src/passes/graph_rewrite.h"
#include "converter/src/passes/passes.h"
#include "exec/activation.h"
#include "quantizer/src/weights.h"

namespace mota::quantizer {
namespace {

using converter::UniqueTensorName;

// Ops that only move data: they run on int8 with their input's parameters.
bool IsDataMovement(const model::Node& node) {
  static const std::set<std::string> kOps = {"MaxPool", "Reshape",   "Flatten", "Transpose",
                                             "Squeeze", "Unsqueeze", "Slice",   "Pad"};
  if (!kOps.count(node.op_type) || node.outputs.size() != 1) return false;
  if (converter::HasActivation(node)) return false;
  if (node.op_type == "Pad") {
    if (node.attrs.GetString("mode", "constant") != "constant") return true;
    return node.inputs.size() < 3 ||
           node.inputs[2] < 0;  // a nonzero pad value would need requantizing
  }
  return true;
}

bool IsConstant(const model::Graph& g, int32_t t) { return t >= 0 && g.tensors[t].is_constant; }

bool IsF32(const model::Graph& g, int32_t t) { return t >= 0 && g.tensors[t].dtype == DType::kF32; }

// The standalone activation node (op type and attributes, no inputs / outputs) for a node's
// fused activation (exec/activation.h).
Result<model::Node> ActivationNodeOf(const model::Node& node) {
  MOTA_ASSIGN_OR_RETURN(exec::Activation act, exec::ReadActivation(node.attrs));
  model::Node a;
  a.name = node.name + "/" + exec::ActivationName(act.kind);
  a.op_type = exec::ActivationName(act.kind);
  if (act.kind == exec::ActivationKind::kLeakyRelu) a.attrs.SetFloat("alpha", act.alpha);
  if (act.kind == exec::ActivationKind::kHardSigmoid) {
    a.attrs.SetFloat("alpha", act.alpha);
    a.attrs.SetFloat("beta", act.beta);
  }
  return a;
}

void EraseActivation(model::Attributes& attrs) {
  for (const char* name :
       {exec::kActivationAttr, exec::kActivationAlphaAttr, exec::kActivationBetaAttr})
    attrs.Erase(name);
}

class Rewriter {
 public:
  Rewriter(const model::Graph& fp32, const ActivationParams& params,
           const Int8RewriteOptions& options)
      : fp32_(fp32), params_(params), options_(options) {
    graph_ = fp32;
    graph_.nodes.clear();
    has_float_.assign(fp32.tensors.size(), 1);
    quantized_.assign(fp32.tensors.size(), -1);
  }

  Result<Int8Rewrite> Run(const model::Graph& fp32) {
    for (const model::Node& node : fp32.nodes) {
      if (IsQuantizable(fp32, node)) {
        QuantLayer layer{node.name, node.op_type, fp32.tensors[node.outputs[0]].name, "", false};
        if (options_.isolated) {
          MOTA_RETURN_IF_ERROR(EmitFloat(node));
          MOTA_ASSIGN_OR_RETURN(layer.probe, EmitIsolatedTwin(node));
          layer.int8 = true;
        } else if (!options_.keep_fp32.count(node.name)) {
          MOTA_RETURN_IF_ERROR(EmitQuantized(node));
          layer.int8 = true;
        } else {
          MOTA_RETURN_IF_ERROR(EmitFloat(node));
        }
        layers_.push_back(std::move(layer));
      } else if (!options_.isolated && IsDataMovement(node) && node.inputs[0] >= 0 &&
                 quantized_[node.inputs[0]] >= 0 && IsF32(graph_, node.outputs[0])) {
        EmitDataMovement(node);
      } else {
        MOTA_RETURN_IF_ERROR(EmitFloat(node));
      }
    }
    for (int32_t out : graph_.outputs) MOTA_RETURN_IF_ERROR(FloatOf(out).status());
    MOTA_RETURN_IF_ERROR(converter::EliminateDeadNodes(graph_));
    MOTA_RETURN_IF_ERROR(graph_.Validate());
    return Int8Rewrite{std::move(graph_), std::move(layers_)};
  }

 private:
  Result<Int8Params> ParamsOf(int32_t t) const {
    auto it = tied_.find(t);
    if (it != tied_.end()) return it->second;
    auto p = params_.find(graph_.tensors[t].name);
    if (p == params_.end())
      return InvalidArgument(
          "no calibrated range for tensor '", graph_.tensors[t].name,
          "'; calibration must observe every tensor a quantized node reads or writes");
    return p->second;
  }

  int32_t AddTensor(const std::string& base, DType dtype, const model::TensorInfo& like) {
    model::TensorInfo t;
    t.name = UniqueTensorName(graph_, base);
    t.dtype = dtype;
    t.has_shape = like.has_shape;
    t.dims = like.dims;
    const int32_t id = graph_.AddTensor(std::move(t));
    has_float_.push_back(1);
    quantized_.push_back(-1);
    return id;
  }

  int32_t AddConstant(const std::string& base, DType dtype, const Shape& shape,
                      std::vector<uint8_t> bytes) {
    const int32_t id =
        graph_.AddConstant(UniqueTensorName(graph_, base), dtype, shape, std::move(bytes));
    has_float_.push_back(1);
    quantized_.push_back(-1);
    return id;
  }

  // Scalar scale and zero-point constants for int8 tensor q. Tensors with equal parameters (tied
  // data-movement outputs) share the scale, and every tensor with the same zero point shares it:
  // each constant costs a tensor entry and a 64-byte-aligned buffer in the file.
  std::pair<int32_t, int32_t> ScaleAndZeroPoint(int32_t q, Int8Params p) {
    uint32_t scale_bits;
    std::memcpy(&scale_bits, &p.scale, 4);
    auto s = scales_.find(scale_bits);
    if (s == scales_.end())
      s = scales_
              .emplace(scale_bits, AddConstant(graph_.tensors[q].name + ".scale", DType::kF32, {},
                                               ToBytes(&p.scale, 4)))
              .first;
    auto z = zero_points_.find(p.zero_point);
    if (z == zero_points_.end()) {
      const int8_t zp = static_cast<int8_t>(p.zero_point);
      z = zero_points_
              .emplace(p.zero_point, AddConstant("zero_point" + std::to_string(p.zero_point),
                                                 DType::kI8, {}, ToBytes(&zp, 1)))
              .first;
    }
    return {s->second, z->second};
  }

  // One all-zero i8 [channels] constant per channel count (the weights' zero points).
  int32_t ZeroWeightPoints(int64_t channels) {
    auto it = weight_zero_points_.find(channels);
    if (it != weight_zero_points_.end()) return it->second;
    return weight_zero_points_[channels] =
               AddConstant("weight_zero_point" + std::to_string(channels), DType::kI8, {channels},
                           std::vector<uint8_t>(channels, 0));
  }

  void SetQuant(int32_t q, Int8Params p) {
    graph_.tensors[q].quant = {{p.scale}, {p.zero_point}, 0};
    params_of_q_[q] = p;
  }

  void Emit(std::string name, std::string op, std::vector<int32_t> inputs,
            std::vector<int32_t> outputs, model::Attributes attrs = {}) {
    model::Node n;
    n.name = std::move(name);
    n.op_type = std::move(op);
    n.inputs = std::move(inputs);
    n.outputs = std::move(outputs);
    n.attrs = std::move(attrs);
    graph_.nodes.push_back(std::move(n));
  }

  // The int8 version of f32 tensor t (a QuantizeLinear is added the first time).
  Result<int32_t> QuantOf(int32_t t) {
    if (quantized_[t] >= 0) return quantized_[t];
    MOTA_ASSIGN_OR_RETURN(Int8Params p, ParamsOf(t));
    const int32_t q = AddTensor(graph_.tensors[t].name + ".i8", DType::kI8, graph_.tensors[t]);
    SetQuant(q, p);
    auto [s, z] = ScaleAndZeroPoint(q, p);
    Emit(graph_.tensors[q].name + "/QuantizeLinear", "QuantizeLinear", {t, s, z}, {q});
    quantized_[t] = q;
    return q;
  }

  // The f32 version of t (a DequantizeLinear is added the first time t is needed as float).
  Result<int32_t> FloatOf(int32_t t) {
    if (t < 0 || has_float_[t]) return t;
    const int32_t q = quantized_[t];
    auto [s, z] = ScaleAndZeroPoint(q, params_of_q_[q]);
    Emit(graph_.tensors[t].name + "/DequantizeLinear", "DequantizeLinear", {q, s, z}, {t});
    has_float_[t] = 1;
    return t;
  }

  // Operand triple (q, scale, zero point) for input t: constants are quantized per tensor.
  Result<std::vector<int32_t>> Operand(int32_t t) {
    int32_t q;
    Int8Params p;
    if (IsConstant(graph_, t)) {
      MOTA_ASSIGN_OR_RETURN(q, QuantizeConstant(t, &p));
    } else {
      MOTA_ASSIGN_OR_RETURN(q, QuantOf(t));
      p = params_of_q_[q];
    }
    auto [s, z] = ScaleAndZeroPoint(q, p);
    return std::vector<int32_t>{q, s, z};
  }

  Result<int32_t> QuantizeConstant(int32_t t, Int8Params* p) {
    const model::TensorInfo info = graph_.tensors[t];
    const float* v = reinterpret_cast<const float*>(info.constant.data);
    const int64_t n = NumElements(info.StaticShape());
    Range r{0, 0};
    for (int64_t i = 0; i < n; ++i) r = {std::min(r.lo, v[i]), std::max(r.hi, v[i])};
    *p = ParamsForRange(r);
    std::vector<uint8_t> bytes(n);
    for (int64_t i = 0; i < n; ++i) {
      const float q = std::nearbyint(v[i] / p->scale) + p->zero_point;
      bytes[i] = static_cast<uint8_t>(static_cast<int8_t>(std::clamp(q, -128.0f, 127.0f)));
    }
    const int32_t q =
        AddConstant(info.name + ".i8", DType::kI8, info.StaticShape(), std::move(bytes));
    SetQuant(q, *p);
    return q;
  }

  Status EmitFloat(const model::Node& node) {
    model::Node copy = node;
    for (int32_t& in : copy.inputs) {
      MOTA_ASSIGN_OR_RETURN(in, FloatOf(in));
    }
    graph_.nodes.push_back(std::move(copy));
    return Status::Ok();
  }

  void EmitDataMovement(const model::Node& node) {
    const int32_t x = node.inputs[0], y = node.outputs[0];
    const int32_t xq = quantized_[x];
    const Int8Params p = params_of_q_[xq];
    const int32_t yq = AddTensor(graph_.tensors[y].name + ".i8", DType::kI8, graph_.tensors[y]);
    SetQuant(yq, p);
    tied_[y] = p;
    model::Node copy = node;
    copy.inputs[0] = xq;
    copy.outputs = {yq};
    if (node.op_type == "Pad" && node.attrs.GetString("mode", "constant") == "constant") {
      const int8_t zp = static_cast<int8_t>(p.zero_point);
      const int32_t pad_value =
          AddConstant(graph_.tensors[yq].name + ".pad_value", DType::kI8, {}, ToBytes(&zp, 1));
      copy.inputs.resize(std::max<size_t>(copy.inputs.size(), 3), -1);
      copy.inputs[2] = pad_value;
    }
    graph_.nodes.push_back(std::move(copy));
    quantized_[y] = yq;
    has_float_[y] = 0;
  }

  // The QLinear form of `node` reading int8 inputs; returns the int8 output's id.
  Result<int32_t> EmitQLinear(const model::Node& node, const std::string& name, int32_t out_q) {
    const std::string& op = node.op_type;
    std::vector<int32_t> inputs;
    model::Attributes attrs = node.attrs;
    const Int8Params yp = params_of_q_[out_q];
    auto [ys, yz] = ScaleAndZeroPoint(out_q, yp);
    if (op == "Conv" || op == "MatMul") {
      MOTA_ASSIGN_OR_RETURN(std::vector<int32_t> x, Operand(node.inputs[0]));
      MOTA_ASSIGN_OR_RETURN(std::vector<int32_t> w, ChannelWeights(node, params_of_q_[x[0]].scale));
      inputs = {x[0], x[1], x[2], w[0], w[1], w[2], ys, yz};
      if (w.size() > 3) inputs.push_back(w[3]);
      const std::string qop = op == "Conv" ? "QLinearConv" : "QLinearMatMul";
      if (SplitsActivation(fp32_, node)) return EmitSplitActivation(node, name, qop, inputs, out_q);
      Emit(name, qop, inputs, {out_q}, std::move(attrs));
    } else if (op == "Add" || op == "Mul") {
      MOTA_ASSIGN_OR_RETURN(std::vector<int32_t> a, Operand(node.inputs[0]));
      MOTA_ASSIGN_OR_RETURN(std::vector<int32_t> b, Operand(node.inputs[1]));
      Emit(name, op == "Add" ? "QLinearAdd" : "QLinearMul",
           {a[0], a[1], a[2], b[0], b[1], b[2], ys, yz}, {out_q}, std::move(attrs));
    } else if (op == "GlobalAveragePool" || op == "AveragePool") {
      MOTA_ASSIGN_OR_RETURN(std::vector<int32_t> x, Operand(node.inputs[0]));
      Emit(name, "QLinear" + op, {x[0], x[1], x[2], ys, yz}, {out_q}, std::move(attrs));
    } else if (op == "Concat") {
      inputs = {ys, yz};
      for (int32_t in : node.inputs) {
        MOTA_ASSIGN_OR_RETURN(std::vector<int32_t> x, Operand(in));
        inputs.insert(inputs.end(), x.begin(), x.end());
      }
      Emit(name, "QLinearConcat", inputs, {out_q}, std::move(attrs));
    }
    return out_q;
  }

  // QLinearConv / QLinearMatMul `inputs` (their y_scale / y_zero_point replaced) into the
  // pre-activation range, then DequantizeLinear -> activation -> QuantizeLinear into out_q.
  Result<int32_t> EmitSplitActivation(const model::Node& node, const std::string& name,
                                      const std::string& qop, std::vector<int32_t> inputs,
                                      int32_t out_q) {
    const model::TensorInfo& y = graph_.tensors[node.outputs[0]];
    const std::string pre_name = PreActivationName(y.name);
    auto p = params_.find(pre_name);
    if (p == params_.end())
      return InvalidArgument("no calibrated range for the pre-activation value '", pre_name,
                             "' of node '", node.name, "'; calibration must observe it");
    MOTA_ASSIGN_OR_RETURN(model::Node act, ActivationNodeOf(node));
    const int32_t pre_q = AddTensor(pre_name + ".i8", DType::kI8, y);
    SetQuant(pre_q, p->second);
    auto [ps, pz] = ScaleAndZeroPoint(pre_q, p->second);
    inputs[6] = ps;
    inputs[7] = pz;
    model::Attributes attrs = node.attrs;
    EraseActivation(attrs);
    Emit(name, qop, inputs, {pre_q}, std::move(attrs));
    const int32_t pre_f = AddTensor(pre_name, DType::kF32, y);
    Emit(name + "/DequantizeLinear", "DequantizeLinear", {pre_q, ps, pz}, {pre_f});
    const int32_t act_f = AddTensor(y.name + "/" + act.op_type, DType::kF32, y);
    Emit(name + "/" + act.op_type, act.op_type, {pre_f}, {act_f}, act.attrs);
    auto [ys, yz] = ScaleAndZeroPoint(out_q, params_of_q_[out_q]);
    Emit(name + "/QuantizeLinear", "QuantizeLinear", {act_f, ys, yz}, {out_q});
    return out_q;
  }

  // (w_q, w_scale, w_zero_point[, bias_i32]) for a Conv weight (per output channel, axis 0) or a
  // MatMul B (per column, axis 1).
  const ChannelQuantized& QuantizedWeight(const model::TensorInfo& w, int axis) {
    std::map<std::string, ChannelQuantized>& cache =
        options_.weight_cache != nullptr ? *options_.weight_cache : local_weights_;
    auto it = cache.find(w.name);
    if (it == cache.end())
      it = cache
               .emplace(w.name, QuantizePerChannel(reinterpret_cast<const float*>(w.constant.data),
                                                   w.StaticShape(), axis))
               .first;
    return it->second;
  }

  Result<std::vector<int32_t>> ChannelWeights(const model::Node& node, float x_scale) {
    const bool conv = node.op_type == "Conv";
    const model::TensorInfo w = graph_.tensors[node.inputs[1]];
    const ChannelQuantized& q = QuantizedWeight(w, conv ? 0 : 1);
    const int64_t channels = static_cast<int64_t>(q.scales.size());
    const int32_t wq = AddConstant(w.name + ".i8", DType::kI8, w.StaticShape(),
                                   ToBytes(q.values.data(), q.values.size()));
    const int32_t ws = AddConstant(w.name + ".scale", DType::kF32, {channels},
                                   ToBytes(q.scales.data(), channels * sizeof(float)));
    const int32_t wz = ZeroWeightPoints(channels);
    std::vector<int32_t> out = {wq, ws, wz};
    if (conv && node.inputs.size() > 2 && node.inputs[2] >= 0) {
      const model::TensorInfo b = graph_.tensors[node.inputs[2]];
      const float* bv = reinterpret_cast<const float*>(b.constant.data);
      std::vector<int32_t> bq(channels);
      for (int64_t c = 0; c < channels; ++c) {
        const double v = std::nearbyint(static_cast<double>(bv[c]) /
                                        (static_cast<double>(x_scale) * q.scales[c]));
        bq[c] = static_cast<int32_t>(std::clamp<double>(v, std::numeric_limits<int32_t>::min(),
                                                        std::numeric_limits<int32_t>::max()));
      }
      out.push_back(AddConstant(b.name + ".i32", DType::kI32, {channels},
                                ToBytes(bq.data(), channels * sizeof(int32_t))));
    }
    return out;
  }

  Status EmitQuantized(const model::Node& node) {
    const int32_t y = node.outputs[0];
    MOTA_ASSIGN_OR_RETURN(Int8Params yp, ParamsOf(y));
    const int32_t yq = AddTensor(graph_.tensors[y].name + ".i8", DType::kI8, graph_.tensors[y]);
    SetQuant(yq, yp);
    MOTA_RETURN_IF_ERROR(EmitQLinear(node, node.name, yq).status());
    quantized_[y] = yq;
    has_float_[y] = 0;
    return Status::Ok();
  }

  // Isolated mode: quantize copies of the fp32 inputs, run the int8 op, dequantize into a probe.
  Result<std::string> EmitIsolatedTwin(const model::Node& node) {
    const int32_t y = node.outputs[0];
    MOTA_ASSIGN_OR_RETURN(Int8Params yp, ParamsOf(y));
    const int32_t yq = AddTensor(graph_.tensors[y].name + ".i8", DType::kI8, graph_.tensors[y]);
    SetQuant(yq, yp);
    MOTA_RETURN_IF_ERROR(EmitQLinear(node, node.name + "/int8", yq).status());
    const int32_t probe =
        AddTensor(graph_.tensors[y].name + ".int8_probe", DType::kF32, graph_.tensors[y]);
    auto [s, z] = ScaleAndZeroPoint(yq, yp);
    Emit(graph_.tensors[probe].name + "/DequantizeLinear", "DequantizeLinear", {yq, s, z}, {probe});
    graph_.outputs.push_back(probe);  // keeps the twin alive through dead-node elimination
    return graph_.tensors[probe].name;
  }

  model::Graph graph_;
  const model::Graph& fp32_;
  const ActivationParams& params_;
  const Int8RewriteOptions& options_;
  std::vector<uint8_t> has_float_;
  std::vector<int32_t> quantized_;
  std::map<int32_t, Int8Params> tied_;         // f32 tensors whose params follow their input
  std::map<int32_t, Int8Params> params_of_q_;  // int8 tensor -> its params
  std::map<uint32_t, int32_t> scales_;         // scale bits -> constant
  std::map<int32_t, int32_t> zero_points_;     // zero point -> constant
  std::map<int64_t, int32_t> weight_zero_points_;
  std::vector<QuantLayer> layers_;
  std::map<std::string, ChannelQuantized> local_weights_;  // when the caller passes no cache
};

}  // namespace

bool IsQuantizable(const model::Graph& g, const model::Node& node) {
  const std::string& op = node.op_type;
  if (node.outputs.size() != 1 || !IsF32(g, node.outputs[0])) return false;
  for (int32_t in : node.inputs)
    if (in >= 0 && !IsF32(g, in) && !(op == "Reshape" && in == node.inputs[1])) return false;
  if (op == "Conv")
    return node.inputs.size() >= 2 && IsConstant(g, node.inputs[1]) &&
           (node.inputs.size() < 3 || node.inputs[2] < 0 || IsConstant(g, node.inputs[2])) &&
           !IsConstant(g, node.inputs[0]);
  if (op == "MatMul")
    return IsConstant(g, node.inputs[1]) && g.tensors[node.inputs[1]].dims.size() == 2 &&
           !IsConstant(g, node.inputs[0]);
  if (op == "Add" || op == "Mul")
    return node.inputs.size() == 2 &&
           !(IsConstant(g, node.inputs[0]) && IsConstant(g, node.inputs[1]));
  if (op == "GlobalAveragePool" || op == "AveragePool") return !IsConstant(g, node.inputs[0]);
  if (op == "Concat") {
    for (int32_t in : node.inputs)
      if (in < 0 || IsConstant(g, in)) return false;
    return true;
  }
  return false;
}

bool SplitsActivation(const model::Graph& graph, const model::Node& node) {
  if ((node.op_type != "Conv" && node.op_type != "MatMul") || !IsQuantizable(graph, node))
    return false;
  // Only activations with a slope near 1 over most of their range: the pre-activation codes then
  // resolve the output as finely as its own range does. Saturating ones (HardSigmoid, Sigmoid,
  // Tanh) squeeze a wide input range into a narrow output: the table would step by several
  // output codes (PP-OCR's SE gates, HardSigmoid: model SQNR 39 -> 26 dB), so they stay fused.
  const std::string act = node.attrs.GetString(exec::kActivationAttr, "");
  return act == "HardSwish" || act == "LeakyRelu";
}

std::string PreActivationName(const std::string& output) { return output + ".pre_activation"; }

Result<model::Graph> SplitActivationsForCalibration(const model::Graph& graph) {
  model::Graph out = graph;
  out.nodes.clear();
  for (const model::Node& node : graph.nodes) {
    if (!SplitsActivation(graph, node)) {
      out.nodes.push_back(node);
      continue;
    }
    const model::TensorInfo& y = graph.tensors[node.outputs[0]];
    const std::string pre_name = PreActivationName(y.name);
    if (out.FindTensor(pre_name) >= 0)
      return InvalidArgument("node '", node.name, "': the pre-activation tensor name '", pre_name,
                             "' is already taken by a tensor of the model");
    model::TensorInfo pre;
    pre.name = pre_name;
    pre.dtype = DType::kF32;
    pre.has_shape = y.has_shape;
    pre.dims = y.dims;
    const int32_t pre_id = out.AddTensor(std::move(pre));
    MOTA_ASSIGN_OR_RETURN(model::Node act, ActivationNodeOf(node));
    model::Node conv = node;
    EraseActivation(conv.attrs);
    conv.outputs = {pre_id};
    out.nodes.push_back(std::move(conv));
    act.inputs = {pre_id};
    act.outputs = node.outputs;
    out.nodes.push_back(std::move(act));
  }
  MOTA_RETURN_IF_ERROR(out.Validate());
  return out;
}

Result<Int8Rewrite> RewriteToInt8(const model::Graph& fp32, const ActivationParams& params,
                                  const Int8RewriteOptions& options) {
  Rewriter rewriter(fp32, params, options);
  return rewriter.Run(fp32);
}

}  // namespace mota::quantizer
