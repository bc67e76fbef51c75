// GlobalAveragePool (ONNX GlobalAveragePool-1): the mean over all spatial dims of each (n, c).
#include "exec/reference/op_util.h"
#include "exec/reference/pool_util.h"

namespace mota::exec {
namespace {

Status InferGlobalAveragePool(InferContext& ctx) { return InferGlobalPool(ctx, true); }

Status ComputeGlobalAveragePool(KernelContext& ctx) {
  const TensorView& x = ctx.inputs[0];
  const int64_t planes = x.shape[0] * x.shape[1];
  if (planes == 0) return Status::Ok();
  const int64_t size = x.numel() / planes;
  const float* px = x.as<float>();
  float* py = ctx.outputs[0].as<float>();
  ParallelFor(ctx.pool, planes, 16, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const float* src = px + i * size;
      double sum = 0.0;  // double: large planes lose precision in a float running sum
      for (int64_t j = 0; j < size; ++j) sum += src[j];
      py[i] = size > 0 ? static_cast<float>(sum / static_cast<double>(size)) : 0.0f;
    }
  });
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(GlobalAveragePool, {"GlobalAveragePool", 1, 1, 1, 1, InferGlobalAveragePool,
                                     ComputeGlobalAveragePool});

}  // namespace mota::exec
