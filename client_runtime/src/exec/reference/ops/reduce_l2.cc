// ReduceL2 (ONNX ReduceL2-18): the square root of the sum of squares over `axes`. See reduce_util.h
// for axes, keepdims and noop_with_empty_axes.
#include <cmath>

#include "exec/reference/reduce_util.h"

namespace mota::exec {
namespace {

template <typename T>
struct L2Reducer {
  using Acc = double;
  Acc init() const { return 0.0; }
  void step(Acc& a, T v, int64_t) const { a += static_cast<double>(v) * v; }
  T finish(Acc a, int64_t, int64_t) const { return static_cast<T>(std::sqrt(a)); }
};

Status InferReduceL2(InferContext& ctx) { return InferReduce(ctx, ReduceTypes::kFloat); }

Status ComputeReduceL2(KernelContext& ctx) {
  return DispatchReduce<L2Reducer>(ctx, ReduceTypes::kFloat);
}

}  // namespace

MOTA_REGISTER_OP(ReduceL2, {"ReduceL2", 1, 2, 1, 1, InferReduceL2, ComputeReduceL2});

}  // namespace mota::exec
