// Slice: data[starts:ends:steps] on the listed axes (ONNX Slice-13). starts, ends, axes and
// steps are inputs known at prepare time. Per ONNX, negative starts/ends count from the end and
// are then clamped: to [0, dim] for positive steps, to [0, dim-1] (start) and [-1, dim-1] (end)
// for negative ones. The copy is one CopyStrided call (memcpy runs when the inner step is 1).
#include <algorithm>

#include "exec/reference/shape_util.h"

namespace mota::exec {
namespace {

// Per data dim: the first element read, the step, and the output size.
struct SliceDims {
  std::vector<int64_t> start, step;
  Shape out;
};

Result<SliceDims> ResolveSlice(const model::Node& node, std::span<const TensorView> inputs) {
  const Shape& shape = inputs[0].shape;
  const int64_t rank = static_cast<int64_t>(shape.size());
  MOTA_ASSIGN_OR_RETURN(std::vector<int64_t> starts, KnownIntValues(node, inputs, 1, "starts"));
  MOTA_ASSIGN_OR_RETURN(std::vector<int64_t> ends, KnownIntValues(node, inputs, 2, "ends"));
  MOTA_ASSIGN_OR_RETURN(std::vector<int64_t> raw_axes, OptionalIntValues(node, inputs, 3, "axes"));
  MOTA_ASSIGN_OR_RETURN(std::vector<int64_t> steps, OptionalIntValues(node, inputs, 4, "steps"));
  if (raw_axes.empty()) {
    for (size_t i = 0; i < starts.size(); ++i) raw_axes.push_back(static_cast<int64_t>(i));
  }
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || raw_axes.size() != starts.size() ||
      steps.size() != starts.size()) {
    return NodeError(node, "starts, ends, axes and steps must have the same length; got ",
                     starts.size(), ", ", ends.size(), ", ", raw_axes.size(), " and ",
                     steps.size());
  }
  MOTA_ASSIGN_OR_RETURN(std::vector<int64_t> axes, NormalizeAxisList(node, raw_axes, rank));
  SliceDims r{std::vector<int64_t>(shape.size(), 0), std::vector<int64_t>(shape.size(), 1), shape};
  for (size_t i = 0; i < axes.size(); ++i) {
    const int64_t dim = shape[axes[i]];
    const int64_t step = steps[i];
    if (step == 0)
      return NodeError(node, "step for axis ", raw_axes[i], " is 0; it must be nonzero");
    int64_t start = starts[i] < 0 ? starts[i] + dim : starts[i];
    int64_t end = ends[i] < 0 ? ends[i] + dim : ends[i];
    if (step > 0) {
      start = std::clamp<int64_t>(start, 0, dim);
      end = std::clamp<int64_t>(end, 0, dim);
    } else {
      start = std::clamp<int64_t>(start, 0, dim - 1);
      end = std::clamp<int64_t>(end, -1, dim - 1);
    }
    // ceil((end - start) / step), at least 0. A step longer than the dim takes one element, so
    // clamping it to dim + 1 keeps the arithmetic (and step * stride below) from overflowing.
    const int64_t span = end - start;
    const int64_t mag = step > 0 ? std::min(step, dim + 1) : std::min(-(step + 1), dim) + 1;
    int64_t size = 0;
    if (step > 0 && span > 0) size = (span + mag - 1) / mag;
    if (step < 0 && span < 0) size = (-span + mag - 1) / mag;
    r.start[axes[i]] = size > 0 ? start : 0;
    r.step[axes[i]] = step > 0 ? mag : -mag;
    r.out[axes[i]] = size;
  }
  return r;
}

Status InferSlice(InferContext& ctx) {
  MOTA_ASSIGN_OR_RETURN(SliceDims s, ResolveSlice(ctx.node, ctx.inputs));
  ctx.outputs[0] = {ctx.inputs[0].dtype, s.out, nullptr};
  return Status::Ok();
}

Status ComputeSlice(KernelContext& ctx) {
  const TensorView& in = ctx.inputs[0];
  MOTA_ASSIGN_OR_RETURN(SliceDims s, ResolveSlice(ctx.node, ctx.inputs));
  if (NumElements(s.out) == 0) return Status::Ok();
  const std::vector<int64_t> in_strides = RowMajorStrides(in.shape);
  std::vector<int64_t> strides(in_strides.size());
  int64_t base = 0;
  for (size_t d = 0; d < strides.size(); ++d) {
    base += s.start[d] * in_strides[d];
    strides[d] = s.step[d] * in_strides[d];
  }
  const size_t elem = DTypeSize(in.dtype);
  CopyStrided(static_cast<const uint8_t*>(in.data) + base * static_cast<int64_t>(elem), s.out,
              strides, ctx.outputs[0].data, elem);
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(Slice, {"Slice", 3, 5, 1, 1, InferSlice, ComputeSlice});

}  // namespace mota::exec
