// QuantizeLinear-10/13/19/21 -> the runtime's ONNX-13 form (x, y_scale, y_zero_point?; attr
// axis). ONNX-10 has no axis (its scale is a scalar, which the runtime treats as per tensor
// whatever the axis). ONNX-19's `saturate` only concerns float8 outputs, which mota does not
// have, so it is dropped. ONNX-21's blocked quantization (block_size > 0) is unsupported; its
// `output_dtype` becomes an explicit zero point of that dtype when the zero point is omitted.
#include "converter/src/lowering.h"

namespace mota::converter {
namespace {

bool IsInt8(DType d) { return d == DType::kI8 || d == DType::kU8; }

Status LowerQuantizeLinear(LoweringContext& ctx) {
  if (ctx.GetInt("block_size", 0) != 0)
    return ctx.Unsupported("blocked quantization (block_size ", ctx.GetInt("block_size", 0),
                           ") is not supported; only per-tensor and per-axis scales are");
  const DType scale = ctx.input_dtype(1);
  if (scale != DType::kUndefined && scale != DType::kF32)
    return ctx.Unsupported("y_scale has dtype ", DTypeName(scale), "; mota supports f32 scales");
  std::vector<int32_t> inputs = {ctx.input(0), ctx.input(1), ctx.input(2)};
  const DType zp = ctx.input_dtype(2);
  if (ctx.input(2) >= 0 && zp != DType::kUndefined && !IsInt8(zp))
    return ctx.Unsupported("quantizing to ", DTypeName(zp), " is not supported (i8 and u8 are)");
  const int64_t output_dtype = ctx.GetInt("output_dtype", 0);
  if (output_dtype != 0) {
    const DType out = DTypeFromOnnx(static_cast<int32_t>(output_dtype));
    if (!IsInt8(out))
      return ctx.Unsupported("output_dtype ", OnnxDTypeName(static_cast<int32_t>(output_dtype)),
                             " is not supported (i8 and u8 are)");
    if (ctx.input(2) < 0) inputs[2] = ctx.AddScalarConstant("y_zero_point", out, 0);
  }
  MOTA_ASSIGN_OR_RETURN(model::Attributes attrs,
                        ctx.CopyAttributes({"saturate", "block_size", "output_dtype"}));
  return ctx.Emit("QuantizeLinear", std::move(attrs), std::move(inputs), 1);
}

}  // namespace

MOTA_REGISTER_LOWERING(QuantizeLinear, "QuantizeLinear", LowerQuantizeLinear);

}  // namespace mota::converter
