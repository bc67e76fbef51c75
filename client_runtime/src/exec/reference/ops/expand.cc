// Expand: broadcasts the input to the numpy-broadcast of its shape and input 1 (i64, known at
// prepare time) (ONNX Expand-13). Dims of 1 in the requested shape keep the input's dim.
#include "exec/reference/op_util.h"
#include "exec/reference/shape_util.h"

namespace mota::exec {
namespace {

Status InferExpand(InferContext& ctx) {
  const TensorView& in = ctx.inputs[0];
  MOTA_ASSIGN_OR_RETURN(std::vector<int64_t> shape,
                        KnownIntValues(ctx.node, ctx.inputs, 1, "shape"));
  for (int64_t d : shape) {
    if (d < 0) return ctx.Error("shape ", ShapeToString(shape), " has a negative dim");
  }
  Result<Shape> out = BroadcastShapes(in.shape, shape);
  if (!out.ok()) {
    return ctx.Error("cannot expand ", ShapeToString(in.shape), " to ", ShapeToString(shape), ": ",
                     out.status().message());
  }
  ctx.outputs[0] = {in.dtype, *out, nullptr};
  return Status::Ok();
}

Status ComputeExpand(KernelContext& ctx) {
  const TensorView& in = ctx.inputs[0];
  const TensorView& out = ctx.outputs[0];
  const std::vector<int64_t> strides = BroadcastStrides(in.shape, out.shape);
  CopyStrided(in.data, out.shape, strides, out.data, DTypeSize(in.dtype));
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(Expand, {"Expand", 2, 2, 1, 1, InferExpand, ComputeExpand});

}  // namespace mota::exec
