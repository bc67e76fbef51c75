// Hardmax (ONNX Hardmax-13; coerce_2d = 1 gives Hardmax-1/11): 1 at the first maximum of each
// row, 0 elsewhere.
#include "exec/reference/softmax_util.h"

namespace mota::exec {
namespace {

Status ComputeHardmax(KernelContext& ctx) {
  MOTA_ASSIGN_OR_RETURN(AxisRows rows, SoftmaxRows(ctx.node, ctx.inputs[0].shape));
  ForEachAxisRow(ctx.pool, rows, ctx.inputs[0].as<float>(), ctx.outputs[0].as<float>(),
                 [](const float* x, float* y, int64_t n) {
                   int64_t best = 0;
                   for (int64_t i = 0; i < n; ++i) {
                     if (x[i] > x[best]) best = i;
                     y[i] = 0.0f;
                   }
                   if (n > 0) y[best] = 1.0f;
                 });
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(Hardmax, {"Hardmax", 1, 1, 1, 1, InferSoftmaxLike, ComputeHardmax});

}  // namespace mota::exec
