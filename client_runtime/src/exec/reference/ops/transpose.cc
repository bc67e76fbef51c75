// Transpose: out.shape[i] = in.shape[perm[i]] (ONNX Transpose-13); perm defaults to reversing the
// dims. The copy runs through CopyStrided: contiguous tails move with memcpy and true
// transposes in 32x32 blocks.
#include "exec/reference/shape_util.h"

namespace mota::exec {
namespace {

Result<std::vector<int64_t>> ReadPerm(const model::Node& node, int64_t rank) {
  std::vector<int64_t> perm = node.attrs.GetInts("perm");
  if (!node.attrs.Has("perm")) {
    for (int64_t d = rank; d-- > 0;) perm.push_back(d);
    return perm;
  }
  if (static_cast<int64_t>(perm.size()) != rank) {
    return NodeError(node, "perm has ", perm.size(), " entries but the input has rank ", rank);
  }
  std::vector<uint8_t> seen(static_cast<size_t>(rank), 0);
  for (int64_t p : perm) {
    if (p < 0 || p >= rank || seen[p]) {
      return NodeError(node, "perm ", ShapeToString(perm), " is not a permutation of 0..",
                       rank - 1);
    }
    seen[p] = 1;
  }
  return perm;
}

Status InferTranspose(InferContext& ctx) {
  const TensorView& in = ctx.inputs[0];
  MOTA_ASSIGN_OR_RETURN(std::vector<int64_t> perm, ReadPerm(ctx.node, in.rank()));
  Shape out(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) out[i] = in.shape[perm[i]];
  ctx.outputs[0] = {in.dtype, out, nullptr};
  return Status::Ok();
}

Status ComputeTranspose(KernelContext& ctx) {
  const TensorView& in = ctx.inputs[0];
  MOTA_ASSIGN_OR_RETURN(std::vector<int64_t> perm, ReadPerm(ctx.node, in.rank()));
  const std::vector<int64_t> in_strides = RowMajorStrides(in.shape);
  std::vector<int64_t> strides(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) strides[i] = in_strides[perm[i]];
  CopyStrided(in.data, ctx.outputs[0].shape, strides, ctx.outputs[0].data, DTypeSize(in.dtype));
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(Transpose, {"Transpose", 1, 1, 1, 1, InferTranspose, ComputeTranspose});

}  // namespace mota::exec
