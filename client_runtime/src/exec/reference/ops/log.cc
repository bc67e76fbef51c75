// Log: natural logarithm (ONNX Log-13); 0 gives -inf, negative inputs NaN.
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

Status ComputeLog(KernelContext& ctx) {
  return ComputeUnaryFloat(ctx, [](float x) { return std::log(x); });
}

}  // namespace

MOTA_REGISTER_OP(Log, {"Log", 1, 1, 1, 1, InferUnary<FloatTypes>, ComputeLog});

}  // namespace mota::exec
