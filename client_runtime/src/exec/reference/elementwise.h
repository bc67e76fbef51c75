// Templates for elementwise ops: dtype dispatch, dtype checks for shape inference, unary maps,
// broadcasting binary / ternary maps and variadic folds. Op files instantiate them with a
// functor, so the per-element work inlines: a kernel dispatches on dtype once per call and then
// runs a typed loop (no per-element calls through pointers).
//
// Typical op file (see ops/sub.cc, ops/sigmoid.cc):
//   Status ComputeSub(KernelContext& ctx) {
//     return ComputeBinaryArithmetic(ctx, [](auto x, auto y) { return x - y; });
//   }
//   MOTA_REGISTER_OP(Sub, {"Sub", 2, 2, 1, 1, InferBroadcastBinaryOf<NumericTypes>, ComputeSub});
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <span>
#include <type_traits>

#include "exec/reference/op_util.h"

namespace mota::exec {

// ---------------------------------------------------------------------------------------------
// DType <-> C++ element type. f16 tensors hold IEEE half bits (uint16_t); bool tensors hold one
// byte per element (uint8_t, 0 or 1; kernels treat any nonzero byte as true).

// clang-format off
template <DType D> struct CTypeOf;
template <> struct CTypeOf<DType::kF32> { using type = float; };
template <> struct CTypeOf<DType::kF16> { using type = uint16_t; };
template <> struct CTypeOf<DType::kI8> { using type = int8_t; };
template <> struct CTypeOf<DType::kU8> { using type = uint8_t; };
template <> struct CTypeOf<DType::kI32> { using type = int32_t; };
template <> struct CTypeOf<DType::kI64> { using type = int64_t; };
template <> struct CTypeOf<DType::kBool> { using type = uint8_t; };
// clang-format on

// A dispatch tag is std::integral_constant<DType, D>; CType<decltype(tag)> is its element type.
template <DType D>
using DTypeTag = std::integral_constant<DType, D>;
template <typename Tag>
using CType = typename CTypeOf<Tag::value>::type;

// A compile-time list of dtypes an op accepts; kValues is the same list for run-time checks.
template <DType... Ds>
struct DTypeList {
  static constexpr std::array<DType, sizeof...(Ds)> kValues = {Ds...};
};

using FloatTypes = DTypeList<DType::kF32>;
using NumericTypes = DTypeList<DType::kF32, DType::kI32, DType::kI64, DType::kI8, DType::kU8>;
using SignedTypes = DTypeList<DType::kF32, DType::kI32, DType::kI64, DType::kI8>;
using BoolTypes = DTypeList<DType::kBool>;
using NumericOrBoolTypes =
    DTypeList<DType::kF32, DType::kI32, DType::kI64, DType::kI8, DType::kU8, DType::kBool>;
using AllTypes = DTypeList<DType::kF32, DType::kF16, DType::kI8, DType::kU8, DType::kI32,
                           DType::kI64, DType::kBool>;

// "f32", "f32 or i64", "f32, i32 or i64".
std::string DTypeAlternatives(std::span<const DType> dtypes);

// Calls f(DTypeTag<D>{}) for the D in the list equal to `dtype` and returns its Status; an error
// naming the dtype and the supported ones when none matches.
template <DType... Ds, typename F>
Status Dispatch(DTypeList<Ds...> list, DType dtype, const KernelContext& ctx, F&& f) {
  Status result;
  const bool matched = ((dtype == Ds ? (result = f(DTypeTag<Ds>{}), true) : false) || ...);
  if (matched) return result;
  return ctx.Error("dtype ", DTypeName(dtype), " is not supported (expected ",
                   DTypeAlternatives(list.kValues), ")");
}

// ---------------------------------------------------------------------------------------------
// Shape / dtype inference helpers. Errors name the node, the input index and the dtypes.

// Input i must be present and have one of `allowed`: "input 1 must be f32 or i64, got bool".
Status CheckInputDType(const InferContext& ctx, size_t i, std::span<const DType> allowed);
// Input i must be present and have the dtype of input j.
Status CheckSameDType(const InferContext& ctx, size_t i, size_t j);
// Broadcast shape of every present input; an error naming the node and both shapes.
Result<Shape> BroadcastInputShapes(const InferContext& ctx);

// Output dtype = input dtype, same shape.
Status InferSameAsInput0(InferContext& ctx);
// Output = broadcast of inputs 0 and 1, dtype of input 0; both inputs must share a dtype.
Status InferBroadcastBinary(InferContext& ctx);
// Like InferBroadcastBinary with a bool output (comparisons).
Status InferBroadcastCompare(InferContext& ctx);

// Unary op over the dtypes of `allowed`: output has the shape of input 0 and dtype `out`
// (kUndefined: the input's dtype).
Status InferUnaryChecked(InferContext& ctx, std::span<const DType> allowed, DType out);
// Binary or variadic op: every input has input 0's dtype, one of `allowed`; output is their
// broadcast, with dtype `out` (kUndefined: the inputs' dtype).
Status InferBroadcastChecked(InferContext& ctx, std::span<const DType> allowed, DType out);

// Function-pointer forms for OpDef: InferUnary<FloatTypes>, InferUnaryTo<FloatTypes, kBool>, ...
template <typename List>
Status InferUnary(InferContext& ctx) {
  return InferUnaryChecked(ctx, List::kValues, DType::kUndefined);
}
template <typename List, DType Out>
Status InferUnaryTo(InferContext& ctx) {
  return InferUnaryChecked(ctx, List::kValues, Out);
}
template <typename List>
Status InferBroadcastBinaryOf(InferContext& ctx) {
  return InferBroadcastChecked(ctx, List::kValues, DType::kUndefined);
}
template <typename List>
Status InferBroadcastCompareOf(InferContext& ctx) {
  return InferBroadcastChecked(ctx, List::kValues, DType::kBool);
}

// ---------------------------------------------------------------------------------------------
// Loops.

// Upper bound for variadic ops (Max, Min, Sum, Mean) in their OpDef.
inline constexpr int kMaxVariadicInputs = 1 << 16;

// Elements per parallel task; loops shorter than two grains run on the calling thread.
inline constexpr int64_t kElementwiseGrain = 32768;

// y[i] = f(x[i]) over n elements, split over ctx.pool for large n (each task writes a disjoint
// range, so this is safe for any pure f).
template <typename In, typename Out, typename F>
void UnaryLoop(const KernelContext& ctx, const In* px, Out* py, int64_t n, F f) {
  if (ctx.pool == nullptr || n < 2 * kElementwiseGrain) {
    for (int64_t i = 0; i < n; ++i) py[i] = f(px[i]);
    return;
  }
  ParallelFor(ctx.pool, n, kElementwiseGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) py[i] = f(px[i]);
  });
}

