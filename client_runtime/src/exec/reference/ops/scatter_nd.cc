// ScatterND: out = data, then out[indices[i]] (a slice picked by the last indices dim) is set
// to, or combined with (reduction add/mul/max/min), updates[i] (ONNX ScatterND-18). Negative
// indices count from the end. Updates are applied in order, so duplicates: last one wins (none).
#include <cstring>

#include "exec/reference/op_util.h"
#include "exec/reference/shape_util.h"

namespace mota::exec {
namespace {

Status InferScatterND(InferContext& ctx) {
  const TensorView& data = ctx.inputs[0];
  const TensorView& indices = ctx.inputs[1];
  const TensorView& updates = ctx.inputs[2];
  MOTA_RETURN_IF_ERROR(ReadScatterReduction(ctx.node).status());
  if (indices.dtype != DType::kI64 && indices.dtype != DType::kI32) {
    return ctx.Error("indices must be i64 or i32, got ", DTypeName(indices.dtype));
  }
  MOTA_RETURN_IF_ERROR(CheckSameDType(ctx, {2}));
  const int64_t q = indices.rank();
  const int64_t k = q == 0 ? -1 : indices.shape[q - 1];
  if (data.rank() < 1 || q < 1 || k > data.rank()) {
    return ctx.Error("indices ", ShapeToString(indices.shape),
                     " must have rank >= 1 and a last dim <= ", "the rank of data ",
                     ShapeToString(data.shape));
  }
  Shape want(indices.shape.begin(), indices.shape.end() - 1);
  want.insert(want.end(), data.shape.begin() + k, data.shape.end());
  if (updates.shape != want) {
    return ctx.Error("updates has shape ", ShapeToString(updates.shape), "; expected ",
                     ShapeToString(want));
  }
  ctx.outputs[0] = {data.dtype, data.shape, nullptr};
  return Status::Ok();
}

// The element offset of each update slice in data, checking the indices.
Result<std::vector<int64_t>> SliceOffsets(const KernelContext& ctx) {
  const TensorView& data = ctx.inputs[0];
  const TensorView& indices = ctx.inputs[1];
  const std::vector<int64_t> idx = ReadIntValues(indices);
  const int64_t k = indices.shape.back();
  const std::vector<int64_t> strides = RowMajorStrides(data.shape);
  const int64_t tuples = NumElements(Shape(indices.shape.begin(), indices.shape.end() - 1));
  std::vector<int64_t> offsets(static_cast<size_t>(tuples), 0);
  for (size_t n = 0; n < offsets.size(); ++n) {
    int64_t off = 0;
    for (int64_t j = 0; j < k; ++j) {
      int64_t v = idx[n * k + j];
      const int64_t dim = data.shape[j];
      if (v < -dim || v >= dim) {
        return ctx.Error("index ", v, " (tuple ", n, ", entry ", j, ") is out of range for dim ", j,
                         " of size ", dim);
      }
      off += (v < 0 ? v + dim : v) * strides[j];
    }
    offsets[n] = off;
  }
  return offsets;
}

Status ComputeScatterND(KernelContext& ctx) {
  const TensorView& data = ctx.inputs[0];
  const TensorView& updates = ctx.inputs[2];
  MOTA_ASSIGN_OR_RETURN(ScatterReduction r, ReadScatterReduction(ctx.node));
  MOTA_ASSIGN_OR_RETURN(std::vector<int64_t> offsets, SliceOffsets(ctx));
  MOTA_RETURN_IF_ERROR(ComputeCopyInput0(ctx));
  const int64_t slice =
      offsets.empty() ? 0 : updates.numel() / static_cast<int64_t>(offsets.size());
  auto apply = [&](auto* tag) -> Status {
    using T = std::remove_pointer_t<decltype(tag)>;
    const T* src = updates.as<T>();
    T* out = ctx.outputs[0].as<T>();
    for (size_t n = 0; n < offsets.size(); ++n) {
      for (int64_t i = 0; i < slice; ++i)
        ScatterCombine(r, out[offsets[n] + i], src[n * slice + i]);
    }
    return Status::Ok();
  };
  if (r == ScatterReduction::kNone) return MOTA_DISPATCH_BY_SIZE(data.dtype, ctx, apply);
  return MOTA_DISPATCH_NUMERIC(data.dtype, ctx, apply);
}

}  // namespace

MOTA_REGISTER_OP(ScatterND, {"ScatterND", 3, 3, 1, 1, InferScatterND, ComputeScatterND});

}  // namespace mota::exec
