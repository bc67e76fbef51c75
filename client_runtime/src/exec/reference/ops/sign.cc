// Sign: -1, 0 or 1 by the sign of x (ONNX Sign-13) for f32, i32, i64, i8 and u8; NaN stays NaN
// (numpy.sign).
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

template <typename T>
T SignValue(T x) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(x)) return x;
  }
  if constexpr (std::is_signed_v<T>) {
    if (x < 0) return T{-1};
  }
  return x > 0 ? T{1} : T{0};
}

Status ComputeSign(KernelContext& ctx) {
  return ComputeUnarySameType<NumericTypes>(ctx, [](auto x) { return SignValue(x); });
}

}  // namespace

MOTA_REGISTER_OP(Sign, {"Sign", 1, 1, 1, 1, InferUnary<NumericTypes>, ComputeSign});

}  // namespace mota::exec
