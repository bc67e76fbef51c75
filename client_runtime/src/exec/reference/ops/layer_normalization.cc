// LayerNormalization (ONNX LayerNormalization-17): each row X[i, axis:] (flattened) is
// normalized to zero mean and unit variance, then scaled by Scale and shifted by B (both
// broadcast to X.shape[axis:]). Attributes axis (-1), epsilon (1e-5). Optional outputs Mean and
// InvStdDev have shape X.shape[:axis] + [1] * (rank - axis).
#include <cmath>
#include <vector>

#include "exec/reference/op_util.h"

namespace mota::exec {
namespace {

struct LayerNormShape {
  int64_t axis = 0;
  int64_t rows = 1;
  int64_t len = 1;
  Shape norm_shape;  // X.shape[axis:]
};

Result<LayerNormShape> MakeShape(const model::Node& node, const Shape& x) {
  LayerNormShape s;
  Result<int64_t> axis =
      NormalizeAxis(node.attrs.GetInt("axis", -1), static_cast<int64_t>(x.size()));
  if (!axis.ok() || x.empty()) {
    return InvalidArgument("LayerNormalization node '", node.name, "': axis ",
                           node.attrs.GetInt("axis", -1), " is out of range for X ",
                           ShapeToString(x));
  }
  s.axis = *axis;
  for (int64_t d = 0; d < s.axis; ++d) s.rows *= x[d];
  s.norm_shape.assign(x.begin() + s.axis, x.end());
  s.len = NumElements(s.norm_shape);
  return s;
}

Status CheckAffine(const InferContext& ctx, size_t i, const char* name, const Shape& norm_shape) {
  if (!ctx.has_input(i)) return Status::Ok();
  const TensorView& t = ctx.inputs[i];
  Result<Shape> b = BroadcastShapes(t.shape, norm_shape);
  if (t.dtype != DType::kF32 || !b.ok() || *b != norm_shape) {
    return ctx.Error(name, " has dtype ", DTypeName(t.dtype), " shape ", ShapeToString(t.shape),
                     "; expected f32 broadcastable to ", ShapeToString(norm_shape));
  }
  return Status::Ok();
}

Status InferLayerNormalization(InferContext& ctx) {
  const TensorView& x = ctx.inputs[0];
  if (x.dtype != DType::kF32) return ctx.Error("expects f32 X, got ", DTypeName(x.dtype));
  MOTA_ASSIGN_OR_RETURN(LayerNormShape s, MakeShape(ctx.node, x.shape));
  if (!ctx.has_input(1)) return ctx.Error("input Scale is required");
  MOTA_RETURN_IF_ERROR(CheckAffine(ctx, 1, "Scale", s.norm_shape));
  MOTA_RETURN_IF_ERROR(CheckAffine(ctx, 2, "B", s.norm_shape));
  ctx.outputs[0] = {DType::kF32, x.shape, nullptr};
  Shape stat(x.shape.begin(), x.shape.begin() + s.axis);
  stat.resize(x.shape.size(), 1);
  for (size_t o = 1; o < ctx.outputs.size(); ++o) ctx.outputs[o] = {DType::kF32, stat, nullptr};
  return Status::Ok();
}

// The values of `t` broadcast to `shape`, flattened (Scale / B per normalized element).
std::vector<float> Expand(const TensorView& t, const Shape& shape, float fallback) {
  std::vector<float> out(static_cast<size_t>(NumElements(shape)), fallback);
  if (!t.present()) return out;
  const float* p = t.as<float>();
  const std::vector<int64_t> strides = BroadcastStrides(t.shape, shape);
  ForEachBroadcast2(shape, strides, strides, [&](int64_t o, int64_t i, int64_t) { out[o] = p[i]; });
  return out;
}

Status ComputeLayerNormalization(KernelContext& ctx) {
  const TensorView& x = ctx.inputs[0];
  MOTA_ASSIGN_OR_RETURN(LayerNormShape s, MakeShape(ctx.node, x.shape));
  const float epsilon = ctx.attrs().GetFloat("epsilon", 1e-5f);
  const std::vector<float> scale = Expand(ctx.inputs[1], s.norm_shape, 1.0f);
  const std::vector<float> bias =
      Expand(ctx.has_input(2) ? ctx.inputs[2] : TensorView{}, s.norm_shape, 0.0f);
  const float* px = x.as<float>();
  float* py = ctx.outputs[0].as<float>();
  float* mean_out = ctx.outputs.size() > 1 ? ctx.outputs[1].as<float>() : nullptr;
  float* inv_out = ctx.outputs.size() > 2 ? ctx.outputs[2].as<float>() : nullptr;
  ParallelFor(ctx.pool, s.rows, 4, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float* row = px + r * s.len;
      float* out = py + r * s.len;
      double sum = 0.0;
      for (int64_t j = 0; j < s.len; ++j) sum += row[j];
      const float mean = static_cast<float>(sum / static_cast<double>(s.len));
      double sq = 0.0;
      for (int64_t j = 0; j < s.len; ++j) sq += (row[j] - mean) * (row[j] - mean);
      const float inv =
          1.0f / std::sqrt(static_cast<float>(sq / static_cast<double>(s.len)) + epsilon);
      for (int64_t j = 0; j < s.len; ++j) out[j] = (row[j] - mean) * inv * scale[j] + bias[j];
      if (mean_out != nullptr) mean_out[r] = mean;
      if (inv_out != nullptr) inv_out[r] = inv;
    }
  });
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(LayerNormalization, {"LayerNormalization", 2, 3, 1, 3, InferLayerNormalization,
                                      ComputeLayerNormalization});

}  // namespace mota::exec
