// ReduceLogSum (ONNX ReduceLogSum-18): the log of the sum (-inf over an empty set) over `axes`. See
// reduce_util.h for axes, keepdims and noop_with_empty_axes.
#include <cmath>

#include "exec/reference/reduce_util.h"

namespace mota::exec {
namespace {

template <typename T>
struct LogSumReducer {
  using Acc = double;
  Acc init() const { return 0.0; }
  void step(Acc& a, T v, int64_t) const { a += v; }
  T finish(Acc a, int64_t, int64_t) const { return static_cast<T>(std::log(a)); }
};

Status InferReduceLogSum(InferContext& ctx) { return InferReduce(ctx, ReduceTypes::kFloat); }

Status ComputeReduceLogSum(KernelContext& ctx) {
  return DispatchReduce<LogSumReducer>(ctx, ReduceTypes::kFloat);
}

}  // namespace

MOTA_REGISTER_OP(ReduceLogSum,
                 {"ReduceLogSum", 1, 2, 1, 1, InferReduceLogSum, ComputeReduceLogSum});

}  // namespace mota::exec
