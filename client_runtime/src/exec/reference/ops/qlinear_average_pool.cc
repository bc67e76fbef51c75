// QLinearAveragePool (mota op, ONNX Runtime com.microsoft signature): X, x_scale,
// x_zero_point?, y_scale, y_zero_point? plus AveragePool's attributes (kernel_shape, strides,
// pads, auto_pad, ceil_mode, dilations, count_include_pad) and channels_last (only 0, NCHW).
// Each output is the quantized mean of the window's real values; padding taps are real 0 and
// count in the divisor only with count_include_pad = 1 (the window plan is pool_util.h's, shared
// with AveragePool). i8 or u8, per-tensor parameters.
#include <vector>

#include "exec/reference/pool_util.h"
#include "exec/reference/qlinear_util.h"

namespace mota::exec {
namespace {

Status InferQLinearAveragePool(InferContext& ctx) {
  MOTA_RETURN_IF_ERROR(CheckQLinearPoolOperands(ctx));
  const TensorView& x = ctx.inputs[kQX];
  MOTA_ASSIGN_OR_RETURN(PoolPlan p, MakePoolPlan(ctx.node, x));
  ctx.outputs[0] = {x.dtype, p.out_shape, nullptr};
  return Status::Ok();
}

struct QuantPoolParams {
  TensorQuant x;
  TensorQuant y;
  DType dtype = DType::kUndefined;
  bool include_pad = false;
};

// Mean of sum(q - zp) over `count` taps, quantized: the sum is exact in integers, so the only
// roundings are the f64 scale-and-divide, its conversion to f32 and the quantization.
int32_t QuantizedMean(int64_t sum, int64_t count, const QuantPoolParams& q) {
  const float real = count > 0
                         ? static_cast<float>(static_cast<double>(q.x.scale) *
                                              static_cast<double>(sum) / static_cast<double>(count))
                         : 0.0f;
  return QuantizeValue(real, q.y.scale, q.y.zero_point, q.dtype);
}

// One (n, c) plane, row by row: integer sums of the taps that read real input (SumPoolPlane's
// loop with an exact accumulator).
template <typename T>
void PoolPlane(const PoolPlan& p, const T* src, T* dst, const QuantPoolParams& q,
               std::vector<int64_t>& acc) {
  const Window3& w = p.w;
  const int64_t stride = w.stride[2];
  for (int64_t od = 0; od < w.out[0]; ++od) {
    for (int64_t oh = 0; oh < w.out[1]; ++oh, dst += w.out[2]) {
      std::fill(acc.begin(), acc.end(), 0);
      ForEachRowTap(p, src, od, oh, [&](const T* in, int64_t off, int64_t lo, int64_t hi) {
        for (int64_t ow = lo; ow < hi; ++ow) acc[ow] += in[ow * stride + off];
      });
      const int64_t valid =
          (p.taps[0].hi[od] - p.taps[0].lo[od]) * (p.taps[1].hi[oh] - p.taps[1].lo[oh]);
      const int64_t padded = p.taps[0].padded[od] * p.taps[1].padded[oh];
      for (int64_t ow = 0; ow < w.out[2]; ++ow) {
        const int64_t n_valid = valid * (p.taps[2].hi[ow] - p.taps[2].lo[ow]);
        const int64_t count = q.include_pad ? padded * p.taps[2].padded[ow] : n_valid;
        dst[ow] = static_cast<T>(QuantizedMean(acc[ow] - n_valid * q.x.zero_point, count, q));
      }
    }
  }
}

Status ComputeQLinearAveragePool(KernelContext& ctx) {
  QuantPoolParams q;
  MOTA_RETURN_IF_ERROR(ReadQLinearPoolOperands(ctx, &q.x, &q.y));
  const TensorView& x = ctx.inputs[kQX];
  q.dtype = x.dtype;
  q.include_pad = ctx.attrs().GetInt("count_include_pad", 0) != 0;
  MOTA_ASSIGN_OR_RETURN(PoolPlan p, MakePoolPlan(ctx.node, x));
  return Dispatch(DTypeList<DType::kI8, DType::kU8>{}, x.dtype, ctx, [&](auto tag) {
    using T = CType<decltype(tag)>;
    const T* px = x.as<const T>();
    T* py = ctx.outputs[0].as<T>();
    ParallelFor(ctx.pool, p.planes, 1, [&](int64_t begin, int64_t end) {
      std::vector<int64_t> acc(static_cast<size_t>(p.w.out[2]));
      for (int64_t i = begin; i < end; ++i)
        PoolPlane(p, px + i * p.w.in_size(), py + i * p.w.out_size(), q, acc);
    });
    return Status::Ok();
  });
}

}  // namespace

MOTA_REGISTER_OP(QLinearAveragePool, {"QLinearAveragePool", 4, 5, 1, 1, InferQLinearAveragePool,
                                      ComputeQLinearAveragePool});

}  // namespace mota::exec
