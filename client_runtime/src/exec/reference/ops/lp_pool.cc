// LpPool (ONNX LpPool-18): y = (sum over the window of |x|^p)^(1/p); padding contributes 0.
// Attributes p (default 2), kernel_shape, strides, pads, auto_pad, ceil_mode, dilations.
#include <cmath>

#include "exec/reference/op_util.h"
#include "exec/reference/pool_util.h"

namespace mota::exec {
namespace {

Status InferLpPool(InferContext& ctx) {
  const int64_t p = ctx.attrs().GetInt("p", 2);
  if (p < 1) return ctx.Error("attribute p is ", p, "; expected a positive integer");
  return InferPool(ctx, /*float_only=*/true);
}

Status ComputeLpPool(KernelContext& ctx) {
  const TensorView& x = ctx.inputs[0];
  MOTA_ASSIGN_OR_RETURN(PoolPlan plan, MakePoolPlan(ctx.node, x));
  const int64_t p = ctx.attrs().GetInt("p", 2);
  const float fp = static_cast<float>(p);
  const float* px = x.as<float>();
  float* py = ctx.outputs[0].as<float>();
  ParallelFor(ctx.pool, plan.planes, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      if (p == 2) {
        SumPoolPlane(
            plan, i, px, py, [](float v) { return v * v; },
            [](float sum, int64_t, int64_t) { return std::sqrt(sum); });
      } else if (p == 1) {
        SumPoolPlane(
            plan, i, px, py, [](float v) { return std::fabs(v); },
            [](float sum, int64_t, int64_t) { return sum; });
      } else {
        SumPoolPlane(
            plan, i, px, py, [fp](float v) { return std::pow(std::fabs(v), fp); },
            [fp](float sum, int64_t, int64_t) { return std::pow(sum, 1.0f / fp); });
      }
    }
  });
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(LpPool, {"LpPool", 1, 1, 1, 1, InferLpPool, ComputeLpPool});

}  // namespace mota::exec
