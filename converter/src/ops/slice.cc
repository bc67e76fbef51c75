// Slice: the runtime takes inputs (data, starts, ends, axes?, steps?) (opset 10+). Slice-1 keeps
// starts, ends and axes as attributes; they become i64 constant inputs.
#include "converter/src/lowering.h"

namespace mota::converter {
namespace {

Status LowerSlice(LoweringContext& ctx) {
  if (ctx.opset() >= 10) return LowerPassthrough(ctx);
  if (!ctx.has_attr("starts") || !ctx.has_attr("ends")) {
    return ctx.Error("Slice-1 needs the attributes starts and ends");
  }
  const int32_t starts = ctx.AddI64Constant("starts", ctx.GetInts("starts"));
  const int32_t ends = ctx.AddI64Constant("ends", ctx.GetInts("ends"));
  const int32_t axes = ctx.has_attr("axes") ? ctx.AddI64Constant("axes", ctx.GetInts("axes")) : -1;
  return ctx.Emit("Slice", {}, {ctx.input(0), starts, ends, axes}, 1);
}

}  // namespace

MOTA_REGISTER_LOWERING(Slice, "Slice", LowerSlice);

}  // namespace mota::converter
