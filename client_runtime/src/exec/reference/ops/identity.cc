// Identity: a copy of the input, any dtype (ONNX Identity-16; the converter also maps Dropout
// here). Kept as a node when it separates a graph input from an output or similar.
#include <cstring>

#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

Status InferIdentity(InferContext& ctx) {
  return InferUnaryChecked(ctx, AllTypes::kValues, DType::kUndefined);
}

Status ComputeIdentity(KernelContext& ctx) {
  const TensorView& x = ctx.inputs[0];
  const TensorView& y = ctx.outputs[0];
  // memmove: a caller may bind the same buffer as input and output.
  if (x.data != y.data && y.nbytes() > 0) std::memmove(y.data, x.data, y.nbytes());
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(Identity, {"Identity", 1, 1, 1, 1, InferIdentity, ComputeIdentity});

}  // namespace mota::exec
