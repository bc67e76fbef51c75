// GatherElements: out[i..] = data[i.. with index `axis` replaced by indices[i..]] (ONNX
// GatherElements-13). indices has the rank of data, out its shape; negative indices count from
// the end.
#include "exec/reference/op_util.h"
#include "exec/reference/shape_util.h"

namespace mota::exec {
namespace {

Status InferGatherElements(InferContext& ctx) {
  const TensorView& data = ctx.inputs[0];
  const TensorView& indices = ctx.inputs[1];
  if (indices.dtype != DType::kI32 && indices.dtype != DType::kI64) {
    return ctx.Error("indices must be i32 or i64, got ", DTypeName(indices.dtype));
  }
  if (data.rank() == 0 || indices.rank() != data.rank()) {
    return ctx.Error("indices ", ShapeToString(indices.shape), " must have the rank of data ",
                     ShapeToString(data.shape), " (at least 1)");
  }
  MOTA_ASSIGN_OR_RETURN(int64_t axis,
                        NormalizeAxis(ctx.attrs().GetInt("axis", 0), data.rank(), ctx));
  for (int64_t d = 0; d < data.rank(); ++d) {
    if (d != axis && indices.shape[d] > data.shape[d]) {
      return ctx.Error("indices ", ShapeToString(indices.shape), " exceed data ",
                       ShapeToString(data.shape), " on dim ", d);
    }
  }
  ctx.outputs[0] = {data.dtype, indices.shape, nullptr};
  return Status::Ok();
}

Status ComputeGatherElements(KernelContext& ctx) {
  const TensorView& data = ctx.inputs[0];
  const TensorView& out = ctx.outputs[0];
  const int64_t axis = NormalizeAxis(ctx.attrs().GetInt("axis", 0), data.rank()).value();
  const std::vector<int64_t> indices = ReadIntValues(ctx.inputs[1]);
  const std::vector<int64_t> strides = RowMajorStrides(data.shape);
  const int64_t dim = data.shape[axis];
  // Source offset of each output element without the axis term, advanced like an odometer.
  return MOTA_DISPATCH_BY_SIZE(data.dtype, ctx, [&](auto* tag) -> Status {
    using T = std::remove_pointer_t<decltype(tag)>;
    const T* src = data.as<T>();
    T* dst = out.as<T>();
    std::vector<int64_t> idx(out.shape.size(), 0);
    int64_t base = 0;
    for (size_t i = 0; i < indices.size(); ++i) {
      const int64_t k = indices[i];
      if (k < -dim || k >= dim) {
        return ctx.Error("index ", k, " (at position ", i, ") is out of range for axis ", axis,
                         " of size ", dim);
      }
      dst[i] = src[base + (k < 0 ? k + dim : k) * strides[axis]];
      for (size_t d = idx.size(); d-- > 0;) {
        const int64_t step = static_cast<int64_t>(d) == axis ? 0 : strides[d];
        if (++idx[d] < out.shape[d]) {
          base += step;
          break;
        }
        base -= step * (out.shape[d] - 1);
        idx[d] = 0;
      }
    }
    return Status::Ok();
  });
}

}  // namespace

MOTA_REGISTER_OP(GatherElements,
                 {"GatherElements", 2, 2, 1, 1, InferGatherElements, ComputeGatherElements});

}  // namespace mota::exec
