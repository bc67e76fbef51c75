// Cast: converts x to the dtype named by attribute `to` (a mota DType number, see base/dtype.h;
// ONNX Cast-13 semantics) between f32, f16, i8, u8, i32, i64 and bool:
//   float -> integer   truncates toward zero; NaN gives 0 and out-of-range values saturate
//                      (ONNX leaves both undefined)
//   integer -> integer wraps around (two's complement), like numpy's astype
//   any -> bool        nonzero (and NaN) is true;  bool -> any: 0 or 1
//   f16                goes through f32, rounding to nearest even (FloatToHalf / HalfToFloat)
#include <cstring>

#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

template <DType From, DType To>
typename CTypeOf<To>::type CastValue(typename CTypeOf<From>::type x) {
  using D = typename CTypeOf<To>::type;
  if constexpr (From == To) {
    return x;
  } else if constexpr (From == DType::kF16) {
    return CastValue<DType::kF32, To>(HalfToFloat(x));
  } else if constexpr (To == DType::kF16) {
    return FloatToHalf(CastValue<From, DType::kF32>(x));
  } else if constexpr (To == DType::kBool) {
    return x != 0 ? 1 : 0;
  } else if constexpr (From == DType::kBool) {
    return x != 0 ? D{1} : D{0};
  } else if constexpr (From == DType::kF32) {
    return FloatToIntSaturate<D>(x);  // To is an integer type here
  } else {
    return static_cast<D>(x);  // integer -> integer (wraps) or integer -> f32
  }
}

Result<DType> TargetDType(const model::Attributes& attrs) {
  const int64_t to = attrs.GetInt("to", 0);
  if (to < 1 || to > kMaxDType) {
    return InvalidArgument("attribute to is ", to, " (missing or unknown)");
  }
  return static_cast<DType>(to);
}

Status InferCast(InferContext& ctx) {
  MOTA_RETURN_IF_ERROR(CheckInputDType(ctx, 0, AllTypes::kValues));
  Result<DType> to = TargetDType(ctx.attrs());
  if (!to.ok()) {
    return ctx.Error(to.status().message(), "; expected a mota DType number: 1 f32, 2 f16, 3 i8, ",
                     "4 u8, 5 i32, 6 i64, 7 bool");
  }
  ctx.outputs[0].dtype = *to;
  ctx.outputs[0].shape = ctx.inputs[0].shape;
  return Status::Ok();
}

Status ComputeCast(KernelContext& ctx) {
  const TensorView& x = ctx.inputs[0];
  const TensorView& y = ctx.outputs[0];
  if (x.dtype == y.dtype) {
    if (x.data != y.data && y.nbytes() > 0) std::memmove(y.data, x.data, y.nbytes());
    return Status::Ok();
  }
  return Dispatch(AllTypes{}, x.dtype, ctx, [&](auto from) {
    return Dispatch(AllTypes{}, y.dtype, ctx, [&](auto to) {
      constexpr DType kFrom = decltype(from)::value;
      constexpr DType kTo = decltype(to)::value;
      UnaryLoop<CType<decltype(from)>, CType<decltype(to)>>(ctx, x, y, CastValue<kFrom, kTo>);
      return Status::Ok();
    });
  });
}

}  // namespace

MOTA_REGISTER_OP(Cast, {"Cast", 1, 1, 1, 1, InferCast, ComputeCast});

}  // namespace mota::exec
