// Templates for elementwise ops: unary maps and broadcasting binary maps. Op files instantiate
// them with a functor, so the per-element work inlines (no per-element calls through pointers).
#pragma once

#include "exec/reference/op_util.h"

namespace mota::exec {

// Output dtype = input dtype, same shape.
Status InferSameAsInput0(InferContext& ctx);
// Output = broadcast of inputs 0 and 1, dtype of input 0; both inputs must share a dtype.
Status InferBroadcastBinary(InferContext& ctx);
// Like InferBroadcastBinary with a bool output (comparisons).
Status InferBroadcastCompare(InferContext& ctx);

template <typename In, typename Out, typename F>
void BinaryBroadcastLoop(const TensorView& a, const TensorView& b, const TensorView& out, F&& f) {
  const In* pa = a.as<In>();
  const In* pb = b.as<In>();
  Out* po = out.as<Out>();
  const int64_t n = out.numel();
  if (a.shape == out.shape && b.shape == out.shape) {
    for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i], pb[i]);
    return;
  }
  if (b.numel() == 1 && a.shape == out.shape) {
    const In s = pb[0];
    for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i], s);
    return;
  }
  ForEachBroadcast2(out.shape, BroadcastStrides(a.shape, out.shape), BroadcastStrides(b.shape, out.shape),
                    [&](int64_t o, int64_t ia, int64_t ib) { po[o] = f(pa[ia], pb[ib]); });
}

// Runs f on float, i32, i64 (and i8/u8) inputs of the same dtype, output of that dtype.
template <typename F>
Status ComputeBinaryArithmetic(KernelContext& ctx, F f) {
  const TensorView& a = ctx.inputs[0];
  const TensorView& b = ctx.inputs[1];
  return MOTA_DISPATCH_NUMERIC(a.dtype, ctx, [&](auto* tag) {
    using T = std::remove_pointer_t<decltype(tag)>;
    BinaryBroadcastLoop<T, T>(a, b, ctx.outputs[0], [&](T x, T y) { return static_cast<T>(f(x, y)); });
    return Status::Ok();
  });
}

template <typename F>
Status ComputeUnaryFloat(KernelContext& ctx, F f) {
  const TensorView& x = ctx.inputs[0];
  if (x.dtype != DType::kF32) return ctx.Error("expects f32 input, got ", DTypeName(x.dtype));
  const float* px = x.as<float>();
  float* py = ctx.outputs[0].as<float>();
  const int64_t n = x.numel();
  for (int64_t i = 0; i < n; ++i) py[i] = f(px[i]);
  return Status::Ok();
}

}  // namespace mota::exec
