// Abs: |x| (ONNX Abs-13) for f32, i32, i64, i8 and u8. Integers wrap like numpy: |INT_MIN| is
// INT_MIN.
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

template <typename T>
T AbsValue(T x) {
  if constexpr (std::is_floating_point_v<T>) {
    return std::fabs(x);
  } else if constexpr (std::is_signed_v<T>) {
    return x < 0 ? WrapNegate(x) : x;
  } else {
    return x;
  }
}

Status ComputeAbs(KernelContext& ctx) {
  return ComputeUnarySameType<NumericTypes>(ctx, [](auto x) { return AbsValue(x); });
}

}  // namespace

MOTA_REGISTER_OP(Abs, {"Abs", 1, 1, 1, 1, InferUnary<NumericTypes>, ComputeAbs});

}  // namespace mota::exec
