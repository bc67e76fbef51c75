// HardSigmoid: max(0, min(1, alpha * x + beta)) (ONNX HardSigmoid-6; alpha 0.2, beta 0.5).
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

Status ComputeHardSigmoid(KernelContext& ctx) {
  const float alpha = ctx.attrs().GetFloat("alpha", 0.2f);
  const float beta = ctx.attrs().GetFloat("beta", 0.5f);
  return ComputeUnaryFloat(
      ctx, [alpha, beta](float x) { return std::max(0.0f, std::min(1.0f, alpha * x + beta)); });
}

}  // namespace

MOTA_REGISTER_OP(HardSigmoid,
                 {"HardSigmoid", 1, 1, 1, 1, InferUnary<FloatTypes>, ComputeHardSigmoid});

}  // namespace mota::exec
