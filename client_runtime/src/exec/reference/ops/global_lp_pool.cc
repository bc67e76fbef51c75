// GlobalLpPool (ONNX GlobalLpPool-2): (sum over all spatial dims of |x|^p)^(1/p), attr p (2).
#include <cmath>

#include "exec/reference/op_util.h"
#include "exec/reference/pool_util.h"

namespace mota::exec {
namespace {

Status InferGlobalLpPool(InferContext& ctx) {
  const int64_t p = ctx.attrs().GetInt("p", 2);
  if (p < 1) return ctx.Error("attribute p is ", p, "; expected a positive integer");
  return InferGlobalPool(ctx, true);
}

Status ComputeGlobalLpPool(KernelContext& ctx) {
  const TensorView& x = ctx.inputs[0];
  const int64_t planes = x.shape[0] * x.shape[1];
  if (planes == 0) return Status::Ok();
  const int64_t size = x.numel() / planes;
  const double p = static_cast<double>(ctx.attrs().GetInt("p", 2));
  const float* px = x.as<float>();
  float* py = ctx.outputs[0].as<float>();
  ParallelFor(ctx.pool, planes, 16, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const float* src = px + i * size;
      double sum = 0.0;
      for (int64_t j = 0; j < size; ++j) sum += std::pow(std::fabs(static_cast<double>(src[j])), p);
      py[i] = static_cast<float>(std::pow(sum, 1.0 / p));
    }
  });
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(GlobalLpPool,
                 {"GlobalLpPool", 1, 1, 1, 1, InferGlobalLpPool, ComputeGlobalLpPool});

}  // namespace mota::exec
