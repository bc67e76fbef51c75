// ReduceMean (ONNX ReduceMean-18): the mean (NaN over an empty set) over `axes`. See reduce_util.h
// for axes, keepdims and noop_with_empty_axes.
#include "exec/reference/reduce_util.h"

namespace mota::exec {
namespace {

template <typename T>
struct MeanReducer {
  using Acc = double;
  Acc init() const { return 0.0; }
  void step(Acc& a, T v, int64_t) const { a += v; }
  T finish(Acc a, int64_t count, int64_t) const {
    return static_cast<T>(a / static_cast<double>(count));
  }
};

Status InferReduceMean(InferContext& ctx) { return InferReduce(ctx, ReduceTypes::kFloat); }

Status ComputeReduceMean(KernelContext& ctx) {
  return DispatchReduce<MeanReducer>(ctx, ReduceTypes::kFloat);
}

}  // namespace

MOTA_REGISTER_OP(ReduceMean, {"ReduceMean", 1, 2, 1, 1, InferReduceMean, ComputeReduceMean});

}  // namespace mota::exec
