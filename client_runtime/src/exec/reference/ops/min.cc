// Min: elementwise minimum of 1..N inputs with numpy broadcasting (ONNX Min-13). For f32, NaN
// propagates (numpy.minimum).
#include "exec/reference/elementwise.h"

namespace mota::exec {
namespace {

template <typename T>
T MinValue(T x, T y) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(x) || std::isnan(y)) return std::isnan(x) ? x : y;
  }
  return y < x ? y : x;
}

Status ComputeMin(KernelContext& ctx) {
  return ComputeVariadicFold<NumericTypes>(ctx, [](auto x, auto y) { return MinValue(x, y); });
}

}  // namespace

MOTA_REGISTER_OP(Min, {"Min", 1, kMaxVariadicInputs, 1, 1, InferBroadcastBinaryOf<NumericTypes>,
                       ComputeMin});

}  // namespace mota::exec
