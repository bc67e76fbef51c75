// ReduceMax (ONNX ReduceMax-18): the maximum (-inf, or the lowest integer, over an empty set) over
// `axes`. See reduce_util.h for axes, keepdims and noop_with_empty_axes.
#include <limits>

#include "exec/reference/reduce_util.h"

namespace mota::exec {
namespace {

template <typename T>
struct MaxReducer {
  using Acc = T;
  Acc init() const {
    if constexpr (std::numeric_limits<T>::has_infinity) return -std::numeric_limits<T>::infinity();
    return std::numeric_limits<T>::lowest();
  }
  void step(Acc& a, T v, int64_t) const { a = v > a ? v : a; }
  T finish(Acc a, int64_t, int64_t) const { return a; }
};

Status InferReduceMax(InferContext& ctx) { return InferReduce(ctx, ReduceTypes::kFloatAndInt); }

Status ComputeReduceMax(KernelContext& ctx) {
  return DispatchReduce<MaxReducer>(ctx, ReduceTypes::kFloatAndInt);
}

}  // namespace

MOTA_REGISTER_OP(ReduceMax, {"ReduceMax", 1, 2, 1, 1, InferReduceMax, ComputeReduceMax});

}  // namespace mota::exec
