// HardSwish: x * max(0, min(1, x / 6 + 0.5)) (ONNX HardSwish-14).
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

Status ComputeHardSwish(KernelContext& ctx) {
  return ComputeUnaryFloat(
      ctx, [](float x) { return x * std::max(0.0f, std::min(1.0f, x * (1.0f / 6.0f) + 0.5f)); });
}

}  // namespace

MOTA_REGISTER_OP(HardSwish, {"HardSwish", 1, 1, 1, 1, InferUnary<FloatTypes>, ComputeHardSwish});

}  // namespace mota::exec
