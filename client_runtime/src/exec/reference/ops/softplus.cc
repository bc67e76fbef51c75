// Softplus: log(1 + exp(x)) (ONNX Softplus-1), in a form that does not overflow for
// large x: max(x, 0) + log1p(exp(-|x|)).
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

Status ComputeSoftplus(KernelContext& ctx) {
  return ComputeUnaryFloat(
      ctx, [](float x) { return std::max(x, 0.0f) + std::log1p(std::exp(-std::fabs(x))); });
}

}  // namespace

MOTA_REGISTER_OP(Softplus, {"Softplus", 1, 1, 1, 1, InferUnary<FloatTypes>, ComputeSoftplus});

}  // namespace mota::exec
