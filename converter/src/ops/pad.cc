// Pad: the runtime takes inputs (data, pads, constant_value?, axes?) and attribute mode
// (constant, reflect, edge) (opset 11+). Pad-2 keeps pads and value as attributes: pads becomes
// an i64 constant input and value a scalar constant of data's dtype.
#include "converter/src/lowering.h"

namespace mota::converter {
namespace {

Status LowerPad(LoweringContext& ctx) {
  if (ctx.opset() >= 11) return LowerPassthrough(ctx);
  if (!ctx.has_attr("pads")) return ctx.Error("Pad-2 needs the attribute pads");
  const std::string mode = ctx.GetString("mode", "constant");
  model::Attributes attrs;
  attrs.SetString("mode", mode);
  const int32_t pads = ctx.AddI64Constant("pads", ctx.GetInts("pads"));
  const int32_t value =
      mode == "constant"
          ? ctx.AddScalarConstant("constant_value", ctx.input_dtype(0), ctx.GetFloat("value", 0.0f))
          : -1;
  return ctx.Emit("Pad", std::move(attrs), {ctx.input(0), pads, value}, 1);
}

}  // namespace

MOTA_REGISTER_LOWERING(Pad, "Pad", LowerPad);

}  // namespace mota::converter
