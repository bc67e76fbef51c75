// LpNormalization (ONNX LpNormalization-1): x / ||x||_p along `axis` (default -1), p = 1 or 2
// (default 2). A zero-norm row stays zero (as ONNX Runtime does) instead of becoming NaN.
#include <cmath>

#include "exec/reference/op_util.h"
#include "exec/reference/softmax_util.h"

namespace mota::exec {
namespace {

Result<AxisRows> LpRows(const model::Node& node, const Shape& shape) {
  Result<int64_t> axis =
      NormalizeAxis(node.attrs.GetInt("axis", -1), static_cast<int64_t>(shape.size()));
  if (!axis.ok() || shape.empty()) {
    return InvalidArgument("LpNormalization node '", node.name, "': axis ",
                           node.attrs.GetInt("axis", -1), " is out of range for input ",
                           ShapeToString(shape));
  }
  AxisRows r;
  for (int64_t d = 0; d < *axis; ++d) r.outer *= shape[d];
  r.len = shape[*axis];
  for (size_t d = *axis + 1; d < shape.size(); ++d) r.inner *= shape[d];
  return r;
}

Status InferLpNormalization(InferContext& ctx) {
  const TensorView& x = ctx.inputs[0];
  if (x.dtype != DType::kF32) return ctx.Error("expects f32 input, got ", DTypeName(x.dtype));
  const int64_t p = ctx.attrs().GetInt("p", 2);
  if (p != 1 && p != 2) return ctx.Error("attribute p is ", p, "; expected 1 or 2");
  MOTA_RETURN_IF_ERROR(LpRows(ctx.node, x.shape).status());
  ctx.outputs[0] = {DType::kF32, x.shape, nullptr};
  return Status::Ok();
}

Status ComputeLpNormalization(KernelContext& ctx) {
  MOTA_ASSIGN_OR_RETURN(AxisRows rows, LpRows(ctx.node, ctx.inputs[0].shape));
  const bool l1 = ctx.attrs().GetInt("p", 2) == 1;
  ForEachAxisRow(ctx.pool, rows, ctx.inputs[0].as<float>(), ctx.outputs[0].as<float>(),
                 [l1](const float* x, float* y, int64_t n) {
                   float norm = 0.0f;
                   for (int64_t i = 0; i < n; ++i) norm += l1 ? std::fabs(x[i]) : x[i] * x[i];
                   if (!l1) norm = std::sqrt(norm);
                   const float inv = norm != 0.0f ? 1.0f / norm : 0.0f;
                   for (int64_t i = 0; i < n; ++i) y[i] = x[i] * inv;
                 });
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(LpNormalization,
                 {"LpNormalization", 1, 1, 1, 1, InferLpNormalization, ComputeLpNormalization});

}  // namespace mota::exec
