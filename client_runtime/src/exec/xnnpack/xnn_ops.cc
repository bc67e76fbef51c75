#include "exec/xnnpack/xnn_ops.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <string_view>

#include "base/file.h"
#include "exec/activation.h"
#include "exec/reference/conv_util.h"

namespace mota::exec::xnn {
namespace {

using Storage = TensorPlan::Storage;
constexpr float kInf = std::numeric_limits<float>::infinity();

bool IsStatic(const ExecutionPlan& plan, int32_t t) {
  const Storage s = plan.tensors[t].storage;
  return s == Storage::kConstant || s == Storage::kValue;
}

const void* StaticData(const ExecutionPlan& plan, int32_t t) {
  return plan.View(t, nullptr, {}, {}).data;
}

// A run-time f32 tensor XNNPACK can hold: non-empty, rank 1..6.
bool IsDynamicF32(const ExecutionPlan& plan, int32_t t) {
  if (t < 0 || IsStatic(plan, t)) return false;
  const TensorPlan& p = plan.tensors[t];
  return p.dtype == DType::kF32 && !p.shape.empty() && p.shape.size() <= XNN_MAX_TENSOR_DIMS &&
         NumElements(p.shape) > 0;
}

bool IsStaticF32(const ExecutionPlan& plan, int32_t t) {
  return t >= 0 && IsStatic(plan, t) && plan.tensors[t].dtype == DType::kF32;
}

int32_t Input(const model::Node& node, size_t i) {
  return i < node.inputs.size() ? node.inputs[i] : -1;
}

// Fused activations XNNPACK can express: a clamp range or one extra node.
bool ActivationSupported(const model::Node& node) {
  Result<Activation> act = ReadActivation(node.attrs);
  if (!act.ok()) return false;
  return act->kind != ActivationKind::kTanh;
}

// The node's input 0 is a dynamic f32 tensor and output 0 a non-empty f32 tensor.
bool PlainIo(const ExecutionPlan& plan, const model::Node& node) {
  if (node.outputs.size() != 1 || !IsDynamicF32(plan, Input(node, 0))) return false;
  const TensorPlan& out = plan.tensors[node.outputs[0]];
  return out.dtype == DType::kF32 && out.shape.size() <= XNN_MAX_TENSOR_DIMS &&
         NumElements(out.shape) > 0 && ActivationSupported(node);
}

// 2-D window geometry as XNNPACK takes it: begin pads from ONNX, end pads grown where ceil_mode
// needs them so XNNPACK's floor formula yields ONNX's output size.
struct Window2d {
  uint32_t pad[4];  // top, right, bottom, left
  uint32_t kernel[2];
  uint32_t stride[2];
  uint32_t dilation[2];
};

std::optional<Window2d> ReadWindow(const model::Node& node, const Shape& x, const Shape& y,
                                   const WindowOptions& options) {
  Result<WindowGeometry> g = ResolveWindow(node, {x[2], x[3]}, options);
  if (!g.ok() || g->rank() != 2 || g->out[0] != y[2] || g->out[1] != y[3]) return std::nullopt;
  Window2d w;
  int64_t end[2];
  for (int d = 0; d < 2; ++d) {
    if (g->pad_begin[d] < 0 || g->pad_end[d] < 0 || g->kernel[d] < 1 || g->stride[d] < 1)
      return std::nullopt;
    const int64_t span = g->dilation[d] * (g->kernel[d] - 1) + 1;
    end[d] =
        std::max(g->pad_end[d], (g->out[d] - 1) * g->stride[d] + span - x[2 + d] - g->pad_begin[d]);
    if ((x[2 + d] + g->pad_begin[d] + end[d] - span) / g->stride[d] + 1 != g->out[d])
      return std::nullopt;
    w.kernel[d] = static_cast<uint32_t>(g->kernel[d]);
    w.stride[d] = static_cast<uint32_t>(g->stride[d]);
    w.dilation[d] = static_cast<uint32_t>(g->dilation[d]);
  }
  w.pad[0] = static_cast<uint32_t>(g->pad_begin[0]);
  w.pad[1] = static_cast<uint32_t>(end[1]);
  w.pad[2] = static_cast<uint32_t>(end[0]);
  w.pad[3] = static_cast<uint32_t>(g->pad_begin[1]);
  if (options.ceil_mode || w.pad[1] != g->pad_end[1] || w.pad[2] != g->pad_end[0]) {
    // Grown end pads are only harmless where padding never counts.
    if (node.op_type == "AveragePool" && node.attrs.GetInt("count_include_pad", 0) != 0 &&
        (w.pad[1] != g->pad_end[1] || w.pad[2] != g->pad_end[0])) {
      return std::nullopt;
    }
  }
  return w;
}

struct ConvParams {
  Window2d window;
  uint32_t groups;
  size_t cin;
  size_t cout;
  bool depthwise;
};

std::optional<ConvParams> ReadConv(const ExecutionPlan& plan, const model::Node& node) {
  const int32_t x = Input(node, 0), w = Input(node, 1), b = Input(node, 2);
  if (!PlainIo(plan, node) || !IsStaticF32(plan, w) || (b >= 0 && !IsStaticF32(plan, b)))
    return std::nullopt;
  const Shape& xs = plan.tensors[x].shape;
  const Shape& ws = plan.tensors[w].shape;
  const Shape& ys = plan.tensors[node.outputs[0]].shape;
  if (xs.size() != 4 || ws.size() != 4 || ys.size() != 4) return std::nullopt;
  const int64_t group = node.attrs.GetInt("group", 1);
  ConvParams p;
  p.cin = static_cast<size_t>(xs[1]);
  p.cout = static_cast<size_t>(ws[0]);
  if (group < 1 || ws[1] * group != xs[1] || ws[0] % group != 0 || ys[1] != ws[0])
    return std::nullopt;
  if (b >= 0 && NumElements(plan.tensors[b].shape) != ws[0]) return std::nullopt;
  WindowOptions options;
  options.default_kernel = {ws[2], ws[3]};
  std::optional<Window2d> window = ReadWindow(node, xs, ys, options);
  if (!window || window->kernel[0] != ws[2] || window->kernel[1] != ws[3]) return std::nullopt;
  p.window = *window;
  p.groups = static_cast<uint32_t>(group);
  p.depthwise = group > 1 && group == xs[1] && ws[1] == 1;
  return p;
}

// ConvTranspose as XNNPACK's deconvolution: output pads crop, output_padding is the adjustment.
struct DeconvParams {
  uint32_t pad[4];  // top, right, bottom, left
  uint32_t adjustment[2];
  uint32_t kernel[2];
  uint32_t stride[2];
  uint32_t dilation[2];
  uint32_t groups;
  size_t group_in;
  size_t group_out;
};

std::optional<DeconvParams> ReadDeconv(const ExecutionPlan& plan, const model::Node& node) {
  const int32_t x = Input(node, 0), w = Input(node, 1), b = Input(node, 2);
  if (!PlainIo(plan, node) || !IsStaticF32(plan, w) || (b >= 0 && !IsStaticF32(plan, b))) {
    return std::nullopt;
  }
  const Shape& xs = plan.tensors[x].shape;
  const Shape& ws = plan.tensors[w].shape;  // [C_in, C_out / group, kh, kw]
  const Shape& ys = plan.tensors[node.outputs[0]].shape;
  const int64_t group = node.attrs.GetInt("group", 1);
  if (xs.size() != 4 || ws.size() != 4 || ys.size() != 4 || group < 1 || ws[0] != xs[1] ||
      xs[1] % group != 0 || ys[1] != ws[1] * group) {
    return std::nullopt;
  }
  if (b >= 0 && NumElements(plan.tensors[b].shape) != ys[1]) return std::nullopt;
  Result<WindowGeometry> g = ResolveTransposedWindow(node, {xs[2], xs[3]}, {ws[2], ws[3]});
  if (!g.ok() || g->rank() != 2 || g->out[0] != ys[2] || g->out[1] != ys[3]) return std::nullopt;
  DeconvParams p;
  for (int d = 0; d < 2; ++d) {
    if (g->pad_begin[d] < 0 || g->pad_end[d] < 0 || g->kernel[d] != ws[2 + d] || g->stride[d] < 1) {
      return std::nullopt;
    }
    const int64_t span = g->dilation[d] * (g->kernel[d] - 1) + 1;
    const int64_t adjustment =
        g->out[d] - (g->stride[d] * (xs[2 + d] - 1) + span - g->pad_begin[d] - g->pad_end[d]);
    if (adjustment < 0 || adjustment >= g->stride[d]) return std::nullopt;
    p.adjustment[d] = static_cast<uint32_t>(adjustment);
    p.kernel[d] = static_cast<uint32_t>(g->kernel[d]);
    p.stride[d] = static_cast<uint32_t>(g->stride[d]);
    p.dilation[d] = static_cast<uint32_t>(g->dilation[d]);
  }
  p.pad[0] = static_cast<uint32_t>(g->pad_begin[0]);
  p.pad[1] = static_cast<uint32_t>(g->pad_end[1]);
  p.pad[2] = static_cast<uint32_t>(g->pad_end[0]);
  p.pad[3] = static_cast<uint32_t>(g->pad_begin[1]);
  p.groups = static_cast<uint32_t>(group);
  p.group_in = static_cast<size_t>(xs[1] / group);
  p.group_out = static_cast<size_t>(ws[1]);
  return p;
}

// Gemm Y = A * op(B) + C as a fully connected node: A dynamic 2-D, B constant, alpha = beta = 1,
// C absent or a constant of N elements.
bool GemmSupported(const ExecutionPlan& plan, const model::Node& node) {
  const int32_t a = Input(node, 0), b = Input(node, 1), c = Input(node, 2);
  if (!PlainIo(plan, node) || !IsStaticF32(plan, b)) return false;
  const Shape& bs = plan.tensors[b].shape;
  if (plan.tensors[a].shape.size() != 2 || bs.size() != 2 || node.attrs.GetInt("transA", 0) != 0)
    return false;
  if (node.attrs.GetFloat("alpha", 1.0f) != 1.0f) return false;
  const int64_t n = node.attrs.GetInt("transB", 0) != 0 ? bs[0] : bs[1];
  if (c < 0) return true;
  return IsStaticF32(plan, c) && node.attrs.GetFloat("beta", 1.0f) == 1.0f &&
         NumElements(plan.tensors[c].shape) == n && plan.tensors[c].shape.back() == n;
}

bool MatMulSupported(const ExecutionPlan& plan, const model::Node& node) {
  const int32_t a = Input(node, 0), b = Input(node, 1);
  return PlainIo(plan, node) && IsStaticF32(plan, b) && plan.tensors[b].shape.size() == 2 &&
         plan.tensors[a].shape.size() >= 2 && plan.tensors[a].shape.size() <= 3;
}

bool PoolSupported(const ExecutionPlan& plan, const model::Node& node) {
  if (!PlainIo(plan, node) || node.inputs.size() != 1) return false;
  const Shape& xs = plan.tensors[node.inputs[0]].shape;
  const Shape& ys = plan.tensors[node.outputs[0]].shape;
  if (xs.size() != 4 || ys.size() != 4) return false;
  WindowOptions options;
  options.ceil_mode = node.attrs.GetInt("ceil_mode", 0) != 0;
  std::optional<Window2d> w = ReadWindow(node, xs, ys, options);
  // XNNPACK rejects 1x1 pooling windows.
  if (!w || w->kernel[0] * w->kernel[1] < 2) return false;
  if (node.op_type == "MaxPool") return true;
  if (w->dilation[0] != 1 || w->dilation[1] != 1) return false;
  const bool padded = w->pad[0] + w->pad[1] + w->pad[2] + w->pad[3] != 0;
  // XNNPACK averages over the real input pixels only (count_include_pad = 0).
  return !padded || node.attrs.GetInt("count_include_pad", 0) == 0;
}

bool BinarySupported(const ExecutionPlan& plan, const model::Node& node) {
  if (node.inputs.size() != 2 || node.outputs.size() != 1 || !ActivationSupported(node))
    return false;
  const TensorPlan& out = plan.tensors[node.outputs[0]];
  if (out.dtype != DType::kF32 || out.shape.empty() || out.shape.size() > XNN_MAX_TENSOR_DIMS ||
      NumElements(out.shape) <= 0) {
    return false;
  }
  int dynamic = 0;
  for (int32_t t : node.inputs) {
    if (IsDynamicF32(plan, t)) {
      if (plan.tensors[t].shape.size() != out.shape.size()) return false;
      ++dynamic;
    } else if (!IsStaticF32(plan, t) || plan.tensors[t].shape.size() > out.shape.size()) {
      return false;
    }
  }
  return dynamic >= 1;
}

bool ClipSupported(const ExecutionPlan& plan, const model::Node& node) {
  for (size_t i = 1; i < node.inputs.size(); ++i) {
    const int32_t t = node.inputs[i];
    if (t >= 0 && (!IsStaticF32(plan, t) || NumElements(plan.tensors[t].shape) != 1)) return false;
  }
  return true;
}

// PRelu with one constant slope per channel (the NHWC last dim) or a single slope.
bool PReluSupported(const ExecutionPlan& plan, const model::Node& node) {
  const int32_t slope = Input(node, 1);
  if (!IsStaticF32(plan, slope)) return false;
  const Shape& xs = plan.tensors[node.inputs[0]].shape;
  Shape ss = plan.tensors[slope].shape;
  if (NumElements(ss) == 1) return ss.size() <= xs.size();
  if (ss.size() > xs.size() || (xs.size() != 4 && xs.size() != 2)) return false;
  ss.insert(ss.begin(), xs.size() - ss.size(), 1);
  for (size_t d = 0; d < ss.size(); ++d) {
    if (ss[d] != (d == 1 ? xs[1] : 1)) return false;
  }
  return true;
}

bool PadSupported(const ExecutionPlan& plan, const model::Node& node) {
  const int32_t pads = Input(node, 1), value = Input(node, 2);
  if (node.attrs.GetString("mode", "constant") != "constant" || Input(node, 3) >= 0) return false;
  if (pads < 0 || !IsStatic(plan, pads) || (value >= 0 && !IsStaticF32(plan, value))) return false;
  for (int64_t p : ReadIntValues(plan.View(pads, nullptr, {}, {}))) {
    if (p < 0) return false;
  }
  return true;
}

// Reshape-like ops are byte copies; inside an NHWC partition only when the bytes are the same
// in both layouts.
bool ReshapeSupported(const ExecutionPlan& plan, const model::Node& node) {
  return !IsLayoutSensitive(plan.tensors[node.inputs[0]].shape) &&
         !IsLayoutSensitive(plan.tensors[node.outputs[0]].shape) &&
         !node.attrs.Has(kActivationAttr);
}

bool OpSupported(const ExecutionPlan& plan, const model::Node& node) {
  const std::string_view op = node.op_type;
  if (op == "Conv") return ReadConv(plan, node).has_value();
  if (op == "ConvTranspose") return ReadDeconv(plan, node).has_value();
  if (op == "Gemm") return GemmSupported(plan, node);
  if (op == "MatMul") return MatMulSupported(plan, node);
  if (op == "MaxPool" || op == "AveragePool") return PoolSupported(plan, node);
  if (!PlainIo(plan, node) && op != "Add" && op != "Sub" && op != "Mul" && op != "Div" &&
      op != "Max" && op != "Min") {
    return false;
  }
  const size_t rank = plan.tensors[node.outputs[0]].shape.size();
  if (op == "GlobalAveragePool") return rank == 4;
  if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Max" || op == "Min") {
    return BinarySupported(plan, node);
  }
  if (op == "Clip") return ClipSupported(plan, node);
  if (op == "PRelu") return PReluSupported(plan, node);
  if (op == "Relu" || op == "LeakyRelu" || op == "Sigmoid" || op == "HardSwish" || op == "Elu" ||
      op == "Abs" || op == "Neg" || op == "Floor" || op == "Ceil" || op == "Sqrt" ||
      op == "Round") {
    return true;
  }
  if (op == "Softmax") {
    const int64_t axis = node.attrs.GetInt("axis", -1);
    return rank != 4 && (axis == -1 || axis == static_cast<int64_t>(rank) - 1);
  }
  if (op == "Reshape" || op == "Flatten" || op == "Squeeze" || op == "Unsqueeze")
    return ReshapeSupported(plan, node);
  if (op == "Pad") return PadSupported(plan, node);
  if (op == "DepthToSpace") {
    return rank == 4 && node.attrs.GetString("mode", "DCR") == "DCR" &&
           !node.attrs.Has(kActivationAttr);
  }
  return false;
}

std::vector<size_t> Dims(const Shape& s) { return std::vector<size_t>(s.begin(), s.end()); }

// NCHW [n, c, h, w] f32 data to NHWC.
void PermuteToNhwc(const float* src, const Shape& s, float* dst) {
  const int64_t n = s[0], c = s[1], hw = s[2] * s[3];
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t ch = 0; ch < c; ++ch) {
      for (int64_t p = 0; p < hw; ++p) dst[(i * hw + p) * c + ch] = src[(i * c + ch) * hw + p];
    }
  }
}

}  // namespace

