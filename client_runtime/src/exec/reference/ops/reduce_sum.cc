// ReduceSum (ONNX ReduceSum-18): the sum over `axes`. See reduce_util.h for axes, keepdims and
// noop_with_empty_axes.
#include "exec/reference/reduce_util.h"

namespace mota::exec {
namespace {

template <typename T>
struct SumReducer {
  using Acc = SumAcc<T>;
  Acc init() const { return 0; }
  void step(Acc& a, T v, int64_t) const { a += v; }
  T finish(Acc a, int64_t, int64_t) const { return static_cast<T>(a); }
};

Status InferReduceSum(InferContext& ctx) { return InferReduce(ctx, ReduceTypes::kFloatAndInt); }

Status ComputeReduceSum(KernelContext& ctx) {
  return DispatchReduce<SumReducer>(ctx, ReduceTypes::kFloatAndInt);
}

}  // namespace

MOTA_REGISTER_OP(ReduceSum, {"ReduceSum", 1, 2, 1, 1, InferReduceSum, ComputeReduceSum});

}  // namespace mota::exec
