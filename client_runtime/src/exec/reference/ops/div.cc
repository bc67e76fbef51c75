// Div: numpy-broadcasting a / b (ONNX Div-14). Integer division truncates toward zero, like C.
// ONNX leaves integer division by zero undefined; here it gives 0 (as numpy does) rather than
// trapping, and INT_MIN / -1 wraps to INT_MIN, so a hostile model cannot crash the process.
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

template <typename T>
T DivValue(T x, T y) {
  if constexpr (std::is_integral_v<T>) {
    if (y == 0) return 0;
    if constexpr (std::is_signed_v<T>) {
      if (y == -1) return WrapNegate(x);
    }
    return static_cast<T>(x / y);
  } else {
    return x / y;
  }
}

Status ComputeDiv(KernelContext& ctx) {
  return ComputeBinaryArithmetic(ctx, [](auto x, auto y) { return DivValue(x, y); });
}

}  // namespace

MOTA_REGISTER_OP(Div, {"Div", 2, 2, 1, 1, InferBroadcastBinaryOf<NumericTypes>, ComputeDiv});

}  // namespace mota::exec
