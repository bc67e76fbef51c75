// QuantizeLinear (ONNX-13; the ONNX-10 form is the same with a scalar scale): y = saturate(
// round_half_even(x / y_scale) + y_zero_point). x is f32 (also f16 or i32, as ONNX allows);
// y_scale is a scalar (per tensor) or 1-D along attr `axis` (default 1, per channel); y's dtype is
// the zero point's, i8 or u8 (u8 when the zero point is absent).
#include "exec/reference/op_util.h"
#include "exec/reference/quant_util.h"

namespace mota::exec {
namespace {

enum Input : int { kX = 0, kScale = 1, kZeroPoint = 2 };

Status InferQuantizeLinear(InferContext& ctx) {
  const TensorView& x = ctx.inputs[kX];
  if (x.dtype != DType::kF32 && x.dtype != DType::kF16 && x.dtype != DType::kI32)
    return ctx.Error("input 0 (x) has dtype ", DTypeName(x.dtype), "; expected f32, f16 or i32");
  if (!ctx.has_input(kScale)) return ctx.Error("input 1 (y_scale) is missing");
  int64_t inner = 1;
  MOTA_ASSIGN_OR_RETURN(int64_t channels,
                        QuantAxisChannels(ctx.node, x.shape, ctx.inputs[kScale], &inner));
  MOTA_RETURN_IF_ERROR(CheckQuantOperand(ctx, kScale, kZeroPoint, channels));
  DType out = DType::kU8;
  if (ctx.has_input(kZeroPoint)) {
    out = ctx.inputs[kZeroPoint].dtype;
    if (out != DType::kI8 && out != DType::kU8)
      return ctx.Error("input 2 (y_zero_point) has dtype ", DTypeName(out),
                       "; expected i8 or u8 (it sets the output's dtype)");
  }
  ctx.outputs[0] = {out, x.shape, nullptr};
  return Status::Ok();
}

// x's element i as a float.
float ReadReal(const TensorView& x, int64_t i) {
  switch (x.dtype) {
    case DType::kF16:
      return HalfToFloat(x.as<const uint16_t>()[i]);
    case DType::kI32:
      return static_cast<float>(x.as<const int32_t>()[i]);
    default:
      return x.as<const float>()[i];
  }
}

Status ComputeQuantizeLinear(KernelContext& ctx) {
  const TensorView& x = ctx.inputs[kX];
  int64_t inner = 1;
  MOTA_ASSIGN_OR_RETURN(int64_t channels,
                        QuantAxisChannels(ctx.node, x.shape, ctx.inputs[kScale], &inner));
  MOTA_ASSIGN_OR_RETURN(QuantOperand q, ReadQuantOperand(ctx, kScale, kZeroPoint, channels));
  const TensorView& y = ctx.outputs[0];
  const int64_t n = x.numel();
  ParallelFor(ctx.pool, n, 4096, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const int64_t c = q.per_channel() ? i / inner % channels : 0;
      WriteQuantElement(y, i, QuantizeValue(ReadReal(x, i), q.scale(c), q.zero_point(c), y.dtype));
    }
  });
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(QuantizeLinear,
                 {"QuantizeLinear", 2, 3, 1, 1, InferQuantizeLinear, ComputeQuantizeLinear});

}  // namespace mota::exec
