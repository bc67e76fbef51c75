// And: numpy-broadcasting logical and of two bool tensors (ONNX And-7). Any nonzero byte is true.
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

Status ComputeAnd(KernelContext& ctx) {
  return ComputeBinaryPredicate<BoolTypes>(ctx,
                                           [](uint8_t x, uint8_t y) { return x != 0 && y != 0; });
}

}  // namespace

MOTA_REGISTER_OP(And, {"And", 2, 2, 1, 1, InferBroadcastCompareOf<BoolTypes>, ComputeAnd});

}  // namespace mota::exec
