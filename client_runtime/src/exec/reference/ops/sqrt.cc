// Sqrt: square root (ONNX Sqrt-13); negative inputs give NaN.
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

Status ComputeSqrt(KernelContext& ctx) {
  return ComputeUnaryFloat(ctx, [](float x) { return std::sqrt(x); });
}

}  // namespace

MOTA_REGISTER_OP(Sqrt, {"Sqrt", 1, 1, 1, 1, InferUnary<FloatTypes>, ComputeSqrt});

}  // namespace mota::exec
