// Dropout-7/10/12/13: at inference it is the identity, so it becomes Identity (which the passes
// remove). The mask output must be unused, and training_mode (opset 12+) must be a constant
// false.
#include "converter/src/lowering.h"

namespace mota::converter {
namespace {

Status LowerDropout(LoweringContext& ctx) {
  MOTA_RETURN_IF_ERROR(RequireOutputUnused(ctx, 1, "the dropout mask"));
  if (ctx.input(2) >= 0) {
    const model::TensorInfo* training = ctx.constant_input(2);
    if (training == nullptr) {
      return ctx.Unsupported("training_mode is not a constant; mota runs inference only");
    }
    for (size_t i = 0; i < training->constant.size; ++i) {
      if (training->constant.data[i] != 0) {
        return ctx.Unsupported("training_mode is true; mota runs inference only");
      }
    }
  }
  return ctx.Emit("Identity", {}, {ctx.input(0)}, 1);
}

}  // namespace

MOTA_REGISTER_LOWERING(Dropout, "Dropout", LowerDropout);

}  // namespace mota::converter
