// Tile: repeats the input repeats[d] times along each dim d (ONNX Tile-13); repeats is an i64
// input known at prepare time. The output is read as [r_0, d_0, r_1, d_1, ...] with stride 0 on
// the repeat dims, so one CopyStrided call does it (memcpy of whole input rows).
#include "exec/reference/shape_util.h"

namespace mota::exec {
namespace {

Status InferTile(InferContext& ctx) {
  const TensorView& in = ctx.inputs[0];
  MOTA_ASSIGN_OR_RETURN(std::vector<int64_t> repeats,
                        KnownIntValues(ctx.node, ctx.inputs, 1, "repeats"));
  if (static_cast<int64_t>(repeats.size()) != in.rank()) {
    return ctx.Error("repeats ", ShapeToString(repeats),
                     " must have one entry per input dim (rank ", in.rank(), ")");
  }
  Shape out = in.shape;
  for (size_t d = 0; d < out.size(); ++d) {
    if (repeats[d] < 0)
      return ctx.Error("repeats ", ShapeToString(repeats), " has a negative entry");
    out[d] *= repeats[d];
  }
  if (NumElements(out) < 0) return ctx.Error("the tiled shape ", ShapeToString(out), " overflows");
  ctx.outputs[0] = {in.dtype, out, nullptr};
  return Status::Ok();
}

Status ComputeTile(KernelContext& ctx) {
  const TensorView& in = ctx.inputs[0];
  const TensorView& out = ctx.outputs[0];
  const std::vector<int64_t> in_strides = RowMajorStrides(in.shape);
  Shape view;
  std::vector<int64_t> strides;
  for (size_t d = 0; d < in.shape.size(); ++d) {
    view.push_back(in.shape[d] == 0 ? 0 : out.shape[d] / in.shape[d]);
    strides.push_back(0);
    view.push_back(in.shape[d]);
    strides.push_back(in_strides[d]);
  }
  CopyStrided(in.data, view, strides, out.data, DTypeSize(in.dtype));
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(Tile, {"Tile", 2, 2, 1, 1, InferTile, ComputeTile});

}  // namespace mota::exec
