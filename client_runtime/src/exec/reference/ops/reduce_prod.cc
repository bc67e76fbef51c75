// ReduceProd (ONNX ReduceProd-18): the product (1 over an empty set) over `axes`. See reduce_util.h
// for axes, keepdims and noop_with_empty_axes.
#include "exec/reference/reduce_util.h"

namespace mota::exec {
namespace {

template <typename T>
struct ProdReducer {
  using Acc = SumAcc<T>;
  Acc init() const { return 1; }
  void step(Acc& a, T v, int64_t) const { a *= v; }
  T finish(Acc a, int64_t, int64_t) const { return static_cast<T>(a); }
};

Status InferReduceProd(InferContext& ctx) { return InferReduce(ctx, ReduceTypes::kFloatAndInt); }

Status ComputeReduceProd(KernelContext& ctx) {
  return DispatchReduce<ProdReducer>(ctx, ReduceTypes::kFloatAndInt);
}

}  // namespace

MOTA_REGISTER_OP(ReduceProd, {"ReduceProd", 1, 2, 1, 1, InferReduceProd, ComputeReduceProd});

}  // namespace mota::exec
