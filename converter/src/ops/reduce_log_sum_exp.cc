// ReduceLogSumExp: the runtime takes the opset-18 form, inputs (data, axes?) and attributes
// keepdims, noop_with_empty_axes. Before opset 18, `axes` is an attribute and becomes an i64
// constant input.
#include "converter/src/lowering.h"

namespace mota::converter {
namespace {

Status LowerReduceLogSumExp(LoweringContext& ctx) { return LowerAxesToInput(ctx, 18); }

}  // namespace

MOTA_REGISTER_LOWERING(ReduceLogSumExp, "ReduceLogSumExp", LowerReduceLogSumExp);

}  // namespace mota::converter
