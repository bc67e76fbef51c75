#include "exec/reference/pool_util.h"

#include <algorithm>

namespace mota::exec {
namespace {

// The dtypes MaxPool / GlobalMaxPool dispatch on (MOTA_DISPATCH_NUMERIC).
Status CheckPoolDType(const InferContext& ctx, DType dtype, bool float_only) {
  const bool numeric = dtype == DType::kF32 || dtype == DType::kI8 || dtype == DType::kU8 ||
                       dtype == DType::kI32 || dtype == DType::kI64;
  if (float_only ? dtype == DType::kF32 : numeric) return Status::Ok();
  return ctx.Error("X has dtype ", DTypeName(dtype), "; expected ",
                   float_only ? "f32" : "f32, i8, u8, i32 or i64");
}

// Tap ranges of one dim. pad_end only matters for the `padded` count.
PoolTaps MakeTaps(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t dilation,
                  int64_t pad_begin, int64_t pad_end) {
  PoolTaps t;
  for (int64_t o = 0; o < out; ++o) {
    const int64_t start = o * stride - pad_begin;
    int64_t lo = kernel, hi = 0, padded = 0;
    for (int64_t k = 0; k < kernel; ++k) {
      const int64_t pos = start + k * dilation;
      if (pos >= 0 && pos < in) {
        lo = std::min(lo, k);
        hi = std::max(hi, k + 1);
      }
      if (pos >= -pad_begin && pos < in + pad_end) ++padded;
    }
    t.start.push_back(start);
    t.lo.push_back(std::min(lo, hi));
    t.hi.push_back(hi);
    t.padded.push_back(padded);
  }
  return t;
}

}  // namespace

Result<PoolPlan> MakePoolPlan(const model::Node& node, const TensorView& x) {
  if (x.rank() < 3 || x.rank() > 5) {
    return InvalidArgument(node.op_type, " node '", node.name, "': X has shape ",
                           ShapeToString(x.shape),
                           "; expected rank 3 to 5 (N, C and 1 to 3 spatial dims)");
  }
  const int64_t ceil_mode = node.attrs.GetInt("ceil_mode", 0);
  const std::vector<int64_t> in(x.shape.begin() + 2, x.shape.end());
  MOTA_ASSIGN_OR_RETURN(WindowGeometry g, ResolveWindow(node, in, {.ceil_mode = ceil_mode != 0}));
  PoolPlan p;
  p.planes = x.shape[0] * x.shape[1];
  p.w = ToWindow3(g);
  const size_t lead = 3 - g.rank();
  // MakeTaps costs out * kernel per dim; a hostile file's huge window (found by fuzzing) made
  // prepare spin for minutes. Real pools stay far below this bound.
  constexpr int64_t kMaxTapWork = int64_t{1} << 26;
  for (size_t d = 0; d < 3; ++d) {
    if (p.w.kernel[d] > kMaxTapWork / std::max<int64_t>(p.w.out[d], 1)) {
      return InvalidArgument(node.op_type, " node '", node.name, "': kernel ", p.w.kernel[d],
                             " over ", p.w.out[d], " outputs is more window work than the ",
                             kMaxTapWork, " taps allowed per dim");
    }
  }
  for (size_t d = 0; d < 3; ++d) {
    const int64_t pad_end = d < lead ? 0 : g.pad_end[d - lead];
    p.taps[d] = MakeTaps(p.w.in[d], p.w.out[d], p.w.kernel[d], p.w.stride[d], p.w.dilation[d],
                         p.w.pad[d], pad_end);
  }
  p.columns = ColumnTaps(p.w);
  p.out_shape = {x.shape[0], x.shape[1]};
  p.out_shape.insert(p.out_shape.end(), g.out.begin(), g.out.end());
  return p;
}

Status InferPool(InferContext& ctx, bool float_only) {
  const TensorView& x = ctx.inputs[0];
  MOTA_RETURN_IF_ERROR(CheckPoolDType(ctx, x.dtype, float_only));
  MOTA_ASSIGN_OR_RETURN(PoolPlan p, MakePoolPlan(ctx.node, x));
  const int64_t storage_order = ctx.attrs().GetInt("storage_order", 0);
  if (storage_order != 0 && storage_order != 1) {
    return ctx.Error("storage_order is ", storage_order, "; expected 0 (row major) or 1");
  }
  ctx.outputs[0] = {x.dtype, p.out_shape, nullptr};
  if (ctx.outputs.size() > 1) ctx.outputs[1] = {DType::kI64, p.out_shape, nullptr};
  return Status::Ok();
}

Status InferGlobalPool(InferContext& ctx, bool float_only) {
  const TensorView& x = ctx.inputs[0];
  MOTA_RETURN_IF_ERROR(CheckPoolDType(ctx, x.dtype, float_only));
  if (x.rank() < 3) {
    return ctx.Error("X has shape ", ShapeToString(x.shape),
                     "; expected rank >= 3 (N, C and spatial dims)");
  }
  Shape out(x.shape.size(), 1);
  out[0] = x.shape[0];
  out[1] = x.shape[1];
  ctx.outputs[0] = {x.dtype, out, nullptr};
  return Status::Ok();
}

}  // namespace mota::exec
