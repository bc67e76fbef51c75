// ConstantOfShape-9: input shape (i64); the ONNX `value` attribute (a one-element tensor,
// default f32 0) becomes the runtime attributes dtype (a mota DType number) and value_float (for
// float dtypes) or value_int (integers and bool).
#include <cstring>

#include "converter/src/lowering.h"

namespace mota::converter {
namespace {

template <typename T>
T Read(const DecodedTensor& t) {
  T v;
  std::memcpy(&v, t.bytes.data(), sizeof(T));
  return v;
}

// The single element of a float tensor.
float FloatValue(const DecodedTensor& t) {
  return t.dtype == DType::kF16 ? HalfToFloat(Read<uint16_t>(t)) : Read<float>(t);
}

// The single element of an integer or bool tensor, exactly (int64 values beyond 2^53 too).
int64_t IntValue(const DecodedTensor& t) {
  switch (t.dtype) {
    case DType::kI8:
      return Read<int8_t>(t);
    case DType::kU8:
    case DType::kBool:
      return Read<uint8_t>(t);
    case DType::kI32:
      return Read<int32_t>(t);
    case DType::kI64:
      return Read<int64_t>(t);
    default:
      return 0;
  }
}

Status LowerConstantOfShape(LoweringContext& ctx) {
  DecodedTensor value;
  value.dtype = DType::kF32;
  value.bytes.assign(4, 0);  // ONNX default: f32 0
  if (const onnx::AttributeProto* a = ctx.attr("value")) {
    auto decoded =
        DecodeTensorProto(a->t(), StrCat("the value of ConstantOfShape '", ctx.name(), "'"));
    if (!decoded.ok() && decoded.status().code() == StatusCode::kUnimplemented) {
      return ctx.Unsupported(decoded.status().message());
    }
    MOTA_RETURN_IF_ERROR(decoded.status());
    value = std::move(decoded).value();
    if (NumElements(value.shape) != 1) {
      return ctx.Error("attribute value has shape ", ShapeToString(value.shape),
                       "; it must hold one element");
    }
  }
  model::Attributes attrs;
  attrs.SetInt("dtype", static_cast<int64_t>(value.dtype));
  if (IsFloatDType(value.dtype)) {
    attrs.SetFloat("value_float", FloatValue(value));
  } else {
    attrs.SetInt("value_int", IntValue(value));
  }
  return ctx.Emit("ConstantOfShape", std::move(attrs), {ctx.input(0)}, 1);
}

}  // namespace

MOTA_REGISTER_LOWERING(ConstantOfShape, "ConstantOfShape", LowerConstantOfShape);

}  // namespace mota::converter
