// PRelu: x for x >= 0, slope * x otherwise (ONNX PRelu-16). slope broadcasts to x in one
// direction only (the output always has x's shape); f32, i32, i64 or i8, one dtype for both.
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

Status InferPRelu(InferContext& ctx) {
  MOTA_RETURN_IF_ERROR(CheckInputDType(ctx, 0, SignedTypes::kValues));
  MOTA_RETURN_IF_ERROR(CheckSameDType(ctx, 1, 0));
  const Shape& x = ctx.inputs[0].shape;
  const Shape& slope = ctx.inputs[1].shape;
  Result<Shape> shape = BroadcastShapes(x, slope);
  if (!shape.ok() || *shape != x) {
    return ctx.Error("slope shape ", ShapeToString(slope), " does not broadcast to input shape ",
                     ShapeToString(x), " (PRelu broadcasts the slope to the input only)");
  }
  ctx.outputs[0].dtype = ctx.inputs[0].dtype;
  ctx.outputs[0].shape = x;
  return Status::Ok();
}

Status ComputePRelu(KernelContext& ctx) {
  return Dispatch(SignedTypes{}, ctx.inputs[0].dtype, ctx, [&](auto tag) {
    using T = CType<decltype(tag)>;
    BroadcastLoop2<T, T, T>(ctx.inputs[0], ctx.inputs[1], ctx.outputs[0],
                            [](T x, T s) { return x < 0 ? WrapMul(s, x) : x; });
    return Status::Ok();
  });
}

}  // namespace

MOTA_REGISTER_OP(PRelu, {"PRelu", 2, 2, 1, 1, InferPRelu, ComputePRelu});

}  // namespace mota::exec
