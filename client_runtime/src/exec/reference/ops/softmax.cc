// Softmax (ONNX Softmax-13; coerce_2d = 1 gives Softmax-1/11): exp(x - max) / sum along a row.
#include <cmath>

#include "exec/reference/softmax_util.h"

namespace mota::exec {
namespace {

Status ComputeSoftmax(KernelContext& ctx) {
  MOTA_ASSIGN_OR_RETURN(AxisRows rows, SoftmaxRows(ctx.node, ctx.inputs[0].shape));
  ForEachAxisRow(ctx.pool, rows, ctx.inputs[0].as<float>(), ctx.outputs[0].as<float>(),
                 [](const float* x, float* y, int64_t n) {
                   float mx = -INFINITY;
                   for (int64_t i = 0; i < n; ++i) mx = x[i] > mx ? x[i] : mx;
                   float sum = 0.0f;
                   for (int64_t i = 0; i < n; ++i) {
                     y[i] = std::exp(x[i] - mx);
                     sum += y[i];
                   }
                   const float inv = 1.0f / sum;
                   for (int64_t i = 0; i < n; ++i) y[i] *= inv;
                 });
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(Softmax, {"Softmax", 1, 1, 1, 1, InferSoftmaxLike, ComputeSoftmax});

}  // namespace mota::exec
