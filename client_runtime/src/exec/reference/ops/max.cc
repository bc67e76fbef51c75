// Max: elementwise maximum of 1..N inputs with numpy broadcasting (ONNX Max-13). For f32, NaN
// propagates (numpy.maximum).
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

template <typename T>
T MaxValue(T x, T y) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(x) || std::isnan(y)) return std::isnan(x) ? x : y;
  }
  return x < y ? y : x;
}

Status ComputeMax(KernelContext& ctx) {
  return ComputeVariadicFold<NumericTypes>(ctx, [](auto x, auto y) { return MaxValue(x, y); });
}

}  // namespace

MOTA_REGISTER_OP(Max, {"Max", 1, kMaxVariadicInputs, 1, 1, InferBroadcastBinaryOf<NumericTypes>,
                       ComputeMax});

}  // namespace mota::exec
