// Exp: e^x (ONNX Exp-13).
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

Status ComputeExp(KernelContext& ctx) {
  return ComputeUnaryFloat(ctx, [](float x) { return std::exp(x); });
}

}  // namespace

MOTA_REGISTER_OP(Exp, {"Exp", 1, 1, 1, 1, InferUnary<FloatTypes>, ComputeExp});

}  // namespace mota::exec