template <typename In, typename Out, typename F>
void UnaryLoop(const KernelContext& ctx, const TensorView& x, const TensorView& y, F f) {
  UnaryLoop(ctx, x.as<In>(), y.as<Out>(), x.numel(), f);
}

// out = f(a, b) with numpy broadcasting; a, b and out may have three different element types.
// `out` may alias `a` when a has out's shape (variadic folds rely on this).
template <typename A, typename B, typename Out, typename F>
void BroadcastLoop2(const TensorView& a, const TensorView& b, const TensorView& out, F&& f) {
  const A* pa = a.as<A>();
  const B* pb = b.as<B>();
  Out* po = out.as<Out>();
  const int64_t n = out.numel();
  const bool a_full = a.shape == out.shape;
  const bool b_full = b.shape == out.shape;
  if (a_full && b_full) {
    for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i], pb[i]);
  } else if (a_full && b.numel() == 1) {
    const B s = pb[0];
    for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i], s);
  } else if (b_full && a.numel() == 1) {
    const A s = pa[0];
    for (int64_t i = 0; i < n; ++i) po[i] = f(s, pb[i]);
  } else {
    ForEachBroadcast2(out.shape, BroadcastStrides(a.shape, out.shape),
                      BroadcastStrides(b.shape, out.shape),
                      [&](int64_t o, int64_t ia, int64_t ib) { po[o] = f(pa[ia], pb[ib]); });
  }
}

// Same-type form kept for existing callers.
template <typename In, typename Out, typename F>
void BinaryBroadcastLoop(const TensorView& a, const TensorView& b, const TensorView& out, F&& f) {
  BroadcastLoop2<In, In, Out>(a, b, out, f);
}

// out = f(a, b, c) with three-way numpy broadcasting.
template <typename A, typename B, typename C, typename Out, typename F>
void BroadcastLoop3(const TensorView& a, const TensorView& b, const TensorView& c,
                    const TensorView& out, F&& f) {
  const A* pa = a.as<A>();
  const B* pb = b.as<B>();
  const C* pc = c.as<C>();
  Out* po = out.as<Out>();
  if (a.shape == out.shape && b.shape == out.shape && c.shape == out.shape) {
    const int64_t n = out.numel();
    for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i], pb[i], pc[i]);
    return;
  }
  ForEachBroadcast3(
      out.shape, BroadcastStrides(a.shape, out.shape), BroadcastStrides(b.shape, out.shape),
      BroadcastStrides(c.shape, out.shape),
      [&](int64_t o, int64_t ia, int64_t ib, int64_t ic) { po[o] = f(pa[ia], pb[ib], pc[ic]); });
}

// Writes `in` broadcast to out's shape into out (same element type).
template <typename T>
void BroadcastCopy(const TensorView& in, const TensorView& out) {
  if (in.shape == out.shape) {
    if (in.data != out.data) std::memmove(out.data, in.data, out.nbytes());
    return;
  }
  BroadcastLoop2<T, T, T>(in, in, out, [](T x, T) { return x; });
}

// ---------------------------------------------------------------------------------------------
// Kernels built from the loops.

