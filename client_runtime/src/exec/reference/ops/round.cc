// Round: round to the nearest integer, halves to even (ONNX Round-11, numpy.round):
// std::nearbyint in the default rounding mode (FE_TONEAREST), which mota never changes.
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

Status ComputeRound(KernelContext& ctx) {
  return ComputeUnaryFloat(ctx, [](float x) { return std::nearbyint(x); });
}

}  // namespace

MOTA_REGISTER_OP(Round, {"Round", 1, 1, 1, 1, InferUnary<FloatTypes>, ComputeRound});

}  // namespace mota::exec
