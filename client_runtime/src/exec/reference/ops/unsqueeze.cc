// Unsqueeze: inserts size-1 dims at the given output positions (ONNX Unsqueeze-13). Input 1
// lists the axes (known at prepare time), relative to the output rank.
#include "exec/reference/shape_util.h"

namespace mota::exec {
namespace {

Status InferUnsqueeze(InferContext& ctx) {
  const TensorView& in = ctx.inputs[0];
  MOTA_ASSIGN_OR_RETURN(std::vector<int64_t> raw, KnownIntValues(ctx.node, ctx.inputs, 1, "axes"));
  const int64_t out_rank = in.rank() + static_cast<int64_t>(raw.size());
  MOTA_ASSIGN_OR_RETURN(std::vector<int64_t> axes, NormalizeAxisList(ctx.node, raw, out_rank));
  std::vector<uint8_t> inserted(static_cast<size_t>(out_rank), 0);
  for (int64_t a : axes) inserted[a] = 1;
  Shape out;
  size_t next = 0;
  for (int64_t d = 0; d < out_rank; ++d) out.push_back(inserted[d] ? 1 : in.shape[next++]);
  ctx.outputs[0] = {in.dtype, out, nullptr};
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(Unsqueeze, {"Unsqueeze", 2, 2, 1, 1, InferUnsqueeze, ComputeCopyInput0});

}  // namespace mota::exec
