// BatchNormalization-7/9/14/15, inference only: inputs (X, scale, B, mean, var), attribute
// epsilon, one output. The training outputs (running and saved statistics) must be unused;
// momentum only matters for training and is dropped, as is opset 7's spatial = 1 (the default).
#include "converter/src/lowering.h"

namespace mota::converter {
namespace {

Status LowerBatchNormalization(LoweringContext& ctx) {
  if (ctx.num_inputs() != 5) return ctx.Error("has ", ctx.num_inputs(), " inputs; it needs 5");
  if (ctx.GetInt("training_mode", 0) != 0) {
    return ctx.Unsupported("training_mode = 1; mota runs inference only");
  }
  if (ctx.GetInt("spatial", 1) == 0) {
    return ctx.Unsupported("spatial = 0 (per-activation statistics) is not supported");
  }
  for (size_t i = 1; i < ctx.num_outputs(); ++i) {
    MOTA_RETURN_IF_ERROR(RequireOutputUnused(ctx, i, "a training statistic"));
  }
  model::Attributes attrs;
  attrs.SetFloat("epsilon", ctx.GetFloat("epsilon", 1e-5f));
  return ctx.Emit("BatchNormalization", std::move(attrs), ctx.inputs(), 1);
}

}  // namespace

MOTA_REGISTER_LOWERING(BatchNormalization, "BatchNormalization", LowerBatchNormalization);

}  // namespace mota::converter
