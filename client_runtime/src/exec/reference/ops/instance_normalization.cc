// InstanceNormalization (ONNX InstanceNormalization-6): each (n, c) plane of X [N, C, ...] is
// normalized to zero mean and unit variance, then y = scale[c] * x_hat + B[c]. Attr epsilon.
#include <cmath>

#include "exec/reference/op_util.h"

namespace mota::exec {
namespace {

Status InferInstanceNormalization(InferContext& ctx) {
  const TensorView& x = ctx.inputs[0];
  if (x.dtype != DType::kF32 || x.rank() < 3) {
    return ctx.Error("X has dtype ", DTypeName(x.dtype), " shape ", ShapeToString(x.shape),
                     "; expected f32 of rank >= 3 (N, C, spatial...)");
  }
  static const char* const kNames[] = {"input", "scale", "B"};
  for (size_t i = 1; i < 3; ++i) {
    const TensorView& t = ctx.inputs[i];
    if (t.dtype != DType::kF32 || t.rank() != 1 || t.shape[0] != x.shape[1]) {
      return ctx.Error(kNames[i], " has dtype ", DTypeName(t.dtype), " shape ",
                       ShapeToString(t.shape), "; expected f32 [", x.shape[1], "]");
    }
  }
  ctx.outputs[0] = {DType::kF32, x.shape, nullptr};
  return Status::Ok();
}

Status ComputeInstanceNormalization(KernelContext& ctx) {
  const TensorView& x = ctx.inputs[0];
  const int64_t channels = x.shape[1];
  const int64_t planes = x.shape[0] * channels;
  if (planes == 0) return Status::Ok();
  const int64_t size = x.numel() / planes;
  const float epsilon = ctx.attrs().GetFloat("epsilon", 1e-5f);
  const float* scale = ctx.inputs[1].as<float>();
  const float* bias = ctx.inputs[2].as<float>();
  const float* px = x.as<float>();
  float* py = ctx.outputs[0].as<float>();
  ParallelFor(ctx.pool, planes, 1, [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) {
      const float* src = px + p * size;
      float* dst = py + p * size;
      double sum = 0.0;
      for (int64_t j = 0; j < size; ++j) sum += src[j];
      const float mean = static_cast<float>(sum / static_cast<double>(size));
      double sq = 0.0;
      for (int64_t j = 0; j < size; ++j) sq += (src[j] - mean) * (src[j] - mean);
      const float var = static_cast<float>(sq / static_cast<double>(size));
      const float a = scale[p % channels] / std::sqrt(var + epsilon);
      const float b = bias[p % channels] - mean * a;
      for (int64_t j = 0; j < size; ++j) dst[j] = src[j] * a + b;
    }
  });
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(InstanceNormalization, {"InstanceNormalization", 3, 3, 1, 1,
                                         InferInstanceNormalization, ComputeInstanceNormalization});

}  // namespace mota::exec
