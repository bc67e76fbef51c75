// SpaceToDepth: the inverse of DepthToSpace in DCR order (ONNX SpaceToDepth-13).
// [N, C, H, W] -> [N, C*b*b, H/b, W/b]; output channel = (b1 * b + b2) * C + c.
#include "exec/reference/shape_util.h"

namespace mota::exec {
namespace {

Status InferSpaceToDepth(InferContext& ctx) {
  const TensorView& in = ctx.inputs[0];
  const int64_t b = ctx.attrs().GetInt("blocksize", 0);
  if (in.rank() != 4)
    return ctx.Error("input must be 4-D [N,C,H,W], got ", ShapeToString(in.shape));
  if (b < 1 || in.shape[2] % b != 0 || in.shape[3] % b != 0) {
    return ctx.Error("blocksize ", b, " must be >= 1 and divide H and W of ",
                     ShapeToString(in.shape));
  }
  int64_t bb = 0, c = 0;  // checked: a hostile blocksize must not overflow int64
  if (__builtin_mul_overflow(b, b, &bb) || __builtin_mul_overflow(in.shape[1], bb, &c)) {
    return ctx.Error("blocksize ", b, " makes the channels of ", ShapeToString(in.shape),
                     " too many");
  }
  ctx.outputs[0] = {in.dtype, {in.shape[0], c, in.shape[2] / b, in.shape[3] / b}, nullptr};
  return Status::Ok();
}

Status ComputeSpaceToDepth(KernelContext& ctx) {
  const TensorView& in = ctx.inputs[0];
  const int64_t b = ctx.attrs().GetInt("blocksize", 0);
  const int64_t n = in.shape[0], c = in.shape[1], h = in.shape[2], w = in.shape[3];
  // Output view [N, b1, b2, C, H/b, W/b] reading input [N, C, H/b, b1, W/b, b2].
  const Shape view = {n, b, b, c, h / b, w / b};
  const int64_t strides[] = {c * h * w, w, 1, h * w, b * w, b};
  CopyStrided(in.data, view, strides, ctx.outputs[0].data, DTypeSize(in.dtype));
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(SpaceToDepth,
                 {"SpaceToDepth", 1, 1, 1, 1, InferSpaceToDepth, ComputeSpaceToDepth});

}  // namespace mota::exec
