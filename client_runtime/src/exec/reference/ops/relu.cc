// Relu: max(x, 0) (ONNX Relu-14) for f32, i32, i64 and i8.
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

Status ComputeRelu(KernelContext& ctx) {
  return ComputeUnarySameType<SignedTypes>(ctx, [](auto x) { return x > 0 ? x : decltype(x){0}; });
}

}  // namespace

MOTA_REGISTER_OP(Relu, {"Relu", 1, 1, 1, 1, InferUnary<SignedTypes>, ComputeRelu});

}  // namespace mota::exec