Shape ToNhwcShape(const Shape& s) { return s.size() == 4 ? Shape{s[0], s[2], s[3], s[1]} : s; }

bool IsLayoutSensitive(const Shape& s) { return s.size() == 4 && s[1] > 1 && s[2] * s[3] > 1; }

bool XnnSupports(const model::Graph& graph, const ExecutionPlan& plan, int32_t n) {
  const model::Node& node = graph.nodes[n];
  if (node.outputs.empty() || node.inputs.empty() || node.inputs[0] < 0) return false;
  for (int32_t t : node.outputs) {
    if (plan.tensors[t].dtype != DType::kF32) return false;
  }
  return OpSupported(plan, node);
}

Status XnnError(xnn_status status, const char* call, const model::Node& node) {
  static const char* const kNames[] = {
      "success",       "uninitialized",         "invalid_parameter",
      "invalid_state", "unsupported_parameter", "unsupported_hardware",
      "out_of_memory"};
  const char* name = static_cast<unsigned>(status) < 7 ? kNames[status] : "unknown status";
  return Status(
      status == xnn_status_out_of_memory ? StatusCode::kOutOfMemory : StatusCode::kInternal,
      StrCat("XNNPACK ", call, " failed with xnn_status_", name, " (", static_cast<int>(status),
             ") for ", node.op_type, " node '", node.name, "'"));
}

