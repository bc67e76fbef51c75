// Where: out = cond ? x : y with three-way numpy broadcasting (ONNX Where-16). cond is bool;
// x and y share any one dtype, which the output takes. Values are copied bit for bit.
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

Status InferWhere(InferContext& ctx) {
  MOTA_RETURN_IF_ERROR(CheckInputDType(ctx, 0, BoolTypes::kValues));
  MOTA_RETURN_IF_ERROR(CheckInputDType(ctx, 1, AllTypes::kValues));
  MOTA_RETURN_IF_ERROR(CheckSameDType(ctx, 2, 1));
  MOTA_ASSIGN_OR_RETURN(Shape shape, BroadcastInputShapes(ctx));
  ctx.outputs[0].dtype = ctx.inputs[1].dtype;
  ctx.outputs[0].shape = std::move(shape);
  return Status::Ok();
}

Status ComputeWhere(KernelContext& ctx) {
  const TensorView& cond = ctx.inputs[0];
  const TensorView& x = ctx.inputs[1];
  const TensorView& y = ctx.inputs[2];
  return MOTA_DISPATCH_BY_SIZE(x.dtype, ctx, [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    BroadcastLoop3<uint8_t, T, T, T>(cond, x, y, ctx.outputs[0],
                                     [](uint8_t c, T a, T b) { return c != 0 ? a : b; });
    return Status::Ok();
  });
}

}  // namespace

MOTA_REGISTER_OP(Where, {"Where", 3, 3, 1, 1, InferWhere, ComputeWhere});

}  // namespace mota::exec
