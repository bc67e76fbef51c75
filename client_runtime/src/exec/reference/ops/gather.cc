// Gather: out = data indexed along `axis` by an i32/i64 index tensor (ONNX Gather-13);
// out.shape = data.shape[:axis] + indices.shape + data.shape[axis+1:]. Negative indices count
// from the end. Each gathered slice (everything inside the axis) is one memcpy.
#include <cstring>

#include "exec/reference/op_util.h"
#include "exec/reference/shape_util.h"

namespace mota::exec {
namespace {

Status InferGather(InferContext& ctx) {
  const TensorView& data = ctx.inputs[0];
  const TensorView& indices = ctx.inputs[1];
  if (data.rank() == 0) return ctx.Error("data must have rank >= 1, got a scalar");
  if (indices.dtype != DType::kI32 && indices.dtype != DType::kI64) {
    return ctx.Error("indices must be i32 or i64, got ", DTypeName(indices.dtype));
  }
  MOTA_ASSIGN_OR_RETURN(int64_t axis,
                        NormalizeAxis(ctx.attrs().GetInt("axis", 0), data.rank(), ctx));
  Shape out(data.shape.begin(), data.shape.begin() + axis);
  out.insert(out.end(), indices.shape.begin(), indices.shape.end());
  out.insert(out.end(), data.shape.begin() + axis + 1, data.shape.end());
  ctx.outputs[0] = {data.dtype, out, nullptr};
  return Status::Ok();
}

Status ComputeGather(KernelContext& ctx) {
  const TensorView& data = ctx.inputs[0];
  const int64_t axis = NormalizeAxis(ctx.attrs().GetInt("axis", 0), data.rank()).value();
  const std::vector<int64_t> indices = ReadIntValues(ctx.inputs[1]);
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= data.shape[d];
  const int64_t dim = data.shape[axis];
  const size_t inner =
      static_cast<size_t>(NumElements(Shape(data.shape.begin() + axis + 1, data.shape.end()))) *
      DTypeSize(data.dtype);
  std::vector<int64_t> rows(indices.size());
  for (size_t i = 0; i < indices.size(); ++i) {
    const int64_t k = indices[i];
    if (k < -dim || k >= dim) {
      return ctx.Error("index ", k, " (at position ", i, ") is out of range for axis ", axis,
                       " of size ", dim, " (expected ", -dim, "..", dim - 1, ")");
    }
    rows[i] = k < 0 ? k + dim : k;
  }
  const uint8_t* src = static_cast<const uint8_t*>(data.data);
  uint8_t* dst = static_cast<uint8_t*>(ctx.outputs[0].data);
  if (inner == 0) return Status::Ok();
  for (int64_t o = 0; o < outer; ++o) {
    const uint8_t* block = src + static_cast<size_t>(o * dim) * inner;
    for (int64_t r : rows) {
      std::memcpy(dst, block + static_cast<size_t>(r) * inner, inner);
      dst += inner;
    }
  }
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(Gather, {"Gather", 2, 2, 1, 1, InferGather, ComputeGather});

}  // namespace mota::exec
