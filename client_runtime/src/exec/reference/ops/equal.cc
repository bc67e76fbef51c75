// Equal: numpy-broadcasting a == b with a bool output (ONNX Equal-19). Inputs share one dtype: f32,
// i32, i64, i8, u8 or bool.
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

Status ComputeEqual(KernelContext& ctx) {
  return ComputeBinaryPredicate<NumericOrBoolTypes>(ctx, [](auto x, auto y) { return x == y; });
}

}  // namespace

MOTA_REGISTER_OP(Equal,
                 {"Equal", 2, 2, 1, 1, InferBroadcastCompareOf<NumericOrBoolTypes>, ComputeEqual});

}  // namespace mota::exec
