// Elu: x for x >= 0, alpha * (exp(x) - 1) otherwise (ONNX Elu-6; alpha 1.0).
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

Status ComputeElu(KernelContext& ctx) {
  const float alpha = ctx.attrs().GetFloat("alpha", 1.0f);
  return ComputeUnaryFloat(ctx, [alpha](float x) { return x < 0.0f ? alpha * std::expm1(x) : x; });
}

}  // namespace

MOTA_REGISTER_OP(Elu, {"Elu", 1, 1, 1, 1, InferUnary<FloatTypes>, ComputeElu});

}  // namespace mota::exec
