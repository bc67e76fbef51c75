// Xor: numpy-broadcasting logical xor of two bool tensors (ONNX Xor-7). Any nonzero byte is true.
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

Status ComputeXor(KernelContext& ctx) {
  return ComputeBinaryPredicate<BoolTypes>(
      ctx, [](uint8_t x, uint8_t y) { return (x != 0) != (y != 0); });
}

}  // namespace

MOTA_REGISTER_OP(Xor, {"Xor", 2, 2, 1, 1, InferBroadcastCompareOf<BoolTypes>, ComputeXor});

}  // namespace mota::exec
