// Reciprocal: 1 / x (ONNX Reciprocal-13).
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

Status ComputeReciprocal(KernelContext& ctx) {
  return ComputeUnaryFloat(ctx, [](float x) { return 1.0f / x; });
}

}  // namespace

MOTA_REGISTER_OP(Reciprocal, {"Reciprocal", 1, 1, 1, 1, InferUnary<FloatTypes>, ComputeReciprocal});

}  // namespace mota::exec
