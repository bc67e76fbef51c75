// Ceil: round toward +inf (ONNX Ceil-13).
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

Status ComputeCeil(KernelContext& ctx) {
  return ComputeUnaryFloat(ctx, [](float x) { return std::ceil(x); });
}

}  // namespace

MOTA_REGISTER_OP(Ceil, {"Ceil", 1, 1, 1, 1, InferUnary<FloatTypes>, ComputeCeil});

}  // namespace mota::exec
