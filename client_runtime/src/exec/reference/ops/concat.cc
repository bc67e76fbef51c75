// Concat: joins N tensors along `axis` (ONNX Concat-13). Each output row (everything from the
// axis inwards) is a memcpy from one input.
#include <algorithm>
#include <cstring>
#include <limits>

#include "exec/reference/op_util.h"
#include "exec/reference/shape_util.h"

namespace mota::exec {
namespace {

Status InferConcat(InferContext& ctx) {
  const TensorView& first = ctx.inputs[0];
  if (!first.present()) return ctx.Error("input 0 is required");
  if (first.rank() == 0) return ctx.Error("cannot concatenate scalars (input 0 has rank 0)");
  MOTA_ASSIGN_OR_RETURN(int64_t axis,
                        NormalizeAxis(ctx.attrs().GetInt("axis", 0), first.rank(), ctx));
  Shape out = first.shape;
  out[axis] = 0;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    const TensorView& t = ctx.inputs[i];
    if (!t.present()) return ctx.Error("input ", i, " is missing; every Concat input is required");
    if (t.dtype != first.dtype) {
      return ctx.Error("input ", i, " is ", DTypeName(t.dtype), " but input 0 is ",
                       DTypeName(first.dtype));
    }
    bool match = t.rank() == first.rank();
    for (int64_t d = 0; match && d < first.rank(); ++d)
      match = d == axis || t.shape[d] == first.shape[d];
    if (!match) {
      return ctx.Error("input ", i, " has shape ", ShapeToString(t.shape), " but input 0 has ",
                       ShapeToString(first.shape), "; they may differ only on axis ", axis);
    }
    out[axis] += t.shape[axis];
  }
  ctx.outputs[0] = {first.dtype, out, nullptr};
  return Status::Ok();
}

Status ComputeConcat(KernelContext& ctx) {
  const TensorView& out = ctx.outputs[0];
  const int64_t axis = NormalizeAxis(ctx.attrs().GetInt("axis", 0), out.rank()).value();
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= out.shape[d];
  const size_t out_row = out.nbytes() / static_cast<size_t>(std::max<int64_t>(outer, 1));
  uint8_t* dst = static_cast<uint8_t*>(out.data);
  size_t offset = 0;
  for (const TensorView& in : ctx.inputs) {
    const size_t row = outer == 0 ? 0 : in.nbytes() / static_cast<size_t>(outer);
    if (row == 0) continue;
    const uint8_t* src = static_cast<const uint8_t*>(in.data);
    for (int64_t o = 0; o < outer; ++o) std::memcpy(dst + o * out_row + offset, src + o * row, row);
    offset += row;
  }
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(Concat,
                 {"Concat", 1, std::numeric_limits<int>::max(), 1, 1, InferConcat, ComputeConcat});

}  // namespace mota::exec
