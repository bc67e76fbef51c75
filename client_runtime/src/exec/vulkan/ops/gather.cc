// Gather (f32 data, i32 or i64 indices, any axis; ONNX Gather-13). Indices known at prepare
// time are range-checked there (INVALID_ARGUMENT, as the reference backend reports at run time);
// run-time indices out of range give NaN rows (gather.comp), never another row's values.
#include "exec/vulkan/vk_op.h"

namespace mota::exec::vk {
namespace {

struct Push {
  uint32_t total, n, dim, inner;
};

Result<int64_t> Axis(const OpContext& ctx) {
  const int64_t rank = static_cast<int64_t>(ctx.inputs[0].shape.size());
  const int64_t axis = ctx.attrs().GetInt("axis", 0);
  if (axis < -rank || axis >= rank) {
    return ctx.Error("axis ", axis, " is out of range for data of rank ", rank);
  }
  return axis < 0 ? axis + rank : axis;
}

Status CheckKnownIndices(const OpContext& ctx, int64_t dim) {
  const GpuTensor& t = ctx.inputs[1];
  if (t.host == nullptr) return Status::Ok();
  for (int64_t i = 0; i < t.numel(); ++i) {
    const int64_t k = t.dtype == DType::kI64 ? static_cast<const int64_t*>(t.host)[i]
                                             : static_cast<const int32_t*>(t.host)[i];
    if (k < -dim || k >= dim) {
      return ctx.Error("index ", k, " (at position ", i, ") is out of range for an axis of size ",
                       dim, " (expected ", -dim, "..", dim - 1, ")");
    }
  }
  return Status::Ok();
}

Status Check(const OpContext& ctx) {
  MOTA_RETURN_IF_ERROR(CheckF32(ctx, 1));
  if (ctx.attrs().Has(kActivationAttr)) return ctx.Unsupported("a fused activation");
  const GpuTensor& indices = ctx.inputs[1];
  if (indices.dtype != DType::kI64 && indices.dtype != DType::kI32) {
    return ctx.Unsupported("indices are ", DTypeName(indices.dtype),
                           "; i32 and i64 are implemented");
  }
  if (indices.nbytes() > ctx.device.max_storage_range) {
    return ctx.Unsupported("indices have ", indices.nbytes(), " bytes; the device binds at most ",
                           ctx.device.max_storage_range);
  }
  if (ctx.inputs[0].shape.empty()) return ctx.Error("data must have rank >= 1, got a scalar");
  MOTA_ASSIGN_OR_RETURN(const int64_t axis, Axis(ctx));
  return CheckKnownIndices(ctx, ctx.inputs[0].shape[axis]);
}

Status Build(OpBuilder& b) {
  MOTA_ASSIGN_OR_RETURN(const int64_t axis, Axis(b));
  const Shape& x = b.inputs[0].shape;
  int64_t inner = 1;
  for (size_t d = static_cast<size_t>(axis) + 1; d < x.size(); ++d) inner *= x[d];
  Push p{static_cast<uint32_t>(b.outputs[0].numel()), static_cast<uint32_t>(b.inputs[1].numel()),
         static_cast<uint32_t>(x[axis]), static_cast<uint32_t>(inner)};
  uint32_t gx, gy;
  Groups1D(b.device, p.total, b.tuning.elementwise_wg, &gx, &gy);
  const uint32_t i64 = b.inputs[1].dtype == DType::kI64 ? 1u : 0u;
  b.Add("gather", {b.tuning.elementwise_wg, i64}, p, {b.Input(0), b.Input(1)},
        {b.outputs[0].region}, gx, gy);
  return Status::Ok();
}

}  // namespace
}  // namespace mota::exec::vk

MOTA_REGISTER_VK_OP(Gather, {"Gather", ::mota::exec::vk::Check, ::mota::exec::vk::Build});
