// Floor: round toward -inf (ONNX Floor-13).
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

Status ComputeFloor(KernelContext& ctx) {
  return ComputeUnaryFloat(ctx, [](float x) { return std::floor(x); });
}

}  // namespace

MOTA_REGISTER_OP(Floor, {"Floor", 1, 1, 1, 1, InferUnary<FloatTypes>, ComputeFloor});

}  // namespace mota::exec
