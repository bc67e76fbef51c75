// Constant-1/9/11/12/13 becomes a constant tensor, never a node. Its value comes from exactly one
// attribute: value (a tensor), value_float(s) (f32) or value_int(s) (i64). Strings and sparse
// tensors are not supported.
#include <cstring>

#include "converter/src/lowering.h"

namespace mota::converter {
namespace {

template <typename T>
DecodedTensor FromValues(DType dtype, const std::vector<T>& values, Shape shape) {
  DecodedTensor t;
  t.dtype = dtype;
  t.shape = std::move(shape);
  t.bytes.resize(values.size() * sizeof(T));
  if (!values.empty()) std::memcpy(t.bytes.data(), values.data(), t.bytes.size());
  return t;
}

Result<DecodedTensor> ConstantValue(const LoweringContext& ctx) {
  if (const onnx::AttributeProto* a = ctx.attr("value")) {
    auto decoded = DecodeTensorProto(a->t(), StrCat("the value of Constant '", ctx.name(), "'"));
    if (!decoded.ok() && decoded.status().code() == StatusCode::kUnimplemented) {
      return ctx.Unsupported(decoded.status().message());
    }
    return decoded;
  }
  if (ctx.has_attr("value_float")) {
    return FromValues(DType::kF32, std::vector<float>{ctx.GetFloat("value_float", 0)}, {});
  }
  if (ctx.has_attr("value_int")) {
    return FromValues(DType::kI64, std::vector<int64_t>{ctx.GetInt("value_int", 0)}, {});
  }
  if (ctx.has_attr("value_floats")) {
    const std::vector<float> v = ctx.GetFloats("value_floats");
    return FromValues(DType::kF32, v, {static_cast<int64_t>(v.size())});
  }
  if (ctx.has_attr("value_ints")) {
    const std::vector<int64_t> v = ctx.GetInts("value_ints");
    return FromValues(DType::kI64, v, {static_cast<int64_t>(v.size())});
  }
  for (const char* name : {"value_string", "value_strings", "sparse_value"}) {
    if (ctx.has_attr(name)) return ctx.Unsupported("attribute ", name, " is not supported");
  }
  return ctx.Error("has no value attribute (value, value_float(s) or value_int(s))");
}

Status LowerConstant(LoweringContext& ctx) {
  // Like unused initializers, constants nobody reads are not carried over.
  if (!ctx.output_used(0)) return Status::Ok();
  MOTA_ASSIGN_OR_RETURN(DecodedTensor value, ConstantValue(ctx));
  return ctx.DefineConstantOutput(0, std::move(value));
}

}  // namespace

MOTA_REGISTER_LOWERING(Constant, "Constant", LowerConstant);

}  // namespace mota::converter
