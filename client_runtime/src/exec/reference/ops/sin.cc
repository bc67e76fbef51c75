// Sin: sine (ONNX Sin-7).
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

Status ComputeSin(KernelContext& ctx) {
  return ComputeUnaryFloat(ctx, [](float x) { return std::sin(x); });
}

}  // namespace

MOTA_REGISTER_OP(Sin, {"Sin", 1, 1, 1, 1, InferUnary<FloatTypes>, ComputeSin});

}  // namespace mota::exec
