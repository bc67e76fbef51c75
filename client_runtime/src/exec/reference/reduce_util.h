// Shared by the Reduce* ops (ONNX opset 18 form: inputs data, axes?; attrs keepdims = 1,
// noop_with_empty_axes = 0) and ArgMax / ArgMin.
//
// Axes: the optional i64 input 1, known at prepare time. Absent or empty axes reduce every dim,
// unless noop_with_empty_axes = 1: then no dim is reduced and each output comes from exactly one
// input element (ReduceSumSquare gives x^2, ReduceL1 |x|, as the ONNX reference does).
// Reducing over an empty set gives the reducer's identity (Sum 0, Prod 1, Max -inf, Mean NaN,
// LogSum -inf).
//
// An op file defines a reducer with Acc / init / step / finish and calls DispatchReduce:
//   template <typename T> struct SumReducer {
//     using Acc = double;
//     Acc init() const { return 0; }
//     void step(Acc& a, T v, int64_t /*out_index*/) const { a += v; }
//     T finish(Acc a, int64_t /*count*/, int64_t /*out_index*/) const { return T(a); }
//   };
#pragma once

#include <cstdint>
#include <type_traits>
#include <vector>

#include "exec/reference/op_util.h"

namespace mota::exec {

struct ReducePlan {
  std::vector<bool> reduced;  // per input dim
  Shape out_shape;
  int64_t count = 1;  // input elements folded into each output
};

// Dtype sets accepted by a reduce op.
enum class ReduceTypes { kFloat, kFloatAndInt };

// Validates input 0's dtype and the axes, then sets output 0 (same dtype as the input).
Status InferReduce(InferContext& ctx, ReduceTypes types);
// The same plan at run time (axes read from input 1's data).
Result<ReducePlan> KernelReducePlan(const KernelContext& ctx);

// Input dims with size-1 dims dropped and runs of equally-reduced dims merged; out_stride is 0
// for reduced dims. At least one dim (a [1] kept dim for scalars).
struct ReduceDims {
  std::vector<int64_t> dims;
  std::vector<int64_t> out_stride;
  std::vector<bool> reduced;
};
ReduceDims MergeReduceDims(const Shape& shape, const std::vector<bool>& reduced);

// Calls step(acc[o], x[i], o) for every input element i, o being its output index; the
// innermost dim runs in a tight loop.
template <typename T, typename Acc, typename Step>
void ReduceLoop(const ReduceDims& m, const T* x, Acc* acc, Step step) {
  const size_t r = m.dims.size();
  int64_t total = 1;
  for (int64_t d : m.dims) total *= d;
  if (total <= 0) return;
  const int64_t inner = m.dims[r - 1];
  const bool inner_reduced = m.reduced[r - 1];
  std::vector<int64_t> idx(r, 0);
  int64_t o = 0;
  for (int64_t i = 0; i < total; i += inner) {
    if (inner_reduced) {
      Acc a = acc[o];
      for (int64_t j = 0; j < inner; ++j) step(a, x[i + j], o);
      acc[o] = a;
    } else {
      for (int64_t j = 0; j < inner; ++j) step(acc[o + j], x[i + j], o + j);
    }
    for (size_t d = r - 1; d-- > 0;) {
      if (++idx[d] < m.dims[d]) {
        o += m.out_stride[d];
        break;
      }
      o -= m.out_stride[d] * (m.dims[d] - 1);
      idx[d] = 0;
    }
  }
}

// Runs reducer r over input 0 into output 0 (dtype Out).
template <typename T, typename Out, typename R>
void RunReduce(KernelContext& ctx, const ReducePlan& p, const R& r) {
  const TensorView& x = ctx.inputs[0];
  const int64_t out_n = NumElements(p.out_shape);
  std::vector<typename R::Acc> acc(static_cast<size_t>(out_n), r.init());
  ReduceLoop(MergeReduceDims(x.shape, p.reduced), x.as<T>(), acc.data(),
             [&r](typename R::Acc& a, T v, int64_t o) { r.step(a, v, o); });
  Out* y = ctx.outputs[0].as<Out>();
  for (int64_t o = 0; o < out_n; ++o) y[o] = r.finish(acc[o], p.count, o);
}

// Instantiates Reducer<T> for the input dtype (f32, plus i32 / i64 when `types` allows).
template <template <typename> class Reducer>
Status DispatchReduce(KernelContext& ctx, ReduceTypes types) {
  MOTA_ASSIGN_OR_RETURN(ReducePlan p, KernelReducePlan(ctx));
  const DType dtype = ctx.inputs[0].dtype;
  if (dtype == DType::kF32) {
    RunReduce<float, float>(ctx, p, Reducer<float>{});
    return Status::Ok();
  }
  if (types == ReduceTypes::kFloatAndInt && dtype == DType::kI32) {
    RunReduce<int32_t, int32_t>(ctx, p, Reducer<int32_t>{});
    return Status::Ok();
  }
  if (types == ReduceTypes::kFloatAndInt && dtype == DType::kI64) {
    RunReduce<int64_t, int64_t>(ctx, p, Reducer<int64_t>{});
    return Status::Ok();
  }
  return ctx.Error("dtype ", DTypeName(dtype), " is not supported");
}

// Sums in double for floats and in int64 for integers (wrapping back to T at the end).
template <typename T>
using SumAcc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;

// ArgMax / ArgMin: attrs axis (0), keepdims (1), select_last_index (0); output i64.
Status InferArgReduce(InferContext& ctx);

// Index of the best element along `axis` for every other position; `better(a, b)` says a
// strictly beats b. With select_last_index, ties go to the later element.
template <typename T, typename Better>
Status RunArgReduce(KernelContext& ctx, Better better) {
  const TensorView& x = ctx.inputs[0];
  MOTA_ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(ctx.attrs().GetInt("axis", 0), x.rank()));
  const bool last = ctx.attrs().GetInt("select_last_index", 0) != 0;
  int64_t outer = 1, inner = 1;
  const int64_t len = x.rank() == 0 ? 1 : x.shape[axis];
  for (int64_t d = 0; d < axis; ++d) outer *= x.shape[d];
  for (int64_t d = axis + 1; d < x.rank(); ++d) inner *= x.shape[d];
  const T* px = x.as<T>();
  int64_t* py = ctx.outputs[0].as<int64_t>();
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const T* row = px + o * len * inner + i;
      int64_t best = 0;
      for (int64_t j = 1; j < len; ++j) {
        const T v = row[j * inner], b = row[best * inner];
        if (better(v, b) || (last && !better(b, v))) best = j;
      }
      py[o * inner + i] = best;
    }
  }
  return Status::Ok();
}

}  // namespace mota::exec
