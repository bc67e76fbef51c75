// LeakyRelu: x for x >= 0, alpha * x otherwise (ONNX LeakyRelu-16; alpha 0.01).
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

Status ComputeLeakyRelu(KernelContext& ctx) {
  const float alpha = ctx.attrs().GetFloat("alpha", 0.01f);
  return ComputeUnaryFloat(ctx, [alpha](float x) { return x >= 0.0f ? x : alpha * x; });
}

}  // namespace

MOTA_REGISTER_OP(LeakyRelu, {"LeakyRelu", 1, 1, 1, 1, InferUnary<FloatTypes>, ComputeLeakyRelu});

}  // namespace mota::exec
