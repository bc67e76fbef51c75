// Squeeze: the runtime takes inputs (data, axes?). Before opset 13, `axes` is an attribute
// and becomes an i64 constant input.
#include "converter/src/lowering.h"

namespace mota::converter {
namespace {

Status LowerSqueeze(LoweringContext& ctx) { return LowerAxesToInput(ctx, 13); }

}  // namespace

MOTA_REGISTER_LOWERING(Squeeze, "Squeeze", LowerSqueeze);

}  // namespace mota::converter
