// Or: numpy-broadcasting logical or of two bool tensors (ONNX Or-7). Any nonzero byte is true.
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

Status ComputeOr(KernelContext& ctx) {
  return ComputeBinaryPredicate<BoolTypes>(ctx,
                                           [](uint8_t x, uint8_t y) { return x != 0 || y != 0; });
}

}  // namespace

MOTA_REGISTER_OP(Or, {"Or", 2, 2, 1, 1, InferBroadcastCompareOf<BoolTypes>, ComputeOr});

}  // namespace mota::exec
