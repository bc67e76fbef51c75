#include "exec/reference/reduce_util.h"

namespace mota::exec {
namespace {

Result<ReducePlan> MakePlan(const model::Node& node, const Shape& shape,
                            const std::vector<int64_t>& axes) {
  const int64_t rank = static_cast<int64_t>(shape.size());
  ReducePlan p;
  const bool noop = node.attrs.GetInt("noop_with_empty_axes", 0) != 0;
  p.reduced.assign(shape.size(), axes.empty() && !noop);
  for (int64_t a : axes) {
    if (a < -rank || a >= rank) {
      return InvalidArgument(node.op_type, " node '", node.name, "': axis ", a,
                             " is out of range for input ", ShapeToString(shape), " (expected ",
                             -rank, "..", rank - 1, ")");
    }
    const int64_t axis = a < 0 ? a + rank : a;
    if (p.reduced[axis]) {
      return InvalidArgument(node.op_type, " node '", node.name, "': axes ", ShapeToString(axes),
                             " name dim ", axis, " twice");
    }
    p.reduced[axis] = true;
  }
  const bool keepdims = node.attrs.GetInt("keepdims", 1) != 0;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (p.reduced[d]) {
      p.count *= shape[d];
      if (keepdims) p.out_shape.push_back(1);
    } else {
      p.out_shape.push_back(shape[d]);
    }
  }
  return p;
}

}  // namespace

Status InferReduce(InferContext& ctx, ReduceTypes types) {
  const TensorView& x = ctx.inputs[0];
  const bool int_ok =
      types == ReduceTypes::kFloatAndInt && (x.dtype == DType::kI32 || x.dtype == DType::kI64);
  if (x.dtype != DType::kF32 && !int_ok) {
    return ctx.Error("dtype ", DTypeName(x.dtype), " is not supported; expected f32",
                     types == ReduceTypes::kFloatAndInt ? ", i32 or i64" : "");
  }
  std::vector<int64_t> axes;
  if (ctx.has_input(1)) {
    MOTA_ASSIGN_OR_RETURN(axes, ctx.IntInputValues(1));
  }
  MOTA_ASSIGN_OR_RETURN(ReducePlan p, MakePlan(ctx.node, x.shape, axes));
  ctx.outputs[0] = {x.dtype, p.out_shape, nullptr};
  return Status::Ok();
}

Result<ReducePlan> KernelReducePlan(const KernelContext& ctx) {
  std::vector<int64_t> axes;
  if (ctx.has_input(1)) axes = ReadIntValues(ctx.inputs[1]);
  return MakePlan(ctx.node, ctx.inputs[0].shape, axes);
}

ReduceDims MergeReduceDims(const Shape& shape, const std::vector<bool>& reduced) {
  ReduceDims m;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;  // size-1 dims change no offset
    if (!m.dims.empty() && m.reduced.back() == reduced[d]) {
      m.dims.back() *= shape[d];
    } else {
      m.dims.push_back(shape[d]);
      m.reduced.push_back(reduced[d]);
    }
  }
  if (m.dims.empty()) {
    m.dims.push_back(1);
    m.reduced.push_back(false);
  }
  m.out_stride.assign(m.dims.size(), 0);
  int64_t stride = 1;
  for (size_t d = m.dims.size(); d-- > 0;) {
    if (m.reduced[d]) continue;
    m.out_stride[d] = stride;
    stride *= m.dims[d];
  }
  return m;
}

Status InferArgReduce(InferContext& ctx) {
  const TensorView& x = ctx.inputs[0];
  if (x.dtype != DType::kF32 && x.dtype != DType::kI32 && x.dtype != DType::kI64 &&
      x.dtype != DType::kI8 && x.dtype != DType::kU8) {
    return ctx.Error("dtype ", DTypeName(x.dtype),
                     " is not supported; expected f32, i32, i64, i8 or u8");
  }
  MOTA_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(ctx.attrs().GetInt("axis", 0), x.rank(), ctx));
  if (x.rank() > 0 && x.shape[axis] == 0) {
    return ctx.Error("dim ", axis, " of input ", ShapeToString(x.shape),
                     " is empty: there is no element to pick");
  }
  Shape out;
  for (int64_t d = 0; d < x.rank(); ++d) {
    if (d != axis) {
      out.push_back(x.shape[d]);
    } else if (ctx.attrs().GetInt("keepdims", 1) != 0) {
      out.push_back(1);
    }
  }
  ctx.outputs[0] = {DType::kI64, out, nullptr};
  return Status::Ok();
}

}  // namespace mota::exec
