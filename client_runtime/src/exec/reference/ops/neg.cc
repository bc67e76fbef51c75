// Neg: -x (ONNX Neg-13) for f32, i32, i64 and i8. Integers wrap like numpy: -INT_MIN is INT_MIN.
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

Status ComputeNeg(KernelContext& ctx) {
  return ComputeUnarySameType<SignedTypes>(ctx, [](auto x) { return WrapNegate(x); });
}

}  // namespace

MOTA_REGISTER_OP(Neg, {"Neg", 1, 1, 1, 1, InferUnary<SignedTypes>, ComputeNeg});

}  // namespace mota::exec
