// LogSoftmax (ONNX LogSoftmax-13; coerce_2d = 1 gives LogSoftmax-1/11):
// x - max - log(sum(exp(x - max))) along a row.
#include <cmath>

#include "exec/reference/softmax_util.h"

namespace mota::exec {
namespace {

Status ComputeLogSoftmax(KernelContext& ctx) {
  MOTA_ASSIGN_OR_RETURN(AxisRows rows, SoftmaxRows(ctx.node, ctx.inputs[0].shape));
  ForEachAxisRow(ctx.pool, rows, ctx.inputs[0].as<float>(), ctx.outputs[0].as<float>(),
                 [](const float* x, float* y, int64_t n) {
                   float mx = -INFINITY;
                   for (int64_t i = 0; i < n; ++i) mx = x[i] > mx ? x[i] : mx;
                   float sum = 0.0f;
                   for (int64_t i = 0; i < n; ++i) sum += std::exp(x[i] - mx);
                   const float shift = mx + std::log(sum);
                   for (int64_t i = 0; i < n; ++i) y[i] = x[i] - shift;
                 });
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(LogSoftmax, {"LogSoftmax", 1, 1, 1, 1, InferSoftmaxLike, ComputeLogSoftmax});

}  // namespace mota::exec
