// ConvInteger (ONNX-10): y (i32) = sum over the window of (x - x_zero_point) * (w -
// w_zero_point[m]) with Conv's attributes (auto_pad, dilations, group, kernel_shape, pads,
// strides). x and w are i8 or u8; x_zero_point (scalar) and w_zero_point (scalar or [M]) are
// optional (0) and have their operand's dtype. Padding contributes 0 (it holds x_zero_point).
// The sum wraps to i32 if it overflows (only possible for reductions over 33025 products).
#include <memory>
#include <new>

#include "exec/activation.h"
#include "exec/reference/quant_util.h"

namespace mota::exec {
namespace {

enum Input : int { kX = 0, kW, kXZp, kWZp };

Status InferConvInteger(InferContext& ctx) {
  MOTA_ASSIGN_OR_RETURN(IntConvProblem p,
                        MakeIntConvProblem(ctx.node, ctx.inputs[kX], ctx.inputs[kW]));
  MOTA_RETURN_IF_ERROR(CheckZeroPoints(ctx, kXZp, "x_zero_point", ctx.inputs[kX].dtype, 1));
  MOTA_RETURN_IF_ERROR(CheckZeroPoints(ctx, kWZp, "w_zero_point", ctx.inputs[kW].dtype, p.filters));
  if (ctx.attrs().Has(kActivationAttr))
    return ctx.Error(
        "has a fused activation, but its output is i32 (fused activations apply to "
        "f32 outputs and to QLinear ops only)");
  ctx.outputs[0] = {DType::kI32, p.out_shape, nullptr};
  return Status::Ok();
}

Status ComputeConvInteger(KernelContext& ctx) {
  const TensorView& x = ctx.inputs[kX];
  const TensorView& w = ctx.inputs[kW];
  MOTA_ASSIGN_OR_RETURN(IntConvProblem p, MakeIntConvProblem(ctx.node, x, w));
  MOTA_ASSIGN_OR_RETURN(std::vector<int32_t> x_zp,
                        ReadZeroPoints(ctx, kXZp, "x_zero_point", x.dtype, 1));
  MOTA_ASSIGN_OR_RETURN(std::vector<int32_t> w_zp,
                        ReadZeroPoints(ctx, kWZp, "w_zero_point", w.dtype, p.filters));
  const int64_t total = ctx.outputs[0].numel();
  if (total == 0) return Status::Ok();
  MOTA_ASSIGN_OR_RETURN(std::unique_ptr<int64_t[]> acc, AllocateAccumulators(ctx, total));
  MOTA_RETURN_IF_ERROR(IntConvAccumulate(ctx, p, x, x_zp[0], w, w_zp, acc.get()));
  int32_t* y = ctx.outputs[0].as<int32_t>();
  for (int64_t i = 0; i < total; ++i) y[i] = static_cast<int32_t>(acc[i]);  // wraps, as in i32
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(ConvInteger, {"ConvInteger", 2, 4, 1, 1, InferConvInteger, ComputeConvInteger});

}  // namespace mota::exec
