// BatchNormalization, inference form (ONNX BatchNormalization-15 with training_mode 0):
// Y = (X - mean) / sqrt(var + epsilon) * scale + B, per channel (dim 1) of X [N, C, ...].
// Inputs X, scale, B, mean, var; one output.
#include <cmath>
#include <vector>

#include "exec/reference/op_util.h"

namespace mota::exec {
namespace {

Status InferBatchNormalization(InferContext& ctx) {
  const TensorView& x = ctx.inputs[0];
  if (x.dtype != DType::kF32) return ctx.Error("expects f32 X, got ", DTypeName(x.dtype));
  if (x.rank() < 2) {
    return ctx.Error("X has shape ", ShapeToString(x.shape), "; expected rank >= 2 (N, C, ...)");
  }
  static const char* const kNames[] = {"X", "scale", "B", "input_mean", "input_var"};
  for (size_t i = 1; i < 5; ++i) {
    const TensorView& t = ctx.inputs[i];
    if (t.dtype != DType::kF32 || t.rank() != 1 || t.shape[0] != x.shape[1]) {
      return ctx.Error(kNames[i], " has dtype ", DTypeName(t.dtype), " shape ",
                       ShapeToString(t.shape), "; expected f32 [", x.shape[1], "] (channels of X ",
                       ShapeToString(x.shape), ")");
    }
  }
  ctx.outputs[0] = {DType::kF32, x.shape, nullptr};
  return Status::Ok();
}

Status ComputeBatchNormalization(KernelContext& ctx) {
  const TensorView& x = ctx.inputs[0];
  const float epsilon = ctx.attrs().GetFloat("epsilon", 1e-5f);
  if (x.numel() == 0) return Status::Ok();
  const int64_t channels = x.shape[1];
  const int64_t plane = x.numel() / (x.shape[0] * channels);
  // Folded once per channel: y = x * a + b.
  std::vector<float> mul(channels), add(channels);
  const float* scale = ctx.inputs[1].as<float>();
  const float* bias = ctx.inputs[2].as<float>();
  const float* mean = ctx.inputs[3].as<float>();
  const float* var = ctx.inputs[4].as<float>();
  for (int64_t c = 0; c < channels; ++c) {
    mul[c] = scale[c] / std::sqrt(var[c] + epsilon);
    add[c] = bias[c] - mean[c] * mul[c];
  }
  const float* px = x.as<float>();
  float* py = ctx.outputs[0].as<float>();
  ParallelFor(ctx.pool, x.shape[0] * channels, 4, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const float a = mul[i % channels], b = add[i % channels];
      const float* src = px + i * plane;
      float* dst = py + i * plane;
      for (int64_t j = 0; j < plane; ++j) dst[j] = src[j] * a + b;
    }
  });
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(BatchNormalization, {"BatchNormalization", 5, 5, 1, 1, InferBatchNormalization,
                                      ComputeBatchNormalization});

}  // namespace mota::exec
