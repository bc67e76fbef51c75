#include "exec/reference/elementwise.h"

namespace mota::exec {

Status InferSameAsInput0(InferContext& ctx) {
  ctx.outputs[0].dtype = ctx.inputs[0].dtype;
  ctx.outputs[0].shape = ctx.inputs[0].shape;
  return Status::Ok();
}

Status InferBroadcastBinary(InferContext& ctx) {
  const TensorView& a = ctx.inputs[0];
  const TensorView& b = ctx.inputs[1];
  if (a.dtype != b.dtype) {
    return ctx.Error("inputs have different dtypes ", DTypeName(a.dtype), " and ", DTypeName(b.dtype));
  }
  Result<Shape> shape = BroadcastShapes(a.shape, b.shape);
  if (!shape.ok()) return ctx.Error(shape.status().message());
  ctx.outputs[0].dtype = a.dtype;
  ctx.outputs[0].shape = std::move(shape).value();
  return Status::Ok();
}

Status InferBroadcastCompare(InferContext& ctx) {
  MOTA_RETURN_IF_ERROR(InferBroadcastBinary(ctx));
  ctx.outputs[0].dtype = DType::kBool;
  return Status::Ok();
}

}  // namespace mota::exec
