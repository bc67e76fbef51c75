// Helpers shared by the quantized reference ops (manifests/spec/quantization.md): reading scale and
// zero-point inputs, and rounding / saturating real values into i8, u8 or i32.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string_view>
#include <vector>

#include "base/dtype.h"
#include "base/status.h"
#include "exec/activation.h"
#include "exec/op_registry.h"
#include "exec/reference/gemm_util.h"
#include "exec/reference/conv_util.h"

namespace mota::exec {

// Scales and zero points of one quantized operand: one entry (per tensor) or one per channel.
struct QuantOperand {
  std::vector<float> scales;
  std::vector<int32_t> zero_points;
  DType dtype = DType::kUndefined;  // the quantized dtype (the zero point's, u8 when absent)

  bool per_channel() const { return scales.size() > 1; }
  float scale(int64_t channel) const { return scales[per_channel() ? channel : 0]; }
  int32_t zero_point(int64_t channel) const {
    return zero_points[zero_points.size() > 1 ? channel : 0];
  }
};

// Reads inputs `scale_input` (f32, scalar or 1-D) and `zp_input` (i8/u8/i32, same count; may be
// absent or -1 for "zero, u8"). `channels` is the count a 1-D operand must have (per channel);
// pass 1 when only per-tensor is allowed. Errors name the node, the input and the expected value.
Result<QuantOperand> ReadQuantOperand(const KernelContext& ctx, int scale_input, int zp_input,
                                      int64_t channels);
// The same check at shape-inference time: dtypes, ranks and counts (values may be unknown).
Status CheckQuantOperand(const InferContext& ctx, int scale_input, int zp_input, int64_t channels);

// Smallest and largest value of an integer dtype (i8, u8, i32).
int64_t QuantMin(DType dtype);
int64_t QuantMax(DType dtype);

// round-half-to-even(value) saturated to [lo, hi]; NaN maps to 0 (ONNX leaves it undefined).
inline int32_t RoundSaturate(float value, int32_t lo, int32_t hi) {
  if (std::isnan(value)) return 0;
  const float r = std::nearbyint(value);  // the default rounding mode: ties to even
  if (r <= static_cast<float>(lo)) return lo;
  if (r >= static_cast<float>(hi)) return hi;
  return static_cast<int32_t>(r);
}

// q = saturate(round(real / scale) + zero_point) for dtype i8 or u8.
inline int32_t QuantizeValue(float real, float scale, int32_t zero_point, DType dtype) {
  const float q = std::nearbyint(real / scale) + static_cast<float>(zero_point);
  return RoundSaturate(q, static_cast<int32_t>(QuantMin(dtype)),
                       static_cast<int32_t>(QuantMax(dtype)));
}

// Reads element i of an i8, u8 or i32 tensor.
int32_t ReadQuantElement(const TensorView& t, int64_t i);
// Writes element i of an i8, u8 or i32 tensor (the value must already be in range).
void WriteQuantElement(const TensorView& t, int64_t i, int32_t value);

// ---------------------------------------------------------------------------------------------
// Per-tensor operands of the mota QLinear ops (QLinearAdd, QLinearMul, QLinearConcat, the
// QLinear pools). Errors name the operand ("input 1 (A_scale)") so a converter bug is easy to find.

// Scale and zero point of one per-tensor operand.
struct TensorQuant {
  float scale = 1.0f;
  int32_t zero_point = 0;

