// Not: logical negation of a bool tensor (ONNX Not-1). Any nonzero byte is true.
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

Status ComputeNot(KernelContext& ctx) {
  return ComputeUnarySameType<BoolTypes>(ctx, [](uint8_t x) { return x == 0 ? 1 : 0; });
}

}  // namespace

MOTA_REGISTER_OP(Not, {"Not", 1, 1, 1, 1, InferUnary<BoolTypes>, ComputeNot});

}  // namespace mota::exec
