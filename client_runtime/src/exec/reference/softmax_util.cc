#include "exec/reference/softmax_util.h"

#include "exec/reference/op_util.h"

namespace mota::exec {

Result<AxisRows> SoftmaxRows(const model::Node& node, const Shape& shape) {
  const bool coerce = node.attrs.GetInt("coerce_2d", 0) != 0;
  const int64_t rank = static_cast<int64_t>(shape.size());
  Result<int64_t> axis = NormalizeAxis(node.attrs.GetInt("axis", coerce ? 1 : -1), rank);
  if (!axis.ok()) {
    return InvalidArgument(node.op_type, " node '", node.name, "': ", axis.status().message(),
                           " (input shape ", ShapeToString(shape), ")");
  }
  AxisRows r;
  if (rank == 0) return r;
  for (int64_t d = 0; d < *axis; ++d) r.outer *= shape[d];
  if (coerce) {
    for (int64_t d = *axis; d < rank; ++d) r.len *= shape[d];
    return r;
  }
  r.len = shape[*axis];
  for (int64_t d = *axis + 1; d < rank; ++d) r.inner *= shape[d];
  return r;
}

Status InferSoftmaxLike(InferContext& ctx) {
  const TensorView& x = ctx.inputs[0];
  if (x.dtype != DType::kF32) return ctx.Error("expects f32 input, got ", DTypeName(x.dtype));
  MOTA_RETURN_IF_ERROR(SoftmaxRows(ctx.node, x.shape).status());
  ctx.outputs[0] = {DType::kF32, x.shape, nullptr};
  return Status::Ok();
}

}  // namespace mota::exec
