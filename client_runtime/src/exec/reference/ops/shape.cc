// Shape: the input's dims as an i64 vector, optionally dims[start:end] (ONNX Shape-15; start and
// end count from the back when negative and are clamped to [0, rank]). Reads no data, so the
// planner evaluates it at prepare time (shape_only).
#include <algorithm>

#include "exec/reference/shape_util.h"

namespace mota::exec {
namespace {

// [start, end) of the dims to emit.
std::pair<int64_t, int64_t> ShapeRange(const model::Attributes& attrs, int64_t rank) {
  auto clamp = [rank](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + rank : v, 0, rank); };
  const int64_t start = clamp(attrs.GetInt("start", 0));
  const int64_t end = attrs.Has("end") ? clamp(attrs.GetInt("end", rank)) : rank;
  return {start, std::max(start, end)};
}

Status InferShape(InferContext& ctx) {
  const auto [start, end] = ShapeRange(ctx.attrs(), ctx.inputs[0].rank());
  ctx.outputs[0] = {DType::kI64, {end - start}, nullptr};
  return Status::Ok();
}

Status ComputeShape(KernelContext& ctx) {
  const Shape& shape = ctx.inputs[0].shape;
  const auto [start, end] = ShapeRange(ctx.attrs(), static_cast<int64_t>(shape.size()));
  int64_t* out = ctx.outputs[0].as<int64_t>();
  for (int64_t i = start; i < end; ++i) out[i - start] = shape[i];
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(Shape, {"Shape", 1, 1, 1, 1, InferShape, ComputeShape, /*shape_only=*/true});

}  // namespace mota::exec
