// ReduceLogSumExp (ONNX ReduceLogSumExp-18): log(sum(exp(x))) over `axes`, computed as
// max + log(sum(exp(x - max))) so large inputs do not overflow (an infinite max shifts by 0, as
// the ONNX reference does). -inf over an empty set. See reduce_util.h for the axes rules.
#include <cmath>
#include <limits>

#include "exec/reference/reduce_util.h"

namespace mota::exec {
namespace {

Status InferReduceLogSumExp(InferContext& ctx) { return InferReduce(ctx, ReduceTypes::kFloat); }

Status ComputeReduceLogSumExp(KernelContext& ctx) {
  MOTA_ASSIGN_OR_RETURN(ReducePlan p, KernelReducePlan(ctx));
  const TensorView& x = ctx.inputs[0];
  const ReduceDims dims = MergeReduceDims(x.shape, p.reduced);
  const size_t out_n = static_cast<size_t>(NumElements(p.out_shape));
  std::vector<float> shift(out_n, -std::numeric_limits<float>::infinity());
  ReduceLoop(dims, x.as<float>(), shift.data(),
             [](float& a, float v, int64_t) { a = v > a ? v : a; });
  for (float& s : shift) s = std::isfinite(s) ? s : 0.0f;
  std::vector<double> sum(out_n, 0.0);
  ReduceLoop(dims, x.as<float>(), sum.data(), [&shift](double& a, float v, int64_t o) {
    a += std::exp(static_cast<double>(v - shift[o]));
  });
  float* y = ctx.outputs[0].as<float>();
  for (size_t o = 0; o < out_n; ++o) y[o] = static_cast<float>(std::log(sum[o]) + shift[o]);
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(ReduceLogSumExp,
                 {"ReduceLogSumExp", 1, 2, 1, 1, InferReduceLogSumExp, ComputeReduceLogSumExp});

}  // namespace mota::exec
