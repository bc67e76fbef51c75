// DequantizeLinear (ONNX-13; the ONNX-10 form is the same with a scalar scale): y = (x -
// x_zero_point) * x_scale in f32. x is i8, u8 or i32 and its zero point (optional, 0 when absent)
// has x's dtype; x_scale is a scalar (per tensor) or 1-D along attr `axis` (default 1).
#include "exec/reference/op_util.h"
#include "exec/reference/quant_util.h"

namespace mota::exec {
namespace {

enum Input : int { kX = 0, kScale = 1, kZeroPoint = 2 };

// x's zero point, when present, must have x's dtype.
Status CheckZeroPointDType(const model::Node& node, const TensorView& x, const TensorView& zp) {
  if (!zp.present() || zp.dtype == x.dtype) return Status::Ok();
  return InvalidArgument(node.op_type, " node '", node.name, "': input 2 (x_zero_point) has dtype ",
                         DTypeName(zp.dtype), " but input 0 (x) is ", DTypeName(x.dtype),
                         "; expected the same dtype");
}

Status InferDequantizeLinear(InferContext& ctx) {
  const TensorView& x = ctx.inputs[kX];
  if (x.dtype != DType::kI8 && x.dtype != DType::kU8 && x.dtype != DType::kI32)
    return ctx.Error("input 0 (x) has dtype ", DTypeName(x.dtype), "; expected i8, u8 or i32");
  if (!ctx.has_input(kScale)) return ctx.Error("input 1 (x_scale) is missing");
  int64_t inner = 1;
  MOTA_ASSIGN_OR_RETURN(int64_t channels,
                        QuantAxisChannels(ctx.node, x.shape, ctx.inputs[kScale], &inner));
  MOTA_RETURN_IF_ERROR(CheckQuantOperand(ctx, kScale, kZeroPoint, channels));
  if (ctx.has_input(kZeroPoint))
    MOTA_RETURN_IF_ERROR(CheckZeroPointDType(ctx.node, x, ctx.inputs[kZeroPoint]));
  ctx.outputs[0] = {DType::kF32, x.shape, nullptr};
  return Status::Ok();
}

Status ComputeDequantizeLinear(KernelContext& ctx) {
  const TensorView& x = ctx.inputs[kX];
  int64_t inner = 1;
  MOTA_ASSIGN_OR_RETURN(int64_t channels,
                        QuantAxisChannels(ctx.node, x.shape, ctx.inputs[kScale], &inner));
  MOTA_ASSIGN_OR_RETURN(QuantOperand q, ReadQuantOperand(ctx, kScale, kZeroPoint, channels));
  if (ctx.has_input(kZeroPoint))
    MOTA_RETURN_IF_ERROR(CheckZeroPointDType(ctx.node, x, ctx.inputs[kZeroPoint]));
  float* y = ctx.outputs[0].as<float>();
  ParallelFor(ctx.pool, x.numel(), 4096, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const int64_t c = q.per_channel() ? i / inner % channels : 0;
      // int64: an i32 x minus its zero point may leave the i32 range.
      const int64_t centered = int64_t{ReadQuantElement(x, i)} - q.zero_point(c);
      y[i] = static_cast<float>(centered) * q.scale(c);
    }
  });
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(DequantizeLinear,
                 {"DequantizeLinear", 2, 3, 1, 1, InferDequantizeLinear, ComputeDequantizeLinear});

}  // namespace mota::exec
