// Resize: the runtime takes inputs (X, roi?, scales?, sizes?) and the opset-18 attributes.
//   Resize-10: inputs (X, scales), attribute mode; it samples like Upsample, so it becomes
//              Resize with coordinate_transformation_mode asymmetric and nearest_mode floor.
//   Resize-11/13: attributes copied. Older exporters pass an empty tensor for an unused roi or
//              scales; those become omitted inputs. tf_half_pixel_for_nn (removed in 13) is not
//              supported.
#include "converter/src/lowering.h"

namespace mota::converter {
namespace {

// -1 when input i is omitted or an empty constant (ONNX's "not given" before opset 13).
int32_t OptionalInput(const LoweringContext& ctx, size_t i) {
  const model::TensorInfo* t = ctx.constant_input(i);
  if (t != nullptr && NumElements(t->StaticShape()) == 0) return -1;
  return ctx.input(i);
}

Status LowerResize10(LoweringContext& ctx) {
  model::Attributes attrs;
  attrs.SetString("mode", ctx.GetString("mode", "nearest"));
  attrs.SetString("coordinate_transformation_mode", "asymmetric");
  attrs.SetString("nearest_mode", "floor");
  return ctx.Emit("Resize", std::move(attrs), {ctx.input(0), -1, ctx.input(1)}, 1);
}

Status LowerResize(LoweringContext& ctx) {
  if (ctx.opset() < 11) return LowerResize10(ctx);
  if (ctx.GetString("coordinate_transformation_mode", "") == "tf_half_pixel_for_nn") {
    return ctx.Unsupported(
        "coordinate_transformation_mode tf_half_pixel_for_nn (opset 11 only) is "
        "not supported");
  }
  MOTA_ASSIGN_OR_RETURN(model::Attributes attrs, ctx.CopyAttributes());
  return ctx.Emit("Resize", std::move(attrs),
                  {ctx.input(0), OptionalInput(ctx, 1), OptionalInput(ctx, 2), ctx.input(3)}, 1);
}

}  // namespace

MOTA_REGISTER_LOWERING(Resize, "Resize", LowerResize);

}  // namespace mota::converter
