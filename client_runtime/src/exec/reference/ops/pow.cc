// Pow: numpy-broadcasting base ^ exponent (ONNX Pow-15). The base and the exponent may have
// different dtypes (f32, i32, i64, i8, u8 each); the output has the base's dtype.
//   f32 ^ f32: powf.  f32 ^ int: pow in double, rounded to f32 (numpy promotes the same way).
//   int ^ int: exact integer power (wrapping on overflow); a negative exponent gives the
//              truncated 1 / base^-e: 1 for base 1, +-1 for base -1, else 0.
//   int ^ f32: pow in double, truncated toward zero and saturated to the base's range.
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

template <typename T, typename E>
T IntPow(T base, E e) {
  if constexpr (std::is_signed_v<E>) {
    if (e < 0) {
      if (base == 1) return 1;
      if constexpr (std::is_signed_v<T>) {
        if (base == -1) return (e % 2 == 0) ? T{1} : T{-1};
      }
      return 0;
    }
  }
  T result = 1;
  T b = base;
  for (auto n = static_cast<std::make_unsigned_t<E>>(e); n != 0; n >>= 1) {
    if (n & 1) result = WrapMul(result, b);
    if (n > 1) b = WrapMul(b, b);
  }
  return result;
}

template <typename T, typename E>
T PowValue(T x, E e) {
  if constexpr (std::is_same_v<T, float> && std::is_same_v<E, float>) {
    return std::pow(x, e);
  } else if constexpr (std::is_same_v<T, float>) {
    return static_cast<float>(std::pow(static_cast<double>(x), static_cast<double>(e)));
  } else if constexpr (std::is_integral_v<E>) {
    return IntPow(x, e);
  } else {
    return FloatToIntSaturate<T>(std::pow(static_cast<double>(x), static_cast<double>(e)));
  }
}

Status InferPow(InferContext& ctx) {
  MOTA_RETURN_IF_ERROR(CheckInputDType(ctx, 0, NumericTypes::kValues));
  MOTA_RETURN_IF_ERROR(CheckInputDType(ctx, 1, NumericTypes::kValues));
  MOTA_ASSIGN_OR_RETURN(Shape shape, BroadcastInputShapes(ctx));
  ctx.outputs[0].dtype = ctx.inputs[0].dtype;
  ctx.outputs[0].shape = std::move(shape);
  return Status::Ok();
}

Status ComputePow(KernelContext& ctx) {
  const TensorView& x = ctx.inputs[0];
  const TensorView& e = ctx.inputs[1];
  return Dispatch(NumericTypes{}, x.dtype, ctx, [&](auto base_tag) {
    using T = CType<decltype(base_tag)>;
    return Dispatch(NumericTypes{}, e.dtype, ctx, [&](auto exp_tag) {
      using E = CType<decltype(exp_tag)>;
      BroadcastLoop2<T, E, T>(x, e, ctx.outputs[0], [](T b, E p) { return PowValue(b, p); });
      return Status::Ok();
    });
  });
}

}  // namespace

MOTA_REGISTER_OP(Pow, {"Pow", 2, 2, 1, 1, InferPow, ComputePow});

}  // namespace mota::exec
