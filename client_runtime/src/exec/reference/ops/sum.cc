// Sum: elementwise sum of 1..N f32 inputs with numpy broadcasting (ONNX Sum-13), added in input
// order.
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

Status ComputeSum(KernelContext& ctx) {
  return ComputeVariadicFold<FloatTypes>(ctx, [](float x, float y) { return x + y; });
}

}  // namespace

MOTA_REGISTER_OP(Sum, {"Sum", 1, kMaxVariadicInputs, 1, 1, InferBroadcastBinaryOf<FloatTypes>,
                       ComputeSum});

}  // namespace mota::exec
