// DynamicQuantizeLinear (ONNX-11): quantizes f32 x to u8 with parameters computed from x's range
// widened to include 0, as ONNX defines it:
//   scale = (max(0, max x) - min(0, min x)) / 255   (1 / 255 when that range is empty)
//   zero_point = round_half_even(clamp(0 - min / scale, 0, 255))
//   y = saturate(round_half_even(x / scale) + zero_point)
// Outputs y (u8, x's shape), y_scale (f32 scalar), y_zero_point (u8 scalar).
#include <algorithm>
#include <cmath>

#include "exec/reference/quant_util.h"

namespace mota::exec {
namespace {

Status InferDynamicQuantizeLinear(InferContext& ctx) {
  const TensorView& x = ctx.inputs[0];
  if (x.dtype != DType::kF32)
    return ctx.Error("input 0 (x) has dtype ", DTypeName(x.dtype), "; expected f32");
  ctx.outputs[0] = {DType::kU8, x.shape, nullptr};
  if (ctx.outputs.size() > 1) ctx.outputs[1] = {DType::kF32, {}, nullptr};
  if (ctx.outputs.size() > 2) ctx.outputs[2] = {DType::kU8, {}, nullptr};
  return Status::Ok();
}

Status ComputeDynamicQuantizeLinear(KernelContext& ctx) {
  const TensorView& x = ctx.inputs[0];
  const float* data = x.as<const float>();
  const int64_t n = x.numel();
  float lo = 0.0f, hi = 0.0f;  // the range always includes 0
  for (int64_t i = 0; i < n; ++i) {
    if (std::isnan(data[i]))
      return ctx.Error("input 0 (x) holds NaN at element ", i, "; its range is undefined");
    lo = std::min(lo, data[i]);
    hi = std::max(hi, data[i]);
  }
  const float scale = (hi == lo ? 1.0f : hi - lo) / 255.0f;
  const float zp = std::nearbyint(std::clamp(0.0f - lo / scale, 0.0f, 255.0f));
  const int32_t zero_point = static_cast<int32_t>(zp);
  uint8_t* y = ctx.outputs[0].as<uint8_t>();
  for (int64_t i = 0; i < n; ++i)
    y[i] = static_cast<uint8_t>(QuantizeValue(data[i], scale, zero_point, DType::kU8));
  if (ctx.outputs.size() > 1 && ctx.outputs[1].data != nullptr) *ctx.outputs[1].as<float>() = scale;
  if (ctx.outputs.size() > 2 && ctx.outputs[2].data != nullptr)
    *ctx.outputs[2].as<uint8_t>() = static_cast<uint8_t>(zero_point);
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(DynamicQuantizeLinear, {"DynamicQuantizeLinear", 1, 1, 1, 3,
                                         InferDynamicQuantizeLinear, ComputeDynamicQuantizeLinear});

}  // namespace mota::exec