// Runs f on f32, i32, i64, i8 or u8 inputs of the same dtype, output of that dtype.
template <typename F>
Status ComputeBinaryArithmetic(KernelContext& ctx, F f) {
  const TensorView& a = ctx.inputs[0];
  const TensorView& b = ctx.inputs[1];
  return Dispatch(NumericTypes{}, a.dtype, ctx, [&](auto tag) {
    using T = CType<decltype(tag)>;
    BroadcastLoop2<T, T, T>(a, b, ctx.outputs[0],
                            [&](T x, T y) { return static_cast<T>(f(x, y)); });
    return Status::Ok();
  });
}

// Broadcasting binary op with a bool output: out = f(a, b) ? 1 : 0, inputs of one dtype in List.
template <typename List, typename F>
Status ComputeBinaryPredicate(KernelContext& ctx, F f) {
  const TensorView& a = ctx.inputs[0];
  const TensorView& b = ctx.inputs[1];
  return Dispatch(List{}, a.dtype, ctx, [&](auto tag) {
    using T = CType<decltype(tag)>;
    BroadcastLoop2<T, T, uint8_t>(a, b, ctx.outputs[0],
                                  [&](T x, T y) { return static_cast<uint8_t>(f(x, y) ? 1 : 0); });
    return Status::Ok();
  });
}

// Variadic broadcasting fold (Max, Min, Sum): out = f(...f(f(in0, in1), in2)...). Every input
// has one dtype in List. Each step reads and writes out in place at the same index.
template <typename List, typename F>
Status ComputeVariadicFold(KernelContext& ctx, F f) {
  const TensorView& out = ctx.outputs[0];
  return Dispatch(List{}, ctx.inputs[0].dtype, ctx, [&](auto tag) {
    using T = CType<decltype(tag)>;
    BroadcastCopy<T>(ctx.inputs[0], out);
    for (size_t k = 1; k < ctx.inputs.size(); ++k) {
      BroadcastLoop2<T, T, T>(out, ctx.inputs[k], out,
                              [&](T x, T y) { return static_cast<T>(f(x, y)); });
    }
    return Status::Ok();
  });
}

// y = f(x) for one f32 input; the output is f32 (or another type F returns, e.g. bool bytes).
template <typename F>
Status ComputeUnaryFloat(KernelContext& ctx, F f) {
  const TensorView& x = ctx.inputs[0];
  if (x.dtype != DType::kF32) return ctx.Error("expects f32 input, got ", DTypeName(x.dtype));
  using Out = decltype(f(0.0f));
  UnaryLoop<float, Out>(ctx, x, ctx.outputs[0], f);
  return Status::Ok();
}

// y = f(x) for an input of one dtype in List; output of the same dtype.
template <typename List, typename F>
Status ComputeUnarySameType(KernelContext& ctx, F f) {
  const TensorView& x = ctx.inputs[0];
  return Dispatch(List{}, x.dtype, ctx, [&](auto tag) {
    using T = CType<decltype(tag)>;
    UnaryLoop<T, T>(ctx, x, ctx.outputs[0], [&](T v) { return static_cast<T>(f(v)); });
    return Status::Ok();
  });
}

// ---------------------------------------------------------------------------------------------
// Scalar helpers with defined results where C++ leaves them undefined.

// Float to integer with ONNX Cast semantics (truncation toward zero); NaN gives 0 and values
// outside To's range saturate (ONNX leaves both undefined; this keeps kernels free of UB).
template <typename To>
To FloatToIntSaturate(double x) {
  if (std::isnan(x)) return 0;
  constexpr double kLo = static_cast<double>(std::numeric_limits<To>::min());
  constexpr double kHi = static_cast<double>(std::numeric_limits<To>::max());
  if (x <= kLo) return std::numeric_limits<To>::min();
  if (x >= kHi) return std::numeric_limits<To>::max();
  return static_cast<To>(x);
}

// Integer +, - and * wrap around (two's complement, as numpy and ONNX Runtime) instead of being
// undefined on overflow; floats use plain IEEE arithmetic.
template <typename T>
T WrapAdd(T x, T y) {
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(static_cast<U>(x) + static_cast<U>(y)));
  } else {
    return x + y;
  }
}
template <typename T>
T WrapSub(T x, T y) {
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(static_cast<U>(x) - static_cast<U>(y)));
  } else {
    return x - y;
  }
}
template <typename T>
T WrapMul(T x, T y) {
  if constexpr (std::is_integral_v<T>) {
    // Promote 8-bit operands to unsigned int first: uint8 * uint8 would promote to (signed) int.
    using U = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, std::make_unsigned_t<T>>;
    return static_cast<T>(static_cast<U>(x) * static_cast<U>(y));
  } else {
    return x * y;
  }
}

// -x with two's-complement wrap-around for signed integers (-INT_MIN == INT_MIN, as numpy).
template <typename T>
T WrapNegate(T x) {
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(U{0} - static_cast<U>(x)));
  } else {
    return -x;
  }
}

}  // namespace mota::exec
