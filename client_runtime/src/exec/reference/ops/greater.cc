// Greater: numpy-broadcasting a > b with a bool output (ONNX Greater-13). Inputs share one dtype:
// f32, i32, i64, i8, u8 or bool.
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

Status ComputeGreater(KernelContext& ctx) {
  return ComputeBinaryPredicate<NumericOrBoolTypes>(ctx, [](auto x, auto y) { return x > y; });
}

}  // namespace

MOTA_REGISTER_OP(Greater, {"Greater", 2, 2, 1, 1, InferBroadcastCompareOf<NumericOrBoolTypes>,
                           ComputeGreater});

}  // namespace mota::exec
