// ReduceSum: the runtime takes the opset-18 form, inputs (data, axes?) and attributes keepdims,
// noop_with_empty_axes. Before opset 13, `axes` is an attribute and becomes an i64 constant input.
#include "converter/src/lowering.h"

namespace mota::converter {
namespace {

Status LowerReduceSum(LoweringContext& ctx) { return LowerAxesToInput(ctx, 13); }

}  // namespace

MOTA_REGISTER_LOWERING(ReduceSum, "ReduceSum", LowerReduceSum);

}  // namespace mota::converter
