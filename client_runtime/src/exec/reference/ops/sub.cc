// Sub: numpy-broadcasting a - b (ONNX Sub-14). Integers wrap around on overflow.
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

Status ComputeSub(KernelContext& ctx) {
  return ComputeBinaryArithmetic(ctx, [](auto x, auto y) { return WrapSub(x, y); });
}

}  // namespace

MOTA_REGISTER_OP(Sub, {"Sub", 2, 2, 1, 1, InferBroadcastBinaryOf<NumericTypes>, ComputeSub});

}  // namespace mota::exec
