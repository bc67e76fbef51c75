// OneHot: inserts a depth-long axis at `axis` (default -1) holding values[1] where it equals the
// index and values[0] elsewhere (ONNX OneHot-11). Negative indices count from depth; indices out
// of [-depth, depth) give an all-off row. depth (a scalar) must be known at prepare time.
#include <cmath>
#include <cstring>

#include "exec/reference/op_util.h"
#include "exec/reference/shape_util.h"

namespace mota::exec {
namespace {

struct OneHotDims {
  int64_t depth, axis, outer, inner;
};

Result<OneHotDims> ResolveOneHot(const model::Node& node, std::span<const TensorView> inputs) {
  const TensorView& indices = inputs[0];
  MOTA_ASSIGN_OR_RETURN(std::vector<double> depth, KnownDoubleValues(node, inputs, 1, "depth"));
  if (depth.size() != 1 || !(depth[0] >= 1) || depth[0] > 1e12) {
    return NodeError(node, "depth must be one positive value, got ",
                     depth.size() == 1 ? depth[0] : -1.0);
  }
  const int64_t rank = indices.rank() + 1;
  int64_t axis = node.attrs.GetInt("axis", -1);
  if (axis < -rank || axis >= rank) {
    return NodeError(node, "axis ", axis, " is out of range for output rank ", rank);
  }
  if (axis < 0) axis += rank;
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < indices.rank(); ++d) (d < axis ? outer : inner) *= indices.shape[d];
  return OneHotDims{static_cast<int64_t>(depth[0]), axis, outer, inner};
}

Status InferOneHot(InferContext& ctx) {
  const TensorView& values = ctx.inputs[2];
  if (values.numel() != 2)
    return ctx.Error("values must hold [off, on], got shape ", ShapeToString(values.shape));
  MOTA_ASSIGN_OR_RETURN(OneHotDims d, ResolveOneHot(ctx.node, ctx.inputs));
  Shape out = ctx.inputs[0].shape;
  out.insert(out.begin() + d.axis, d.depth);
  ctx.outputs[0] = {values.dtype, out, nullptr};
  return Status::Ok();
}

Status ComputeOneHot(KernelContext& ctx) {
  MOTA_ASSIGN_OR_RETURN(OneHotDims d, ResolveOneHot(ctx.node, ctx.inputs));
  const std::vector<double> indices = ReadAsDouble(ctx.inputs[0]);
  const TensorView& values = ctx.inputs[2];
  return MOTA_DISPATCH_BY_SIZE(values.dtype, ctx, [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    const T off = values.as<T>()[0], on = values.as<T>()[1];
    T* out = ctx.outputs[0].as<T>();
    std::fill_n(out, ctx.outputs[0].numel(), off);
    for (int64_t o = 0; o < d.outer; ++o) {
      for (int64_t i = 0; i < d.inner; ++i) {
        int64_t k = static_cast<int64_t>(std::trunc(indices[o * d.inner + i]));
        if (k < 0) k += d.depth;
        if (k >= 0 && k < d.depth) out[(o * d.depth + k) * d.inner + i] = on;
      }
    }
    return Status::Ok();
  });
}

}  // namespace

MOTA_REGISTER_OP(OneHot, {"OneHot", 3, 3, 1, 1, InferOneHot, ComputeOneHot});

}  // namespace mota::exec
