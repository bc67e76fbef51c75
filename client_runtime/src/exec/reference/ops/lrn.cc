// LRN (ONNX LRN-13): local response normalization across channels of X [N, C, ...]:
// y = x / (bias + alpha / size * sum of x^2 over channels [c - (size-1)/2, c +
// ceil((size-1)/2)])^beta. Attributes alpha (1e-4), beta (0.75), bias (1), size (required).
#include <algorithm>
#include <cmath>
#include <vector>

#include "exec/reference/op_util.h"

namespace mota::exec {
namespace {

Status InferLrn(InferContext& ctx) {
  const TensorView& x = ctx.inputs[0];
  if (x.dtype != DType::kF32 || x.rank() < 3) {
    return ctx.Error("X has dtype ", DTypeName(x.dtype), " shape ", ShapeToString(x.shape),
                     "; expected f32 of rank >= 3 (N, C, spatial...)");
  }
  const int64_t size = ctx.attrs().GetInt("size", 0);
  if (size < 1) return ctx.Error("attribute size is ", size, "; expected a positive integer");
  ctx.outputs[0] = {DType::kF32, x.shape, nullptr};
  return Status::Ok();
}

Status ComputeLrn(KernelContext& ctx) {
  const TensorView& x = ctx.inputs[0];
  const int64_t batch = x.shape[0], channels = x.shape[1];
  if (x.numel() == 0) return Status::Ok();
  const int64_t plane = x.numel() / (batch * channels);
  const int64_t size = ctx.attrs().GetInt("size", 1);
  const float alpha = ctx.attrs().GetFloat("alpha", 1e-4f);
  const float beta = ctx.attrs().GetFloat("beta", 0.75f);
  const float bias = ctx.attrs().GetFloat("bias", 1.0f);
  const int64_t before = (size - 1) / 2, after = size - 1 - before;
  const float* px = x.as<float>();
  float* py = ctx.outputs[0].as<float>();
  ParallelFor(ctx.pool, batch * channels, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> sum(plane);
    for (int64_t i = begin; i < end; ++i) {
      const int64_t n = i / channels, c = i % channels;
      std::fill(sum.begin(), sum.end(), 0.0f);
      const int64_t lo = std::max<int64_t>(0, c - before);
      const int64_t hi = std::min(channels - 1, c + after);
      for (int64_t k = lo; k <= hi; ++k) {
        const float* src = px + (n * channels + k) * plane;
        for (int64_t j = 0; j < plane; ++j) sum[j] += src[j] * src[j];
      }
      const float* src = px + i * plane;
      float* dst = py + i * plane;
      for (int64_t j = 0; j < plane; ++j) {
        dst[j] = src[j] / std::pow(bias + alpha / static_cast<float>(size) * sum[j], beta);
      }
    }
  });
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(LRN, {"LRN", 1, 1, 1, 1, InferLrn, ComputeLrn});

}  // namespace mota::exec
