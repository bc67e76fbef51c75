// Less: numpy-broadcasting a < b with a bool output (ONNX Less-13). Inputs share one dtype: f32,
// i32, i64, i8, u8 or bool.
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

Status ComputeLess(KernelContext& ctx) {
  return ComputeBinaryPredicate<NumericOrBoolTypes>(ctx, [](auto x, auto y) { return x < y; });
}

}  // namespace

MOTA_REGISTER_OP(Less,
                 {"Less", 2, 2, 1, 1, InferBroadcastCompareOf<NumericOrBoolTypes>, ComputeLess});

}  // namespace mota::exec
