// Selu: gamma * x for x > 0, gamma * alpha * (exp(x) - 1) otherwise (ONNX Selu-6;
// defaults alpha 1.67326319..., gamma 1.05070102...).
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

Status ComputeSelu(KernelContext& ctx) {
  const float alpha = ctx.attrs().GetFloat("alpha", 1.67326319217681884765625f);
  const float gamma = ctx.attrs().GetFloat("gamma", 1.05070102214813232421875f);
  return ComputeUnaryFloat(ctx, [alpha, gamma](float x) {
    return x > 0.0f ? gamma * x : gamma * alpha * std::expm1(x);
  });
}

}  // namespace

MOTA_REGISTER_OP(Selu, {"Selu", 1, 1, 1, 1, InferUnary<FloatTypes>, ComputeSelu});

}  // namespace mota::exec
