// Mean: elementwise mean of 1..N f32 inputs with numpy broadcasting (ONNX Mean-13): the sum in
// input order, divided by N.
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

Status ComputeMean(KernelContext& ctx) {
  MOTA_RETURN_IF_ERROR(
      ComputeVariadicFold<FloatTypes>(ctx, [](float x, float y) { return x + y; }));
  const TensorView& out = ctx.outputs[0];
  const float count = static_cast<float>(ctx.inputs.size());
  float* p = out.as<float>();
  UnaryLoop(ctx, p, p, out.numel(), [count](float v) { return v / count; });
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(Mean, {"Mean", 1, kMaxVariadicInputs, 1, 1, InferBroadcastBinaryOf<FloatTypes>,
                        ComputeMean});

}  // namespace mota::exec
