// GreaterOrEqual: numpy-broadcasting a >= b with a bool output (ONNX GreaterOrEqual-16). Inputs
// share one dtype: f32, i32, i64, i8, u8 or bool.
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

Status ComputeGreaterOrEqual(KernelContext& ctx) {
  return ComputeBinaryPredicate<NumericOrBoolTypes>(ctx, [](auto x, auto y) { return x >= y; });
}

}  // namespace

MOTA_REGISTER_OP(GreaterOrEqual,
                 {"GreaterOrEqual", 2, 2, 1, 1, InferBroadcastCompareOf<NumericOrBoolTypes>,
                  ComputeGreaterOrEqual});

}  // namespace mota::exec
