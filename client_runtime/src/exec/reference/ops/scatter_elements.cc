// ScatterElements: out = data, then for every position p of indices, out[p with dim `axis`
// replaced by indices[p]] is set to, or combined with (reduction add/mul/max/min), updates[p]
// (ONNX ScatterElements-18). Negative indices count from the end.
#include "exec/reference/op_util.h"
#include "exec/reference/shape_util.h"

namespace mota::exec {
namespace {

Status InferScatterElements(InferContext& ctx) {
  const TensorView& data = ctx.inputs[0];
  const TensorView& indices = ctx.inputs[1];
  MOTA_RETURN_IF_ERROR(ReadScatterReduction(ctx.node).status());
  if (indices.dtype != DType::kI64 && indices.dtype != DType::kI32) {
    return ctx.Error("indices must be i64 or i32, got ", DTypeName(indices.dtype));
  }
  MOTA_RETURN_IF_ERROR(CheckSameDType(ctx, {2}));
  if (ctx.inputs[2].shape != indices.shape) {
    return ctx.Error("updates has shape ", ShapeToString(ctx.inputs[2].shape), " but indices has ",
                     ShapeToString(indices.shape), "; they must match");
  }
  MOTA_ASSIGN_OR_RETURN(int64_t axis,
                        NormalizeAxis(ctx.attrs().GetInt("axis", 0), data.rank(), ctx));
  if (indices.rank() != data.rank()) {
    return ctx.Error("indices ", ShapeToString(indices.shape), " must have the rank of data ",
                     ShapeToString(data.shape));
  }
  for (int64_t d = 0; d < data.rank(); ++d) {
    if (d != axis && indices.shape[d] > data.shape[d]) {
      return ctx.Error("indices ", ShapeToString(indices.shape), " exceed data ",
                       ShapeToString(data.shape), " on dim ", d);
    }
  }
  ctx.outputs[0] = {data.dtype, data.shape, nullptr};
  return Status::Ok();
}

// Element offset in data of every indices position, checking the indices.
Result<std::vector<int64_t>> TargetOffsets(const KernelContext& ctx, int64_t axis) {
  const TensorView& data = ctx.inputs[0];
  const Shape& ishape = ctx.inputs[1].shape;
  const std::vector<int64_t> idx = ReadIntValues(ctx.inputs[1]);
  const std::vector<int64_t> strides = RowMajorStrides(data.shape);
  const int64_t dim = data.shape[axis];
  std::vector<int64_t> offsets(idx.size());
  std::vector<int64_t> pos(ishape.size(), 0);
  int64_t base = 0;  // offset of pos with the axis coordinate left out
  for (size_t i = 0; i < idx.size(); ++i) {
    const int64_t v = idx[i];
    if (v < -dim || v >= dim) {
      return ctx.Error("index ", v, " (at position ", i, ") is out of range for axis ", axis,
                       " of size ", dim);
    }
    offsets[i] = base + (v < 0 ? v + dim : v) * strides[axis];
    for (size_t d = pos.size(); d-- > 0;) {
      const int64_t step = static_cast<int64_t>(d) == axis ? 0 : strides[d];
      if (++pos[d] < ishape[d]) {
        base += step;
        break;
      }
      base -= step * (ishape[d] - 1);
      pos[d] = 0;
    }
  }
  return offsets;
}

Status ComputeScatterElements(KernelContext& ctx) {
  const TensorView& data = ctx.inputs[0];
  const TensorView& updates = ctx.inputs[2];
  const int64_t axis = NormalizeAxis(ctx.attrs().GetInt("axis", 0), data.rank()).value();
  MOTA_ASSIGN_OR_RETURN(ScatterReduction r, ReadScatterReduction(ctx.node));
  MOTA_ASSIGN_OR_RETURN(std::vector<int64_t> offsets, TargetOffsets(ctx, axis));
  MOTA_RETURN_IF_ERROR(ComputeCopyInput0(ctx));
  auto apply = [&](auto* tag) -> Status {
    using T = std::remove_pointer_t<decltype(tag)>;
    const T* src = updates.as<T>();
    T* out = ctx.outputs[0].as<T>();
    for (size_t i = 0; i < offsets.size(); ++i) ScatterCombine(r, out[offsets[i]], src[i]);
    return Status::Ok();
  };
  if (r == ScatterReduction::kNone) return MOTA_DISPATCH_BY_SIZE(data.dtype, ctx, apply);
  return MOTA_DISPATCH_NUMERIC(data.dtype, ctx, apply);
}

}  // namespace

MOTA_REGISTER_OP(ScatterElements,
                 {"ScatterElements", 3, 3, 1, 1, InferScatterElements, ComputeScatterElements});

}  // namespace mota::exec
