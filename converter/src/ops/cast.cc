// Cast-6/9/13: attribute `to` holds an ONNX TensorProto dtype number; the runtime's `to` is a
// mota DType number (model.fbs DType). A target mota does not hold makes the node unsupported.
#include "converter/src/lowering.h"

namespace mota::converter {
namespace {

Status LowerCast(LoweringContext& ctx) {
  if (!ctx.has_attr("to")) return ctx.Error("needs the attribute to");
  const int64_t to = ctx.GetInt("to", 0);
  const DType dtype = DTypeFromOnnx(static_cast<int32_t>(to));
  if (dtype == DType::kUndefined) {
    return ctx.Unsupported("cast to ", OnnxDTypeName(static_cast<int32_t>(to)),
                           ", which mota does not support (f32, f16, i8, u8, i32, i64, bool)");
  }
  MOTA_ASSIGN_OR_RETURN(model::Attributes attrs, ctx.CopyAttributes({"to"}));
  attrs.SetInt("to", static_cast<int64_t>(dtype));
  return ctx.Emit("Cast", std::move(attrs), {ctx.input(0)}, 1);
}

}  // namespace

MOTA_REGISTER_LOWERING(Cast, "Cast", LowerCast);

}  // namespace mota::converter