  // real = scale * (q - zero_point), in f32.
  float Dequantize(int32_t q) const { return scale * static_cast<float>(q - zero_point); }
  bool operator==(const TensorQuant& o) const {
    return scale == o.scale && zero_point == o.zero_point;
  }
};

// Input `input` (named `name` in errors) must be present with dtype i8 or u8.
Status CheckInt8Operand(const InferContext& ctx, int input, std::string_view name);
// Shape-time check of operand `name`: input `scale_input` is f32 with exactly one value, input
// `zp_input` (may be omitted) has one value of `dtype` (the operand's data dtype). Known scale
// values must be finite and > 0. Errors read "input 1 (A_scale) has 3 values; expected 1".
Status CheckTensorQuant(const InferContext& ctx, int scale_input, int zp_input,
                        std::string_view name, DType dtype);
// The same checks at run time, then the values; an omitted zero point reads as 0.
Result<TensorQuant> ReadTensorQuant(const KernelContext& ctx, int scale_input, int zp_input,
                                    std::string_view name, DType dtype);

// ---------------------------------------------------------------------------------------------
// Integer cores of the ONNX quantized ops (QLinearConv / ConvInteger, QLinearMatMul /
// MatMulInteger): exact sums of (x - x_zp) * (w - w_zp) products. Accumulation is in int32 when
// the reduction is short enough that it cannot overflow, int64 otherwise; results come back as
// int64 so that the caller picks the output's semantics (ConvInteger wraps to i32 as ONNX does,
// QLinear ops requantize).

// Zero points of an operand without a scale (ConvInteger, MatMulInteger): input `input` (absent:
// one 0) must have dtype `dtype` (the operand's) and 1 or `channels` values. Errors name the input.
Status CheckZeroPoints(const InferContext& ctx, int input, std::string_view name, DType dtype,
                       int64_t channels);
Result<std::vector<int32_t>> ReadZeroPoints(const KernelContext& ctx, int input,
                                            std::string_view name, DType dtype, int64_t channels);

// Conv geometry of an integer convolution: X [N, C, D...] and W [M, C/group, k...] of dtype i8
// or u8 (1-D to 3-D spatial) with Conv's attributes (auto_pad, dilations, group, kernel_shape,
// pads, strides).
struct IntConvProblem {
  int64_t batch = 0;
  int64_t channels = 0;  // C
  int64_t filters = 0;   // M
  int64_t group = 1;
  Window3 w;
  Shape out_shape;  // [N, M, out...]
};
// Checks dtypes, ranks, group and kernel_shape; errors name the node and the values.
Result<IntConvProblem> MakeIntConvProblem(const model::Node& node, const TensorView& x,
                                          const TensorView& w);
// acc[n, m, out...] = sum over the window of (x - x_zp) * (w - w_zp[m]). Padding reads x_zp, so
// it adds 0 (the real value of padding is 0). `w_zp` has 1 or M values.
Status IntConvAccumulate(const KernelContext& ctx, const IntConvProblem& p, const TensorView& x,
                         int32_t x_zp, const TensorView& w, const std::vector<int32_t>& w_zp,
                         int64_t* acc);

// One int64 accumulator per output element of an integer conv / matmul; OUT_OF_MEMORY naming the
// node when the allocation fails.
Result<std::unique_ptr<int64_t[]>> AllocateAccumulators(const KernelContext& ctx, int64_t count);
// acc[batch, i, j] = sum_p (a[i, p] - a_zp[i]) * (b[p, j] - b_zp[j]) for i8 / u8 A and B;
// `a_zp` has 1 or M values (per row), `b_zp` 1 or N (per column).
void IntMatMulAccumulate(const KernelContext& ctx, const MatMulShape& s, const TensorView& a,
                         const std::vector<int32_t>& a_zp, const TensorView& b,
                         const std::vector<int32_t>& b_zp, int64_t* acc);

// Output requantization of QLinearConv / QLinearMatMul with the fused activation
// (manifests/spec/quantization.md): q = saturate(round(acc * multiplier) + y_zp), multiplier =
// in_scale / y_scale computed in f32 (in_scale = x_scale * w_scale[c]). Relu and Clip become a
// clamp of q (exact: quantization is monotonic, so clamping before or after it agrees); the other
// activations run on the real value acc * in_scale, which is then quantized with y's parameters.
struct Requantizer {
  DType dtype = DType::kU8;
  int32_t zero_point = 0;
  float scale = 1.0f;  // y_scale
  int32_t lo = 0, hi = 255;
  Activation act;
  bool real_domain = false;  // the activation needs the real value

  int32_t Apply(int64_t acc, float in_scale) const {
    if (!real_domain) {
      const float v = static_cast<float>(acc) * (in_scale / scale);
      return RoundSaturate(std::nearbyint(v) + static_cast<float>(zero_point), lo, hi);
    }
    const float real = act.Apply(static_cast<float>(acc) * in_scale);
    return RoundSaturate(std::nearbyint(real / scale) + static_cast<float>(zero_point), lo, hi);
  }
};
// y's parameters (per tensor) and the node's fused activation.
Result<Requantizer> MakeRequantizer(const KernelContext& ctx, const QuantOperand& y);

// QuantizeLinear / DequantizeLinear: the number of channels a 1-D scale must match, x's dim at
// attr `axis` (default 1), or 1 for a per-tensor scale (scalar or one value). `inner` receives
// the element count of x's dims after the axis, so element i has channel i / inner % channels.
Result<int64_t> QuantAxisChannels(const model::Node& node, const Shape& x, const TensorView& scale,
                                  int64_t* inner);

}  // namespace mota::exec
