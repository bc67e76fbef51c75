// Celu: max(0, x) + min(0, alpha * (exp(x / alpha) - 1)) (ONNX Celu-12; alpha 1.0).
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

Status ComputeCelu(KernelContext& ctx) {
  const float alpha = ctx.attrs().GetFloat("alpha", 1.0f);
  return ComputeUnaryFloat(ctx, [alpha](float x) {
    return std::max(x, 0.0f) + std::min(0.0f, alpha * std::expm1(x / alpha));
  });
}

}  // namespace

MOTA_REGISTER_OP(Celu, {"Celu", 1, 1, 1, 1, InferUnary<FloatTypes>, ComputeCelu});

}  // namespace mota::exec
