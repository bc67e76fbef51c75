// Slice (f32, rank <= 6, ONNX Slice-13): starts, ends, axes and steps must be known at prepare
// time. One strided gather; the clamping rules are the reference backend's
// (exec/reference/ops/slice.cc), so both read the same elements.
#include <algorithm>

#include "exec/vulkan/vk_op.h"

namespace mota::exec::vk {
namespace {

constexpr size_t kMaxRank = 6;

struct Push {
  uint32_t total;
  uint32_t dims[kMaxRank];
  int32_t strides[kMaxRank];
  uint32_t base;
};

// The int64 or int32 values of a prepare-time tensor (absent: empty).
std::vector<int64_t> IntValues(const GpuTensor& t) {
  std::vector<int64_t> v;
  if (!t.present() || t.host == nullptr) return v;
  for (int64_t i = 0; i < t.numel(); ++i) {
    v.push_back(t.dtype == DType::kI64 ? static_cast<const int64_t*>(t.host)[i]
                                       : static_cast<const int32_t*>(t.host)[i]);
  }
  return v;
}

bool IntKnown(const OpContext& ctx, size_t i) {
  if (!ctx.has_input(i)) return true;
  const GpuTensor& t = ctx.inputs[i];
  return t.host != nullptr && (t.dtype == DType::kI64 || t.dtype == DType::kI32);
}

// Per data dim: first element and step, computed as the reference backend does.
Status Resolve(const OpContext& ctx, std::vector<int64_t>* start, std::vector<int64_t>* step) {
  const Shape& shape = ctx.inputs[0].shape;
  const int64_t rank = static_cast<int64_t>(shape.size());
  const std::vector<int64_t> starts = IntValues(ctx.inputs[1]);
  const std::vector<int64_t> ends = IntValues(ctx.inputs[2]);
  std::vector<int64_t> axes = ctx.has_input(3) ? IntValues(ctx.inputs[3]) : std::vector<int64_t>{};
  std::vector<int64_t> steps = ctx.has_input(4) ? IntValues(ctx.inputs[4]) : std::vector<int64_t>{};
  if (axes.empty()) {
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  }
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() ||
      steps.size() != starts.size()) {
    return ctx.Error("starts, ends, axes and steps must have the same length; got ", starts.size(),
                     ", ", ends.size(), ", ", axes.size(), " and ", steps.size());
  }
  start->assign(shape.size(), 0);
  step->assign(shape.size(), 1);
  for (size_t i = 0; i < axes.size(); ++i) {
    const int64_t axis = axes[i] < 0 ? axes[i] + rank : axes[i];
    if (axis < 0 || axis >= rank)
      return ctx.Error("axis ", axes[i], " is out of range for rank ", rank);
    if (steps[i] == 0) return ctx.Error("step for axis ", axes[i], " is 0; it must be nonzero");
    const int64_t dim = shape[axis];
    int64_t s = starts[i] < 0 ? starts[i] + dim : starts[i];
    s = steps[i] > 0 ? std::clamp<int64_t>(s, 0, dim) : std::clamp<int64_t>(s, 0, dim - 1);
    (*start)[axis] = s;
    // A step longer than the axis takes one element; clamped as the reference does, so
    // step * stride fits the shader's 32-bit arithmetic.
    (*step)[axis] =
        steps[i] > 0 ? std::min(steps[i], dim + 1) : -(std::min(-(steps[i] + 1), dim) + 1);
  }
  return Status::Ok();
}

Status Check(const OpContext& ctx) {
  MOTA_RETURN_IF_ERROR(CheckF32(ctx, 1));
  if (ctx.attrs().Has(kActivationAttr)) return ctx.Unsupported("a fused activation");
  if (ctx.inputs[0].shape.size() > kMaxRank) return ctx.Unsupported("rank above ", kMaxRank);
  for (size_t i = 1; i < 5; ++i) {
    if (!IntKnown(ctx, i))
      return ctx.Unsupported("input ", i, " is not an integer known at prepare time");
  }
  std::vector<int64_t> start, step;
  return Resolve(ctx, &start, &step);
}

Status Build(OpBuilder& b) {
  std::vector<int64_t> start, step;
  MOTA_RETURN_IF_ERROR(Resolve(b, &start, &step));
  const Shape& x = b.inputs[0].shape;
  const Shape& out = b.outputs[0].shape;
  Push p{};
  p.total = static_cast<uint32_t>(b.outputs[0].numel());
  const size_t lead = kMaxRank - x.size();
  int64_t stride = 1, base = 0;
  for (size_t d = kMaxRank; d-- > 0;) {
    if (d < lead) {
      p.dims[d] = 1;
      continue;
    }
    const size_t xd = d - lead;
    p.dims[d] = static_cast<uint32_t>(out[xd]);
    p.strides[d] = static_cast<int32_t>(step[xd] * stride);
    base += start[xd] * stride;
    stride *= x[xd];
  }
  p.base = static_cast<uint32_t>(base);
  uint32_t gx, gy;
  Groups1D(b.device, p.total, b.tuning.elementwise_wg, &gx, &gy);
  b.Add("slice", {b.tuning.elementwise_wg}, p, {b.Input(0)}, {b.outputs[0].region}, gx, gy);
  return Status::Ok();
}

}  // namespace
}  // namespace mota::exec::vk

MOTA_REGISTER_VK_OP(Slice, {"Slice", ::mota::exec::vk::Check, ::mota::exec::vk::Build});
