// GlobalMaxPool (ONNX GlobalMaxPool-1): the maximum over all spatial dims of each (n, c).
#include <limits>

#include "exec/reference/op_util.h"
#include "exec/reference/pool_util.h"

namespace mota::exec {
namespace {

Status InferGlobalMaxPool(InferContext& ctx) { return InferGlobalPool(ctx, false); }

Status ComputeGlobalMaxPool(KernelContext& ctx) {
  const TensorView& x = ctx.inputs[0];
  const int64_t planes = x.shape[0] * x.shape[1];
  if (planes == 0) return Status::Ok();
  const int64_t size = x.numel() / planes;
  return MOTA_DISPATCH_NUMERIC(x.dtype, ctx, [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    const T* px = x.as<T>();
    T* py = ctx.outputs[0].as<T>();
    ParallelFor(ctx.pool, planes, 16, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const T* src = px + i * size;
        T best = size > 0 ? src[0] : std::numeric_limits<T>::lowest();
        for (int64_t j = 1; j < size; ++j) best = src[j] > best ? src[j] : best;
        py[i] = best;
      }
    });
    return Status::Ok();
  });
}

}  // namespace

MOTA_REGISTER_OP(GlobalMaxPool,
                 {"GlobalMaxPool", 1, 1, 1, 1, InferGlobalMaxPool, ComputeGlobalMaxPool});

}  // namespace mota::exec
