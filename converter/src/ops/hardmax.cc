// Hardmax-1/11/13. Before opset 13 the input was coerced to 2-D at `axis` (default 1); the
// runtime keeps that behaviour under attribute coerce_2d = 1.
#include "converter/src/lowering.h"

namespace mota::converter {
namespace {

Status LowerHardmax(LoweringContext& ctx) { return LowerSoftmaxFamily(ctx); }

}  // namespace

MOTA_REGISTER_LOWERING(Hardmax, "Hardmax", LowerHardmax);

}  // namespace mota::converter
