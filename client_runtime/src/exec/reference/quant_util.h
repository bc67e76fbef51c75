// Helpers shared by the quantized reference ops (manifests/spec/quantization.md): reading scale and
// zero-point inputs, and rounding / saturating real values into i8, u8 or i32.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "base/dtype.h"
#include "base/status.h"
#include "exec/op_registry.h"

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

}  // namespace mota::exec
