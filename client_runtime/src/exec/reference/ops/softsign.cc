// Softsign: x / (1 + |x|) (ONNX Softsign-1).
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

Status ComputeSoftsign(KernelContext& ctx) {
  return ComputeUnaryFloat(ctx, [](float x) { return x / (1.0f + std::fabs(x)); });
}

}  // namespace

MOTA_REGISTER_OP(Softsign, {"Softsign", 1, 1, 1, 1, InferUnary<FloatTypes>, ComputeSoftsign});

}  // namespace mota::exec
