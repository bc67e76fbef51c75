// Mul: numpy-broadcasting a * b (ONNX Mul-14). Integers wrap around on overflow.
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

Status ComputeMul(KernelContext& ctx) {
  return ComputeBinaryArithmetic(ctx, [](auto x, auto y) { return WrapMul(x, y); });
}

}  // namespace

MOTA_REGISTER_OP(Mul, {"Mul", 2, 2, 1, 1, InferBroadcastBinaryOf<NumericTypes>, ComputeMul});

}  // namespace mota::exec
