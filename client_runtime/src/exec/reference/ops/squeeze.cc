// Squeeze: removes size-1 dims (ONNX Squeeze-13). Input 1 lists the axes (known at prepare time);
// without it every size-1 dim is removed.
#include "exec/reference/shape_util.h"

namespace mota::exec {
namespace {

Status InferSqueeze(InferContext& ctx) {
  const TensorView& in = ctx.inputs[0];
  MOTA_ASSIGN_OR_RETURN(std::vector<int64_t> raw,
                        OptionalIntValues(ctx.node, ctx.inputs, 1, "axes"));
  std::vector<uint8_t> drop(in.shape.size(), 0);
  if (!HasNonEmptyInput(ctx.inputs, 1)) {
    for (size_t d = 0; d < in.shape.size(); ++d) drop[d] = in.shape[d] == 1;
  }
  MOTA_ASSIGN_OR_RETURN(std::vector<int64_t> axes, NormalizeAxisList(ctx.node, raw, in.rank()));
  for (size_t i = 0; i < axes.size(); ++i) {
    if (in.shape[axes[i]] != 1) {
      return ctx.Error("cannot squeeze axis ", raw[i], " of shape ", ShapeToString(in.shape),
                       ": its size is ", in.shape[axes[i]], ", not 1");
    }
    drop[axes[i]] = 1;
  }
  Shape out;
  for (size_t d = 0; d < in.shape.size(); ++d) {
    if (!drop[d]) out.push_back(in.shape[d]);
  }
  ctx.outputs[0] = {in.dtype, out, nullptr};
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(Squeeze, {"Squeeze", 1, 2, 1, 1, InferSqueeze, ComputeCopyInput0});

}  // namespace mota::exec
