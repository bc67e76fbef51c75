// Flatten: [d0..d(axis-1)] x [d(axis)..] as a 2-D tensor (ONNX Flatten-13); axis in [-r, r].
#include "exec/reference/shape_util.h"

namespace mota::exec {
namespace {

Status InferFlatten(InferContext& ctx) {
  const TensorView& in = ctx.inputs[0];
  const int64_t rank = in.rank();
  int64_t axis = ctx.attrs().GetInt("axis", 1);
  if (axis < -rank || axis > rank) {
    return ctx.Error("axis ", axis, " is out of range for rank ", rank, " (expected ", -rank, "..",
                     rank, ")");
  }
  if (axis < 0) axis += rank;
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < rank; ++d) (d < axis ? outer : inner) *= in.shape[d];
  ctx.outputs[0] = {in.dtype, {outer, inner}, nullptr};
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(Flatten, {"Flatten", 1, 1, 1, 1, InferFlatten, ComputeCopyInput0});

}  // namespace mota::exec
