// QLinearGlobalAveragePool (mota op, ONNX Runtime com.microsoft signature): X, x_scale,
// x_zero_point?, y_scale, y_zero_point?; attr channels_last (only 0, NCHW). Y [N, C, 1, ...] is
// the quantized mean of each (n, c) plane's real values; i8 or u8, per-tensor parameters.
#include "exec/reference/pool_util.h"
#include "exec/reference/qlinear_util.h"

namespace mota::exec {
namespace {

Status InferQLinearGlobalAveragePool(InferContext& ctx) {
  MOTA_RETURN_IF_ERROR(CheckQLinearPoolOperands(ctx));
  return InferGlobalPool(ctx, /*float_only=*/false);
}

// The mean of one plane: the sum of (q - zp) is exact in integers, so the only roundings are the
// f64 scale-and-divide, its conversion to f32 and the quantization.
template <typename T>
T AveragePlane(const T* src, int64_t size, const TensorQuant& x, const TensorQuant& y,
               DType dtype) {
  int64_t sum = 0;
  for (int64_t j = 0; j < size; ++j) sum += src[j];
  sum -= size * x.zero_point;
  const float real = size > 0
                         ? static_cast<float>(static_cast<double>(x.scale) *
                                              static_cast<double>(sum) / static_cast<double>(size))
                         : 0.0f;
  return static_cast<T>(QuantizeValue(real, y.scale, y.zero_point, dtype));
}

Status ComputeQLinearGlobalAveragePool(KernelContext& ctx) {
  TensorQuant qx, qy;
  MOTA_RETURN_IF_ERROR(ReadQLinearPoolOperands(ctx, &qx, &qy));
  const TensorView& x = ctx.inputs[kQX];
  const int64_t planes = x.shape[0] * x.shape[1];
  if (planes == 0) return Status::Ok();
  const int64_t size = x.numel() / planes;
  return Dispatch(DTypeList<DType::kI8, DType::kU8>{}, x.dtype, ctx, [&](auto tag) {
    using T = CType<decltype(tag)>;
    const T* px = x.as<const T>();
    T* py = ctx.outputs[0].as<T>();
    ParallelFor(ctx.pool, planes, 16, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i)
        py[i] = AveragePlane(px + i * size, size, qx, qy, x.dtype);
    });
    return Status::Ok();
  });
}

}  // namespace

MOTA_REGISTER_OP(QLinearGlobalAveragePool,
                 {"QLinearGlobalAveragePool", 4, 5, 1, 1, InferQLinearGlobalAveragePool,
                  ComputeQLinearGlobalAveragePool});

}  // namespace mota::exec
