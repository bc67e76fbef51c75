// AveragePool (ONNX AveragePool-19): kernel_shape, strides, pads, auto_pad, ceil_mode,
// dilations, count_include_pad. The divisor counts the taps that read real input
// (count_include_pad 0) or every tap inside the padded input (count_include_pad 1); with
// ceil_mode, taps past the end padding never count.
#include "exec/reference/op_util.h"
#include "exec/reference/pool_util.h"

namespace mota::exec {
namespace {

Status InferAveragePool(InferContext& ctx) { return InferPool(ctx, /*float_only=*/true); }

Status ComputeAveragePool(KernelContext& ctx) {
  const TensorView& x = ctx.inputs[0];
  MOTA_ASSIGN_OR_RETURN(PoolPlan p, MakePoolPlan(ctx.node, x));
  const bool include_pad = ctx.attrs().GetInt("count_include_pad", 0) != 0;
  const float* px = x.as<float>();
  float* py = ctx.outputs[0].as<float>();
  ParallelFor(ctx.pool, p.planes, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      SumPoolPlane(
          p, i, px, py, [](float v) { return v; },
          [include_pad](float sum, int64_t valid, int64_t padded) {
            const int64_t count = include_pad ? padded : valid;
            return count > 0 ? sum / static_cast<float>(count) : 0.0f;
          });
    }
  });
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(AveragePool, {"AveragePool", 1, 1, 1, 1, InferAveragePool, ComputeAveragePool});

}  // namespace mota::exec
