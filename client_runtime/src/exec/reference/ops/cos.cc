// Cos: cosine (ONNX Cos-7).
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

Status ComputeCos(KernelContext& ctx) {
  return ComputeUnaryFloat(ctx, [](float x) { return std::cos(x); });
}

}  // namespace

MOTA_REGISTER_OP(Cos, {"Cos", 1, 1, 1, 1, InferUnary<FloatTypes>, ComputeCos});

}  // namespace mota::exec
