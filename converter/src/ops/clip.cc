// Clip: the runtime takes inputs (x, min?, max?) (opset 11+). Clip-6 keeps min and max as float
// attributes (absent = unbounded); they become scalar constants of x's dtype.
#include "converter/src/lowering.h"

namespace mota::converter {
namespace {

Status LowerClip(LoweringContext& ctx) {
  if (ctx.opset() >= 11) return LowerPassthrough(ctx);
  const DType dtype = ctx.input_dtype(0);
  const int32_t min =
      ctx.has_attr("min") ? ctx.AddScalarConstant("min", dtype, ctx.GetFloat("min", 0.0f)) : -1;
  const int32_t max =
      ctx.has_attr("max") ? ctx.AddScalarConstant("max", dtype, ctx.GetFloat("max", 0.0f)) : -1;
  return ctx.Emit("Clip", {}, {ctx.input(0), min, max}, 1);
}

}  // namespace

MOTA_REGISTER_LOWERING(Clip, "Clip", LowerClip);

}  // namespace mota::converter