#define XNN_CALL(call, ...)                                                             \
  do {                                                                                  \
    const xnn_status xnn_status_ = call(__VA_ARGS__);                                   \
    if (xnn_status_ != xnn_status_success) return XnnError(xnn_status_, #call, *node_); \
  } while (false)

XnnLowering::XnnLowering(const model::Graph& graph, const ExecutionPlan& plan,
                         xnn_subgraph_t subgraph, std::map<int32_t, uint32_t> externals,
                         std::vector<int32_t> outputs, std::vector<HostTensor>* owned,
                         std::vector<HostTensor>* packed_at_creation)
    : graph_(graph),
      plan_(plan),
      subgraph_(subgraph),
      externals_(std::move(externals)),
      outputs_(std::move(outputs)),
      owned_(owned),
      packed_at_creation_(packed_at_creation) {}

Result<uint32_t> XnnLowering::Value(int32_t t) {
  auto it = values_.find(t);
  if (it != values_.end()) return it->second;
  uint32_t external = XNN_INVALID_VALUE_ID, flags = 0;
  auto ext = externals_.find(t);
  if (ext != externals_.end()) {
    external = ext->second;
    const bool is_output = std::find(outputs_.begin(), outputs_.end(), t) != outputs_.end();
    flags = is_output ? XNN_VALUE_FLAG_EXTERNAL_OUTPUT : XNN_VALUE_FLAG_EXTERNAL_INPUT;
  }
  const std::vector<size_t> dims = Dims(ToNhwcShape(plan_.tensors[t].shape));
  uint32_t id = 0;
  XNN_CALL(xnn_define_tensor_value, subgraph_, xnn_datatype_fp32, dims.size(), dims.data(), nullptr,
           external, flags, &id);
  values_[t] = id;
  return id;
}

Result<uint32_t> XnnLowering::Static(const void* data, const Shape& dims_in) {
  const std::vector<size_t> dims = Dims(dims_in);
  uint32_t id = 0;
  XNN_CALL(xnn_define_tensor_value, subgraph_, xnn_datatype_fp32, dims.size(), dims.data(), data,
           XNN_INVALID_VALUE_ID, 0, &id);
  return id;
}

Result<uint32_t> XnnLowering::StaticOperand(int32_t t, size_t rank) {
  Shape logical = plan_.tensors[t].shape;
  logical.insert(logical.begin(), rank - logical.size(), 1);
  HostTensor copy = HostTensor::Allocate(DType::kF32, ToNhwcShape(logical));
  if (copy.dtype() == DType::kUndefined)
    return OutOfMemory("cannot copy a constant of ", node_->name);
  const float* src = static_cast<const float*>(StaticData(plan_, t));
  if (rank == 4) {
    PermuteToNhwc(src, logical, copy.as<float>());
  } else {
    std::memcpy(copy.data(), src, copy.nbytes());
  }
  owned_->push_back(std::move(copy));
  return Static(owned_->back().data(), owned_->back().shape());
}

Result<uint32_t> XnnLowering::Temp(const Shape& dims_in) {
  const std::vector<size_t> dims = Dims(dims_in);
  uint32_t id = 0;
  XNN_CALL(xnn_define_tensor_value, subgraph_, xnn_datatype_fp32, dims.size(), dims.data(), nullptr,
           XNN_INVALID_VALUE_ID, 0, &id);
  return id;
}

Result<uint32_t> XnnLowering::BeginOutput(bool op_clamps, Clamp* clamp) {
  *clamp = {-kInf, kInf};
  MOTA_ASSIGN_OR_RETURN(Activation act, ReadActivation(node_->attrs));
  const int32_t out = node_->outputs[0];
  if (act.kind == ActivationKind::kNone) return Value(out);
  if (op_clamps && act.kind == ActivationKind::kRelu) {
    clamp->min = 0.0f;
    return Value(out);
  }
  if (op_clamps && act.kind == ActivationKind::kClip) {
    *clamp = {act.alpha, act.beta};
    return Value(out);
  }
  return Temp(ToNhwcShape(plan_.tensors[out].shape));
}

Status XnnLowering::FinishOutput(uint32_t written) {
  MOTA_ASSIGN_OR_RETURN(uint32_t out, Value(node_->outputs[0]));
  if (written == out) return Status::Ok();
  MOTA_ASSIGN_OR_RETURN(Activation act, ReadActivation(node_->attrs));
  switch (act.kind) {
    case ActivationKind::kRelu:
      XNN_CALL(xnn_define_clamp, subgraph_, 0.0f, kInf, written, out, 0);
      break;
    case ActivationKind::kClip:
      XNN_CALL(xnn_define_clamp, subgraph_, act.alpha, act.beta, written, out, 0);
      break;
    case ActivationKind::kLeakyRelu:
      XNN_CALL(xnn_define_leaky_relu, subgraph_, act.alpha, written, out, 0);
      break;
    case ActivationKind::kHardSwish:
      XNN_CALL(xnn_define_hardswish, subgraph_, written, out, 0);
      break;
    case ActivationKind::kSigmoid:
      XNN_CALL(xnn_define_sigmoid, subgraph_, written, out, 0);
      break;
    case ActivationKind::kHardSigmoid:
      return DefineHardSigmoid(act, written, out);
    default:
      return Internal("fused activation ", ActivationName(act.kind), " of node '", node_->name,
                      "' has no XNNPACK lowering");
  }
  return Status::Ok();
}

// max(0, min(1, alpha * x + beta)) as multiply and add-with-clamp by broadcast scalars.
Status XnnLowering::DefineHardSigmoid(const Activation& act, uint32_t x, uint32_t out) {
  const Shape& shape = plan_.tensors[node_->outputs[0]].shape;
  const Shape ones(shape.size(), 1);
  uint32_t scalars[2];
  const float values[2] = {act.alpha, act.beta};
  for (int i = 0; i < 2; ++i) {
    HostTensor v = HostTensor::Allocate(DType::kF32, ones);
    if (v.dtype() == DType::kUndefined)
      return OutOfMemory("cannot allocate a scalar for ", node_->name);
    v.as<float>()[0] = values[i];
    owned_->push_back(std::move(v));
    MOTA_ASSIGN_OR_RETURN(scalars[i], Static(owned_->back().data(), ones));
  }
  MOTA_ASSIGN_OR_RETURN(uint32_t scaled, Temp(ToNhwcShape(shape)));
  XNN_CALL(xnn_define_multiply2, subgraph_, -kInf, kInf, x, scalars[0], scaled, 0);
  XNN_CALL(xnn_define_add2, subgraph_, 0.0f, 1.0f, scaled, scalars[1], out, 0);
  return Status::Ok();
}

Status XnnLowering::Define(int32_t n) {
  node_ = &graph_.nodes[n];
  const std::string_view op = node_->op_type;
  if (op == "Conv") return DefineConv();
  if (op == "ConvTranspose") return DefineDeconv();
  if (op == "Gemm") return DefineGemm();
  if (op == "MatMul") return DefineMatMul();
  if (op == "MaxPool" || op == "AveragePool") return DefinePool();
  if (op == "GlobalAveragePool") return DefineGlobalAveragePool();
  if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Max" || op == "Min")
    return DefineBinary();
  if (op == "Softmax") return DefineSoftmax();
  if (op == "PRelu") return DefinePRelu();
  if (op == "Reshape" || op == "Flatten" || op == "Squeeze" || op == "Unsqueeze")
    return DefineReshape();
  if (op == "Pad") return DefinePad();
  if (op == "DepthToSpace") return DefineDepthToSpace();
  return DefineUnary();
}

Status XnnLowering::DefineConv() {
  const std::optional<ConvParams> p = ReadConv(plan_, *node_);
  if (!p) return Internal("Conv node '", node_->name, "' is not supported by XNNPACK");
  const int32_t w = node_->inputs[1], b = Input(*node_, 2);
  const Shape& ws = plan_.tensors[w].shape;  // [cout, cin / groups, kh, kw]
  const float* wdata = static_cast<const float*>(StaticData(plan_, w));
  // XNNPACK filters: [1, kh, kw, cout] for depthwise, OHWI otherwise.
  const int64_t taps = ws[2] * ws[3];
  const Shape packed =
      p->depthwise ? Shape{1, ws[2], ws[3], ws[0]} : Shape{ws[0], ws[2], ws[3], ws[1]};
  HostTensor filter = HostTensor::Allocate(DType::kF32, packed);
  if (filter.dtype() == DType::kUndefined)
    return OutOfMemory("cannot allocate the filter of ", node_->name);
  float* f = filter.as<float>();
  for (int64_t o = 0; o < ws[0]; ++o) {
    for (int64_t i = 0; i < ws[1]; ++i) {
      for (int64_t k = 0; k < taps; ++k) {
        const float v = wdata[(o * ws[1] + i) * taps + k];
        if (p->depthwise) {
          f[k * ws[0] + o] = v;
        } else {
          f[(o * taps + k) * ws[1] + i] = v;
        }
      }
    }
  }
  // XNNPACK reads our copies, never the model's weights: their pages in the model file need not
  // stay resident (the bias is copied too, or packing it would map its file pages again).
  ReleaseMappedPages(wdata, sizeof(float) * ws[0] * ws[1] * taps);
  packed_at_creation_->push_back(std::move(filter));
  MOTA_ASSIGN_OR_RETURN(uint32_t filter_id, Static(packed_at_creation_->back().data(), packed));
  uint32_t bias_id = XNN_INVALID_VALUE_ID;
  if (b >= 0) {
    const float* bdata = static_cast<const float*>(StaticData(plan_, b));
    HostTensor bias = HostTensor::Allocate(DType::kF32, {ws[0]});
    if (bias.dtype() == DType::kUndefined)
      return OutOfMemory("cannot allocate the bias of ", node_->name);
    std::copy(bdata, bdata + ws[0], bias.as<float>());
    ReleaseMappedPages(bdata, sizeof(float) * ws[0]);
    packed_at_creation_->push_back(std::move(bias));
    MOTA_ASSIGN_OR_RETURN(bias_id, Static(packed_at_creation_->back().data(), {ws[0]}));
  }
  MOTA_ASSIGN_OR_RETURN(uint32_t x, Value(node_->inputs[0]));
  Clamp c;
  MOTA_ASSIGN_OR_RETURN(uint32_t y, BeginOutput(true, &c));
  const Window2d& g = p->window;
  if (p->depthwise) {
    XNN_CALL(xnn_define_depthwise_convolution_2d, subgraph_, g.pad[0], g.pad[1], g.pad[2], g.pad[3],
             g.kernel[0], g.kernel[1], g.stride[0], g.stride[1], g.dilation[0], g.dilation[1],
             static_cast<uint32_t>(p->cout / p->cin), p->cin, c.min, c.max, x, filter_id, bias_id,
             y, 0);
  } else {
    XNN_CALL(xnn_define_convolution_2d, subgraph_, g.pad[0], g.pad[1], g.pad[2], g.pad[3],
             g.kernel[0], g.kernel[1], g.stride[0], g.stride[1], g.dilation[0], g.dilation[1],
             p->groups, p->cin / p->groups, p->cout / p->groups, c.min, c.max, x, filter_id,
             bias_id, y, 0);
  }
  return FinishOutput(y);
}

Status XnnLowering::DefineDeconv() {
  const std::optional<DeconvParams> p = ReadDeconv(plan_, *node_);
  if (!p) return Internal("ConvTranspose node '", node_->name, "' is not supported by XNNPACK");
  const int32_t w = node_->inputs[1], b = Input(*node_, 2);
  const Shape& ws = plan_.tensors[w].shape;  // [groups * group_in, group_out, kh, kw]
  const float* wdata = static_cast<const float*>(StaticData(plan_, w));
  const auto gi = static_cast<int64_t>(p->group_in), go = static_cast<int64_t>(p->group_out);
  const int64_t taps = ws[2] * ws[3];
  // XNNPACK: [groups * group_out, kh, kw, group_in].
  const Shape packed{p->groups * go, ws[2], ws[3], gi};
  HostTensor filter = HostTensor::Allocate(DType::kF32, packed);
  if (filter.dtype() == DType::kUndefined) {
    return OutOfMemory("cannot allocate the filter of ", node_->name);
  }
  float* f = filter.as<float>();
  for (int64_t g = 0; g < p->groups; ++g) {
    for (int64_t i = 0; i < gi; ++i) {
      for (int64_t o = 0; o < go; ++o) {
        for (int64_t k = 0; k < taps; ++k) {
          f[((g * go + o) * taps + k) * gi + i] = wdata[((g * gi + i) * go + o) * taps + k];
        }
      }
    }
  }
  ReleaseMappedPages(wdata, sizeof(float) * ws[0] * ws[1] * taps);  // as in DefineConv
  packed_at_creation_->push_back(std::move(filter));
  MOTA_ASSIGN_OR_RETURN(uint32_t filter_id, Static(packed_at_creation_->back().data(), packed));
  uint32_t bias_id = XNN_INVALID_VALUE_ID;
  if (b >= 0) {
    MOTA_ASSIGN_OR_RETURN(bias_id, Static(StaticData(plan_, b), {packed[0]}));
  }
  MOTA_ASSIGN_OR_RETURN(uint32_t x, Value(node_->inputs[0]));
  Clamp c;
  MOTA_ASSIGN_OR_RETURN(uint32_t y, BeginOutput(true, &c));
  XNN_CALL(xnn_define_deconvolution_2d, subgraph_, p->pad[0], p->pad[1], p->pad[2], p->pad[3],
           p->adjustment[0], p->adjustment[1], p->kernel[0], p->kernel[1], p->stride[0],
           p->stride[1], p->dilation[0], p->dilation[1], p->groups, p->group_in, p->group_out,
           c.min, c.max, x, filter_id, bias_id, y, 0);
  return FinishOutput(y);
}

Status XnnLowering::DefineGemm() {
  const int32_t b = node_->inputs[1], c_in = Input(*node_, 2);
  const Shape& bs = plan_.tensors[b].shape;
  const bool trans_b = node_->attrs.GetInt("transB", 0) != 0;
  // XNNPACK's filter is [N, K]; TRANSPOSE_WEIGHTS takes [K, N] as stored: no copy either way.
  MOTA_ASSIGN_OR_RETURN(uint32_t filter_id, Static(StaticData(plan_, b), bs));
  uint32_t bias_id = XNN_INVALID_VALUE_ID;
  const int64_t n = trans_b ? bs[0] : bs[1];
  if (c_in >= 0) {
    MOTA_ASSIGN_OR_RETURN(bias_id, Static(StaticData(plan_, c_in), {n}));
  }
  MOTA_ASSIGN_OR_RETURN(uint32_t x, Value(node_->inputs[0]));
  Clamp c;
  MOTA_ASSIGN_OR_RETURN(uint32_t y, BeginOutput(true, &c));
  XNN_CALL(xnn_define_fully_connected, subgraph_, c.min, c.max, x, filter_id, bias_id, y,
           trans_b ? 0u : static_cast<uint32_t>(XNN_FLAG_TRANSPOSE_WEIGHTS));
  return FinishOutput(y);
}

Status XnnLowering::DefineMatMul() {
  const int32_t b = node_->inputs[1];
  MOTA_ASSIGN_OR_RETURN(uint32_t filter_id, Static(StaticData(plan_, b), plan_.tensors[b].shape));
  MOTA_ASSIGN_OR_RETURN(uint32_t x, Value(node_->inputs[0]));
  Clamp c;
  MOTA_ASSIGN_OR_RETURN(uint32_t y, BeginOutput(true, &c));
  XNN_CALL(xnn_define_fully_connected, subgraph_, c.min, c.max, x, filter_id, XNN_INVALID_VALUE_ID,
           y, XNN_FLAG_TRANSPOSE_WEIGHTS);
  return FinishOutput(y);
}

Status XnnLowering::DefinePool() {
  const Shape& xs = plan_.tensors[node_->inputs[0]].shape;
  const Shape& ys = plan_.tensors[node_->outputs[0]].shape;
  WindowOptions options;
  options.ceil_mode = node_->attrs.GetInt("ceil_mode", 0) != 0;
  const std::optional<Window2d> g = ReadWindow(*node_, xs, ys, options);
  if (!g) return Internal(node_->op_type, " node '", node_->name, "' is not supported by XNNPACK");
  MOTA_ASSIGN_OR_RETURN(uint32_t x, Value(node_->inputs[0]));
  Clamp c;
  MOTA_ASSIGN_OR_RETURN(uint32_t y, BeginOutput(true, &c));
  if (node_->op_type == "MaxPool") {
    XNN_CALL(xnn_define_max_pooling_2d, subgraph_, g->pad[0], g->pad[1], g->pad[2], g->pad[3],
             g->kernel[0], g->kernel[1], g->stride[0], g->stride[1], g->dilation[0], g->dilation[1],
             c.min, c.max, x, y, 0);
  } else {
    XNN_CALL(xnn_define_average_pooling_2d, subgraph_, g->pad[0], g->pad[1], g->pad[2], g->pad[3],
             g->kernel[0], g->kernel[1], g->stride[0], g->stride[1], c.min, c.max, x, y, 0);
  }
  return FinishOutput(y);
}

Status XnnLowering::DefineGlobalAveragePool() {
  MOTA_ASSIGN_OR_RETURN(uint32_t x, Value(node_->inputs[0]));
  Clamp c;
  MOTA_ASSIGN_OR_RETURN(uint32_t y, BeginOutput(true, &c));
  XNN_CALL(xnn_define_global_average_pooling_2d, subgraph_, c.min, c.max, x, y, 0);
  return FinishOutput(y);
}

Status XnnLowering::DefineBinary() {
  const size_t rank = plan_.tensors[node_->outputs[0]].shape.size();
  uint32_t in[2];
  for (int i = 0; i < 2; ++i) {
    const int32_t t = node_->inputs[i];
    if (IsStatic(plan_, t)) {
      MOTA_ASSIGN_OR_RETURN(in[i], StaticOperand(t, rank));
    } else {
      MOTA_ASSIGN_OR_RETURN(in[i], Value(t));
    }
  }
  const std::string_view op = node_->op_type;
  const bool clamps = op != "Max" && op != "Min";
  Clamp c;
  MOTA_ASSIGN_OR_RETURN(uint32_t y, BeginOutput(clamps, &c));
  if (op == "Add") XNN_CALL(xnn_define_add2, subgraph_, c.min, c.max, in[0], in[1], y, 0);
  if (op == "Sub") XNN_CALL(xnn_define_subtract, subgraph_, c.min, c.max, in[0], in[1], y, 0);
  if (op == "Mul") XNN_CALL(xnn_define_multiply2, subgraph_, c.min, c.max, in[0], in[1], y, 0);
  if (op == "Div") XNN_CALL(xnn_define_divide, subgraph_, c.min, c.max, in[0], in[1], y, 0);
  if (op == "Max") XNN_CALL(xnn_define_maximum2, subgraph_, in[0], in[1], y, 0);
  if (op == "Min") XNN_CALL(xnn_define_minimum2, subgraph_, in[0], in[1], y, 0);
  return FinishOutput(y);
}

Status XnnLowering::DefineUnary() {
  const std::string_view op = node_->op_type;
  MOTA_ASSIGN_OR_RETURN(uint32_t x, Value(node_->inputs[0]));
  Clamp c;
  const bool clamps = op == "Relu" || op == "Clip";
  MOTA_ASSIGN_OR_RETURN(uint32_t y, BeginOutput(clamps, &c));
  if (op == "Relu") {
    XNN_CALL(xnn_define_clamp, subgraph_, std::max(c.min, 0.0f), c.max, x, y, 0);
  } else if (op == "Clip") {
    float lo = -kInf, hi = kInf;
    if (Input(*node_, 1) >= 0) lo = *static_cast<const float*>(StaticData(plan_, node_->inputs[1]));
    if (Input(*node_, 2) >= 0) hi = *static_cast<const float*>(StaticData(plan_, node_->inputs[2]));
    // A fused clamp composes with the op's own range.
    XNN_CALL(xnn_define_clamp, subgraph_, std::min(std::max(lo, c.min), c.max),
             std::max(std::min(hi, c.max), c.min), x, y, 0);
  } else if (op == "LeakyRelu") {
    XNN_CALL(xnn_define_leaky_relu, subgraph_, node_->attrs.GetFloat("alpha", 0.01f), x, y, 0);
  } else if (op == "Sigmoid") {
    XNN_CALL(xnn_define_sigmoid, subgraph_, x, y, 0);
  } else if (op == "HardSwish") {
    XNN_CALL(xnn_define_hardswish, subgraph_, x, y, 0);
  } else if (op == "Elu") {
    XNN_CALL(xnn_define_elu, subgraph_, node_->attrs.GetFloat("alpha", 1.0f), x, y, 0);
  } else if (op == "Abs") {
    XNN_CALL(xnn_define_abs, subgraph_, x, y, 0);
  } else if (op == "Neg") {
    XNN_CALL(xnn_define_negate, subgraph_, x, y, 0);
  } else if (op == "Floor") {
    XNN_CALL(xnn_define_floor, subgraph_, x, y, 0);
  } else if (op == "Ceil") {
    XNN_CALL(xnn_define_ceiling, subgraph_, x, y, 0);
  } else if (op == "Sqrt") {
    XNN_CALL(xnn_define_square_root, subgraph_, x, y, 0);
  } else if (op == "Round") {
    XNN_CALL(xnn_define_bankers_rounding, subgraph_, x, y, 0);
  } else {
    return Internal(op, " node '", node_->name, "' has no XNNPACK lowering");
  }
  return FinishOutput(y);
}

Status XnnLowering::DefinePRelu() {
  const int32_t slope = node_->inputs[1];
  const int64_t channels = plan_.tensors[node_->inputs[0]].shape.back();
  const int64_t c = plan_.tensors[node_->inputs[0]].shape.size() == 4
                        ? plan_.tensors[node_->inputs[0]].shape[1]
                        : channels;
  HostTensor copy = HostTensor::Allocate(DType::kF32, {c});
  if (copy.dtype() == DType::kUndefined)
    return OutOfMemory("cannot copy the slope of ", node_->name);
  const float* src = static_cast<const float*>(StaticData(plan_, slope));
  const bool single = NumElements(plan_.tensors[slope].shape) == 1;
  for (int64_t i = 0; i < c; ++i) copy.as<float>()[i] = src[single ? 0 : i];
  owned_->push_back(std::move(copy));
  MOTA_ASSIGN_OR_RETURN(uint32_t slope_id, Static(owned_->back().data(), {c}));
  MOTA_ASSIGN_OR_RETURN(uint32_t x, Value(node_->inputs[0]));
  Clamp clamp;
  MOTA_ASSIGN_OR_RETURN(uint32_t y, BeginOutput(false, &clamp));
  XNN_CALL(xnn_define_prelu, subgraph_, x, slope_id, y, 0);
  return FinishOutput(y);
}

Status XnnLowering::DefineSoftmax() {
  MOTA_ASSIGN_OR_RETURN(uint32_t x, Value(node_->inputs[0]));
  Clamp c;
  MOTA_ASSIGN_OR_RETURN(uint32_t y, BeginOutput(false, &c));
  XNN_CALL(xnn_define_softmax, subgraph_, x, y, 0);
  return FinishOutput(y);
}

Status XnnLowering::DefineReshape() {
  MOTA_ASSIGN_OR_RETURN(uint32_t x, Value(node_->inputs[0]));
  MOTA_ASSIGN_OR_RETURN(uint32_t y, Value(node_->outputs[0]));
  const std::vector<size_t> dims = Dims(ToNhwcShape(plan_.tensors[node_->outputs[0]].shape));
  XNN_CALL(xnn_define_static_reshape, subgraph_, dims.size(), dims.data(), x, y, 0);
  return Status::Ok();
}

Status XnnLowering::DefinePad() {
  const Shape& xs = plan_.tensors[node_->inputs[0]].shape;
  const std::vector<int64_t> pads = ReadIntValues(plan_.View(node_->inputs[1], nullptr, {}, {}));
  const size_t rank = xs.size();
  if (pads.size() != 2 * rank)
    return Internal("Pad node '", node_->name, "' has ", pads.size(), " pads");
  std::vector<size_t> pre(rank), post(rank);
  for (size_t d = 0; d < rank; ++d) {
    // NHWC dim d holds logical dim perm[d].
    const size_t src = rank == 4 ? (d == 0 ? 0 : d == 3 ? 1 : d + 1) : d;
    pre[d] = static_cast<size_t>(pads[src]);
    post[d] = static_cast<size_t>(pads[src + rank]);
  }
  float value = 0.0f;
  if (Input(*node_, 2) >= 0)
    value = *static_cast<const float*>(StaticData(plan_, node_->inputs[2]));
  MOTA_ASSIGN_OR_RETURN(uint32_t x, Value(node_->inputs[0]));
  Clamp c;
  MOTA_ASSIGN_OR_RETURN(uint32_t y, BeginOutput(false, &c));
  XNN_CALL(xnn_define_static_constant_pad, subgraph_, pre.data(), post.data(), value, x, y, 0);
  return FinishOutput(y);
}

Status XnnLowering::DefineDepthToSpace() {
  MOTA_ASSIGN_OR_RETURN(uint32_t x, Value(node_->inputs[0]));
  MOTA_ASSIGN_OR_RETURN(uint32_t y, Value(node_->outputs[0]));
  const auto block = static_cast<uint32_t>(node_->attrs.GetInt("blocksize", 1));
  XNN_CALL(xnn_define_depth_to_space, subgraph_, x, y, block, 0);
  return Status::Ok();
}

}  // namespace mota::exec::xnn
