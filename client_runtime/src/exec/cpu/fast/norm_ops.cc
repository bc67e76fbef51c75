// Fast f32 row-wise ops: Softmax over a contiguous axis, LayerNormalization, and ReduceMean /
// ReduceSum whose reduced dims form a trailing block (last axis, H,W of NCHW) or a leading one.
// Other layouts and dtypes go to the reference kernels.
#include <algorithm>
#include <vector>

#include "exec/cpu/fast/fast_table.h"
#include "exec/cpu/kernels.h"
#include "exec/reference/op_util.h"
#include "exec/reference/reduce_util.h"
#include "exec/reference/softmax_util.h"

namespace mota::exec::fast {
namespace {

// Rows per task: about 8K elements each, so that short rows are not handed out one by one.
int64_t RowGrain(int64_t len) { return std::max<int64_t>(1, 8192 / std::max<int64_t>(len, 1)); }

Status Reference(KernelContext& ctx) { return FindOp(ctx.node.op_type)->compute(ctx); }

Status ComputeSoftmaxFast(KernelContext& ctx) {
  const TensorView& x = ctx.inputs[0];
  if (x.dtype != DType::kF32) return Reference(ctx);
  MOTA_ASSIGN_OR_RETURN(AxisRows rows, SoftmaxRows(ctx.node, x.shape));
  if (rows.inner != 1 || rows.len <= 0) return Reference(ctx);
  const auto softmax_row = FastTable().softmax_row;
  const float* px = x.as<float>();
  float* py = ctx.outputs[0].as<float>();
  ParallelFor(ctx.pool, rows.outer, RowGrain(rows.len), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r)
      softmax_row(px + r * rows.len, py + r * rows.len, rows.len);
  });
  return Status::Ok();
}

// Scale / B as one value per normalized element: the tensor itself when it already has that
// many elements (no broadcast), else expanded into `storage`.
const float* AffineValues(const TensorView& t, const Shape& norm_shape,
                          std::vector<float>& storage) {
  if (!t.present()) return nullptr;
  if (t.numel() == NumElements(norm_shape)) return t.as<float>();
  storage.resize(static_cast<size_t>(NumElements(norm_shape)));
  const std::vector<int64_t> strides = BroadcastStrides(t.shape, norm_shape);
  const float* p = t.as<float>();
  ForEachBroadcast2(norm_shape, strides, strides,
                    [&](int64_t o, int64_t i, int64_t) { storage[o] = p[i]; });
  return storage.data();
}

Status ComputeLayerNormFast(KernelContext& ctx) {
  const TensorView& x = ctx.inputs[0];
  if (x.dtype != DType::kF32 || x.rank() == 0 || !ctx.has_input(1)) return Reference(ctx);
  Result<int64_t> axis = NormalizeAxis(ctx.attrs().GetInt("axis", -1), x.rank());
  if (!axis.ok()) return Reference(ctx);  // the reference names the bad axis
  const Shape norm_shape(x.shape.begin() + *axis, x.shape.end());
  const int64_t len = NumElements(norm_shape);
  if (len <= 0) return Reference(ctx);
  const int64_t rows = x.numel() / len;
  std::vector<float> scale_storage, bias_storage;
  const float* scale = AffineValues(ctx.inputs[1], norm_shape, scale_storage);
  const float* bias =
      AffineValues(ctx.has_input(2) ? ctx.inputs[2] : TensorView{}, norm_shape, bias_storage);
  const float epsilon = ctx.attrs().GetFloat("epsilon", 1e-5f);
  float* mean_out = ctx.outputs.size() > 1 ? ctx.outputs[1].as<float>() : nullptr;
  float* inv_out = ctx.outputs.size() > 2 ? ctx.outputs[2].as<float>() : nullptr;
  const auto norm_row = FastTable().layer_norm_row;
  const float* px = x.as<float>();
  float* py = ctx.outputs[0].as<float>();
  ParallelFor(ctx.pool, rows, RowGrain(len), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      float mean, inv;
      norm_row(px + r * len, scale, bias, py + r * len, len, epsilon, &mean, &inv);
      if (mean_out != nullptr) mean_out[r] = mean;
      if (inv_out != nullptr) inv_out[r] = inv;
    }
  });
  return Status::Ok();
}

// Sum (mean when `mean`) over the reduced dims when they form one trailing or leading block.
Status RunReduce(KernelContext& ctx, bool mean) {
  const TensorView& x = ctx.inputs[0];
  if (x.dtype != DType::kF32) return Reference(ctx);
  MOTA_ASSIGN_OR_RETURN(ReducePlan plan, KernelReducePlan(ctx));
  if (plan.count <= 0 || x.numel() == 0) return Reference(ctx);
  const ReduceDims m = MergeReduceDims(x.shape, plan.reduced);
  const Table& t = FastTable();
  const float* px = x.as<float>();
  float* py = ctx.outputs[0].as<float>();
  const float count = static_cast<float>(plan.count);
  const size_t r = m.dims.size();
  if (m.reduced[r - 1] && (r == 1 || (r == 2 && !m.reduced[0]))) {
    // [outer, len] -> [outer]: one contiguous sum per output.
    const int64_t len = m.dims[r - 1], outer = r == 1 ? 1 : m.dims[0];
    ParallelFor(ctx.pool, outer, RowGrain(len), [&](int64_t begin, int64_t end) {
      for (int64_t o = begin; o < end; ++o) {
        const float sum = t.sum(px + o * len, len);
        py[o] = mean ? sum / count : sum;
      }
    });
    return Status::Ok();
  }
  if (r == 2 && m.reduced[0] && !m.reduced[1]) {
    // [len, inner] -> [inner]: add rows.
    const int64_t len = m.dims[0], inner = m.dims[1];
    std::fill(py, py + inner, 0.0f);
    for (int64_t i = 0; i < len; ++i) t.accumulate(px + i * inner, py, inner);
    if (mean) {
      for (int64_t j = 0; j < inner; ++j) py[j] /= count;
    }
    return Status::Ok();
  }
  return Reference(ctx);
}

Status ComputeReduceMeanFast(KernelContext& ctx) { return RunReduce(ctx, true); }
Status ComputeReduceSumFast(KernelContext& ctx) { return RunReduce(ctx, false); }

}  // namespace

MOTA_REGISTER_FAST_KERNEL(Softmax, ComputeSoftmaxFast);
MOTA_REGISTER_FAST_KERNEL(LayerNormalization, ComputeLayerNormFast);
MOTA_REGISTER_FAST_KERNEL(ReduceMean, ComputeReduceMeanFast);
MOTA_REGISTER_FAST_KERNEL(ReduceSum, ComputeReduceSumFast);

}  // namespace mota::exec::fast
