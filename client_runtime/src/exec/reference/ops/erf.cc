// Erf: the Gauss error function (ONNX Erf-13); the Gelu pattern runs through it.
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

Status ComputeErf(KernelContext& ctx) {
  return ComputeUnaryFloat(ctx, [](float x) { return std::erf(x); });
}

}  // namespace

MOTA_REGISTER_OP(Erf, {"Erf", 1, 1, 1, 1, InferUnary<FloatTypes>, ComputeErf});

}  // namespace mota::exec
