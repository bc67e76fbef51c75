// ReduceL1 (ONNX ReduceL1-18): the sum of absolute values over `axes`. See reduce_util.h for axes,
// keepdims and noop_with_empty_axes.
#include <cmath>

#include "exec/reference/reduce_util.h"

namespace mota::exec {
namespace {

template <typename T>
struct L1Reducer {
  using Acc = double;
  Acc init() const { return 0.0; }
  void step(Acc& a, T v, int64_t) const { a += std::fabs(static_cast<double>(v)); }
  T finish(Acc a, int64_t, int64_t) const { return static_cast<T>(a); }
};

Status InferReduceL1(InferContext& ctx) { return InferReduce(ctx, ReduceTypes::kFloat); }

Status ComputeReduceL1(KernelContext& ctx) {
  return DispatchReduce<L1Reducer>(ctx, ReduceTypes::kFloat);
}

}  // namespace

MOTA_REGISTER_OP(ReduceL1, {"ReduceL1", 1, 2, 1, 1, InferReduceL1, ComputeReduceL1});

}  // namespace mota::exec
