// QLinearConv (ONNX-10) with Conv's attributes (auto_pad, dilations, group, kernel_shape, pads,
// strides) and mota's fused activation. Inputs: x, x_scale, x_zero_point, w, w_scale,
// w_zero_point, y_scale, y_zero_point, B? (i32 [M], scale x_scale * w_scale[m], zero point 0).
// x and w are i8 or u8, each with a zero point of its own dtype (0 when omitted); w's scale and
// zero point are per tensor or per output channel; y's dtype is its zero point's.
//   acc[m] = B[m] + sum (x - x_zp) * (w - w_zp[m])     exact, in integers (quant_util.h)
//   y = saturate(round_half_even(acc * (x_scale * w_scale[m] / y_scale)) + y_zp)
// with the fused activation applied as Requantizer (quant_util.h) describes.
#include <memory>
#include <new>

#include "exec/activation.h"
#include "exec/reference/quant_util.h"

namespace mota::exec {
namespace {

enum Input : int { kX = 0, kXScale, kXZp, kW, kWScale, kWZp, kYScale, kYZp, kBias };

// A zero point, when given, must have its operand's dtype.
Status CheckZpMatches(const model::Node& node, std::span<const TensorView> inputs, int zp,
                      const char* zp_name, int operand, const char* operand_name) {
  if (zp >= static_cast<int>(inputs.size()) || !inputs[zp].present()) return Status::Ok();
  if (inputs[zp].dtype == inputs[operand].dtype) return Status::Ok();
  return InvalidArgument(node.op_type, " node '", node.name, "': input ", zp, " (", zp_name,
                         ") has dtype ", DTypeName(inputs[zp].dtype), " but input ", operand, " (",
                         operand_name, ") is ", DTypeName(inputs[operand].dtype),
                         "; expected the same dtype");
}

Status CheckZeroPointDTypes(const model::Node& node, std::span<const TensorView> inputs) {
  MOTA_RETURN_IF_ERROR(CheckZpMatches(node, inputs, kXZp, "x_zero_point", kX, "x"));
  return CheckZpMatches(node, inputs, kWZp, "w_zero_point", kW, "w");
}

Status InferQLinearConv(InferContext& ctx) {
  for (int i : {kX, kW})
    if (!ctx.has_input(i)) return ctx.Error("input ", i, i == kX ? " (x)" : " (w)", " is missing");
  MOTA_ASSIGN_OR_RETURN(IntConvProblem p,
                        MakeIntConvProblem(ctx.node, ctx.inputs[kX], ctx.inputs[kW]));
  MOTA_RETURN_IF_ERROR(CheckQuantOperand(ctx, kXScale, kXZp, 1));
  MOTA_RETURN_IF_ERROR(CheckQuantOperand(ctx, kWScale, kWZp, p.filters));
  MOTA_RETURN_IF_ERROR(CheckQuantOperand(ctx, kYScale, kYZp, 1));
  MOTA_RETURN_IF_ERROR(CheckZeroPointDTypes(ctx.node, ctx.inputs));
  DType out = DType::kU8;
  if (ctx.has_input(kYZp)) {
    out = ctx.inputs[kYZp].dtype;
    if (out != DType::kI8 && out != DType::kU8)
      return ctx.Error("input 7 (y_zero_point) has dtype ", DTypeName(out),
                       "; expected i8 or u8 (it sets the output's dtype)");
  }
  if (ctx.has_input(kBias)) {
    const TensorView& b = ctx.inputs[kBias];
    if (b.dtype != DType::kI32 || b.rank() != 1 || b.shape[0] != p.filters)
      return ctx.Error("input 8 (B) has dtype ", DTypeName(b.dtype), " shape ",
                       ShapeToString(b.shape), "; expected i32 [", p.filters, "]");
  }
  MOTA_RETURN_IF_ERROR(ReadActivation(ctx.attrs()).status());
  ctx.outputs[0] = {out, p.out_shape, nullptr};
  return Status::Ok();
}

Status ComputeQLinearConv(KernelContext& ctx) {
  MOTA_ASSIGN_OR_RETURN(IntConvProblem p,
                        MakeIntConvProblem(ctx.node, ctx.inputs[kX], ctx.inputs[kW]));
  MOTA_RETURN_IF_ERROR(CheckZeroPointDTypes(ctx.node, ctx.inputs));
  MOTA_ASSIGN_OR_RETURN(QuantOperand xq, ReadQuantOperand(ctx, kXScale, kXZp, 1));
  MOTA_ASSIGN_OR_RETURN(QuantOperand wq, ReadQuantOperand(ctx, kWScale, kWZp, p.filters));
  MOTA_ASSIGN_OR_RETURN(QuantOperand yq, ReadQuantOperand(ctx, kYScale, kYZp, 1));
  MOTA_ASSIGN_OR_RETURN(Requantizer requant, MakeRequantizer(ctx, yq));
  const TensorView& y = ctx.outputs[0];
  const int64_t total = y.numel();
  if (total == 0) return Status::Ok();
  MOTA_ASSIGN_OR_RETURN(std::unique_ptr<int64_t[]> acc, AllocateAccumulators(ctx, total));
  MOTA_RETURN_IF_ERROR(IntConvAccumulate(ctx, p, ctx.inputs[kX], xq.zero_point(0), ctx.inputs[kW],
                                         wq.zero_points, acc.get()));
  const int32_t* bias = ctx.has_input(kBias) ? ctx.inputs[kBias].as<const int32_t>() : nullptr;
  const int64_t plane = p.w.out_size();
  ParallelFor(ctx.pool, p.batch * p.filters, 1, [&](int64_t begin, int64_t end) {
    for (int64_t nm = begin; nm < end; ++nm) {
      const int64_t m = nm % p.filters;
      const float in_scale = xq.scale(0) * wq.scale(m);
      const int64_t b = bias != nullptr ? bias[m] : 0;
      for (int64_t i = nm * plane; i < (nm + 1) * plane; ++i)
        WriteQuantElement(y, i, requant.Apply(acc[i] + b, in_scale));
    }
  });
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(QLinearConv, {"QLinearConv", 8, 9, 1, 1, InferQLinearConv, ComputeQLinearConv});

}  // namespace mota::exec
