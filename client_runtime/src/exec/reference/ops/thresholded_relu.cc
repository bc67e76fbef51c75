// ThresholdedRelu: x for x > alpha, 0 otherwise (ONNX ThresholdedRelu-10; alpha 1.0).
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

Status ComputeThresholdedRelu(KernelContext& ctx) {
  const float alpha = ctx.attrs().GetFloat("alpha", 1.0f);
  return ComputeUnaryFloat(ctx, [alpha](float x) { return x > alpha ? x : 0.0f; });
}

}  // namespace

MOTA_REGISTER_OP(ThresholdedRelu,
                 {"ThresholdedRelu", 1, 1, 1, 1, InferUnary<FloatTypes>, ComputeThresholdedRelu});

}  // namespace mota::exec
