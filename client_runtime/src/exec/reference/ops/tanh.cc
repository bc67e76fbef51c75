// Tanh: hyperbolic tangent (ONNX Tanh-13).
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

Status ComputeTanh(KernelContext& ctx) {
  return ComputeUnaryFloat(ctx, [](float x) { return std::tanh(x); });
}

}  // namespace

MOTA_REGISTER_OP(Tanh, {"Tanh", 1, 1, 1, 1, InferUnary<FloatTypes>, ComputeTanh});

}  // namespace mota::exec
