// Add: numpy-broadcasting a + b (ONNX Add-14). Integers wrap around on overflow.
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

Status ComputeAdd(KernelContext& ctx) {
  return ComputeBinaryArithmetic(ctx, [](auto x, auto y) { return WrapAdd(x, y); });
}

}  // namespace

MOTA_REGISTER_OP(Add, {"Add", 2, 2, 1, 1, InferBroadcastBinaryOf<NumericTypes>, ComputeAdd});

}  // namespace mota::exec
