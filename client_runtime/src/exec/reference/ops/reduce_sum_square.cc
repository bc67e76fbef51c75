// ReduceSumSquare (ONNX ReduceSumSquare-18): the sum of squares over `axes`. See reduce_util.h for
// axes, keepdims and noop_with_empty_axes.
#include "exec/reference/reduce_util.h"

namespace mota::exec {
namespace {

template <typename T>
struct SumSquareReducer {
  using Acc = SumAcc<T>;
  Acc init() const { return 0; }
  void step(Acc& a, T v, int64_t) const { a += static_cast<Acc>(v) * static_cast<Acc>(v); }
  T finish(Acc a, int64_t, int64_t) const { return static_cast<T>(a); }
};

Status InferReduceSumSquare(InferContext& ctx) {
  return InferReduce(ctx, ReduceTypes::kFloatAndInt);
}

Status ComputeReduceSumSquare(KernelContext& ctx) {
  return DispatchReduce<SumSquareReducer>(ctx, ReduceTypes::kFloatAndInt);
}

}  // namespace

MOTA_REGISTER_OP(ReduceSumSquare,
                 {"ReduceSumSquare", 1, 2, 1, 1, InferReduceSumSquare, ComputeReduceSumSquare});

}  // namespace mota::exec
