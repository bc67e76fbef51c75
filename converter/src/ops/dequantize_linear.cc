// DequantizeLinear-10/13/19/21 -> the runtime's ONNX-13 form (x, x_scale, x_zero_point?; attr
// axis), output f32. ONNX-10 has no axis (its scale is a scalar, per tensor whatever the axis).
// f16 scales (ONNX-19, f16 output), blocked dequantization (ONNX-21 block_size > 0) and inputs
// other than i8, u8 and i32 are unsupported.
#include "converter/src/lowering.h"

namespace mota::converter {
namespace {

Status LowerDequantizeLinear(LoweringContext& ctx) {
  if (ctx.GetInt("block_size", 0) != 0)
    return ctx.Unsupported("blocked dequantization (block_size ", ctx.GetInt("block_size", 0),
                           ") is not supported; only per-tensor and per-axis scales are");
  const DType scale = ctx.input_dtype(1);
  if (scale != DType::kUndefined && scale != DType::kF32)
    return ctx.Unsupported("x_scale has dtype ", DTypeName(scale),
                           "; mota supports f32 scales (f32 output)");
  const DType x = ctx.input_dtype(0);
  if (x != DType::kUndefined && x != DType::kI8 && x != DType::kU8 && x != DType::kI32)
    return ctx.Unsupported("dequantizing ", DTypeName(x), " is not supported (i8, u8, i32 are)");
  MOTA_ASSIGN_OR_RETURN(model::Attributes attrs, ctx.CopyAttributes({"block_size"}));
  return ctx.Emit("DequantizeLinear", std::move(attrs), ctx.inputs(), 1);
}

}  // namespace

MOTA_REGISTER_LOWERING(DequantizeLinear, "DequantizeLinear", LowerDequantizeLinear);

}  // namespace mota::converter
