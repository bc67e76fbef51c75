// Upsample-7/9 (deprecated in 10) becomes Resize with coordinate_transformation_mode asymmetric
// and nearest_mode floor, which is how Upsample samples. Upsample-7 keeps scales as an attribute
// (it becomes an f32 constant input); Upsample-9 takes it as input 1.
#include "converter/src/lowering.h"

namespace mota::converter {
namespace {

Status LowerUpsample(LoweringContext& ctx) {
  std::string mode = ctx.GetString("mode", "nearest");
  if (mode == "bilinear") mode = "linear";  // Upsample-1's name for it; linear covers any rank
  if (mode != "nearest" && mode != "linear") {
    return ctx.Error("mode '", mode, "' is not an Upsample mode (nearest, linear)");
  }
  int32_t scales = ctx.input(1);
  if (ctx.opset() < 9) {
    const std::vector<float> values = ctx.GetFloats("scales");
    if (values.empty()) return ctx.Error("Upsample-7 needs the attribute scales");
    scales = ctx.AddF32Constant("scales", values, {static_cast<int64_t>(values.size())});
  }
  if (scales < 0) return ctx.Error("has no scales input");
  model::Attributes attrs;
  attrs.SetString("mode", mode);
  attrs.SetString("coordinate_transformation_mode", "asymmetric");
  attrs.SetString("nearest_mode", "floor");
  return ctx.Emit("Resize", std::move(attrs), {ctx.input(0), -1, scales}, 1);
}

}  // namespace

MOTA_REGISTER_LOWERING(Upsample, "Upsample", LowerUpsample);

}  // namespace mota::converter
