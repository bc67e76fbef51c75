// DepthToSpace: moves channel blocks into b x b spatial blocks (ONNX DepthToSpace-13).
// [N, C, H, W] -> [N, C/(b*b), H*b, W*b]. Mode DCR (default) reads the channels as
// [b, b, C'] (depth-column-row), CRD as [C', b, b]. One strided copy over the 6-D view
// [N, C', H, b, W, b] of the output.
#include <string>

#include "exec/reference/shape_util.h"

namespace mota::exec {
namespace {

Result<bool> IsCrd(const model::Node& node) {
  const std::string mode = node.attrs.GetString("mode", "DCR");
  if (mode != "DCR" && mode != "CRD")
    return NodeError(node, "mode '", mode, "' must be DCR or CRD");
  return mode == "CRD";
}

Status InferDepthToSpace(InferContext& ctx) {
  const TensorView& in = ctx.inputs[0];
  const int64_t b = ctx.attrs().GetInt("blocksize", 0);
  MOTA_RETURN_IF_ERROR(IsCrd(ctx.node).status());
  if (in.rank() != 4)
    return ctx.Error("input must be 4-D [N,C,H,W], got ", ShapeToString(in.shape));
  // Checked products: a hostile blocksize (found by fuzzing) overflowed int64.
  int64_t bb = 0, h = 0, w = 0;
  if (b < 1 || __builtin_mul_overflow(b, b, &bb) || in.shape[1] % bb != 0) {
    return ctx.Error("blocksize ", b, " must be >= 1 with blocksize^2 dividing the ", in.shape[1],
                     " channels of ", ShapeToString(in.shape));
  }
  if (__builtin_mul_overflow(in.shape[2], b, &h) || __builtin_mul_overflow(in.shape[3], b, &w)) {
    return ctx.Error("blocksize ", b, " makes the output of ", ShapeToString(in.shape),
                     " too large");
  }
  ctx.outputs[0] = {in.dtype, {in.shape[0], in.shape[1] / bb, h, w}, nullptr};
  return Status::Ok();
}

Status ComputeDepthToSpace(KernelContext& ctx) {
  const TensorView& in = ctx.inputs[0];
  const int64_t b = ctx.attrs().GetInt("blocksize", 0);
  MOTA_ASSIGN_OR_RETURN(bool crd, IsCrd(ctx.node));
  const int64_t n = in.shape[0], c = in.shape[1] / (b * b), h = in.shape[2], w = in.shape[3];
  // Input strides of the channel factors: DCR channel = (b1 * b + b2) * c + ci,
  // CRD channel = (ci * b + b1) * b + b2.
  const int64_t hw = h * w;
  const int64_t s_ci = crd ? b * b * hw : hw;
  const int64_t s_b1 = crd ? b * hw : b * c * hw;
  const int64_t s_b2 = crd ? hw : c * hw;
  const Shape view = {n, c, h, b, w, b};
  const int64_t strides[] = {in.shape[1] * hw, s_ci, w, s_b1, 1, s_b2};
  CopyStrided(in.data, view, strides, ctx.outputs[0].data, DTypeSize(in.dtype));
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(DepthToSpace,
                 {"DepthToSpace", 1, 1, 1, 1, InferDepthToSpace, ComputeDepthToSpace});

}  // namespace mota::exec
