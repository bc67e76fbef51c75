// Split: the runtime takes inputs (input, split?) and attributes axis, num_outputs (opset 18).
// Before opset 13 `split` is an attribute and becomes an i64 constant input. Without split
// sizes the input is split evenly into as many parts as the node has outputs.
#include "converter/src/lowering.h"

namespace mota::converter {
namespace {

Status LowerSplit(LoweringContext& ctx) {
  MOTA_ASSIGN_OR_RETURN(model::Attributes attrs, ctx.CopyAttributes({"split"}));
  int32_t split = ctx.input(1);
  if (ctx.opset() < 13) {
    split = ctx.has_attr("split") ? ctx.AddI64Constant("split", ctx.GetInts("split")) : -1;
  }
  if (split < 0) attrs.SetInt("num_outputs", static_cast<int64_t>(ctx.num_outputs()));
  return ctx.Emit("Split", std::move(attrs), {ctx.input(0), split}, ctx.num_outputs());
}

}  // namespace

MOTA_REGISTER_LOWERING(Split, "Split", LowerSplit);

}  // namespace mota::converter
