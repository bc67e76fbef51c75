// QLinearMatMul (ONNX-10) with mota's fused activation: numpy matmul of quantized a and b (i8
// or u8, batch dims broadcast) to a quantized y. Inputs: a, a_scale, a_zero_point, b, b_scale,
// b_zero_point, y_scale, y_zero_point. a's parameters are per tensor or per row (M values), b's
// per tensor or per column (N values, as ONNX-10 and manifests/spec/quantization.md allow), y's
// per tensor; zero points have their operand's dtype (0 when omitted), y's dtype is y_zp's.
//   acc[i, j] = sum_p (a[i, p] - a_zp[i]) * (b[p, j] - b_zp[j])          exact, in integers
//   y = saturate(round_half_even(acc * (a_scale[i] * b_scale[j] / y_scale)) + y_zp)
// with the fused activation applied as Requantizer (quant_util.h) describes.
#include <memory>
#include <new>

#include "exec/activation.h"
#include "exec/reference/quant_util.h"

namespace mota::exec {
namespace {

enum Input : int { kA = 0, kAScale, kAZp, kB, kBScale, kBZp, kYScale, kYZp };

// Operand `operand` (named `name`) is i8 or u8, and its zero point `zp`, when given, has its dtype.
Status CheckOperand(const model::Node& node, std::span<const TensorView> inputs, int operand,
                    int zp, const char* name) {
  const auto where = [&](int i) {
    return StrCat(node.op_type, " node '", node.name, "': input ", i, " (", name,
                  i == zp ? "_zero_point)" : ")");
  };
  if (operand >= static_cast<int>(inputs.size()) || !inputs[operand].present())
    return InvalidArgument(where(operand), " is missing");
  const DType d = inputs[operand].dtype;
  if (d != DType::kI8 && d != DType::kU8)
    return InvalidArgument(where(operand), " has dtype ", DTypeName(d), "; expected i8 or u8");
  if (zp < static_cast<int>(inputs.size()) && inputs[zp].present() && inputs[zp].dtype != d)
    return InvalidArgument(where(zp), " has dtype ", DTypeName(inputs[zp].dtype), " but input ",
                           operand, " (", name, ") is ", DTypeName(d), "; expected the same dtype");
  return Status::Ok();
}

Status CheckOperands(const model::Node& node, std::span<const TensorView> inputs) {
  MOTA_RETURN_IF_ERROR(CheckOperand(node, inputs, kA, kAZp, "a"));
  return CheckOperand(node, inputs, kB, kBZp, "b");
}

Status InferQLinearMatMul(InferContext& ctx) {
  MOTA_RETURN_IF_ERROR(CheckOperands(ctx.node, ctx.inputs));
  MOTA_ASSIGN_OR_RETURN(MatMulShape s,
                        MakeMatMulShape(ctx.node, ctx.inputs[kA].shape, ctx.inputs[kB].shape));
  MOTA_RETURN_IF_ERROR(CheckQuantOperand(ctx, kAScale, kAZp, s.m));
  MOTA_RETURN_IF_ERROR(CheckQuantOperand(ctx, kBScale, kBZp, s.n));
  MOTA_RETURN_IF_ERROR(CheckQuantOperand(ctx, kYScale, kYZp, 1));
  DType out = DType::kU8;
  if (ctx.has_input(kYZp)) {
    out = ctx.inputs[kYZp].dtype;
    if (out != DType::kI8 && out != DType::kU8)
      return ctx.Error("input 7 (y_zero_point) has dtype ", DTypeName(out),
                       "; expected i8 or u8 (it sets the output's dtype)");
  }
  MOTA_RETURN_IF_ERROR(ReadActivation(ctx.attrs()).status());
  ctx.outputs[0] = {out, s.out, nullptr};
  return Status::Ok();
}

Status ComputeQLinearMatMul(KernelContext& ctx) {
  MOTA_RETURN_IF_ERROR(CheckOperands(ctx.node, ctx.inputs));
  const TensorView& a = ctx.inputs[kA];
  const TensorView& b = ctx.inputs[kB];
  MOTA_ASSIGN_OR_RETURN(MatMulShape s, MakeMatMulShape(ctx.node, a.shape, b.shape));
  MOTA_ASSIGN_OR_RETURN(QuantOperand aq, ReadQuantOperand(ctx, kAScale, kAZp, s.m));
  MOTA_ASSIGN_OR_RETURN(QuantOperand bq, ReadQuantOperand(ctx, kBScale, kBZp, s.n));
  MOTA_ASSIGN_OR_RETURN(QuantOperand yq, ReadQuantOperand(ctx, kYScale, kYZp, 1));
  MOTA_ASSIGN_OR_RETURN(Requantizer requant, MakeRequantizer(ctx, yq));
  const TensorView& y = ctx.outputs[0];
  const int64_t total = y.numel();
  if (total == 0) return Status::Ok();
  MOTA_ASSIGN_OR_RETURN(std::unique_ptr<int64_t[]> acc, AllocateAccumulators(ctx, total));
  IntMatMulAccumulate(ctx, s, a, aq.zero_points, b, bq.zero_points, acc.get());
  ParallelFor(ctx.pool, total / s.n, 1, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float a_scale = aq.scale(r % s.m);
      for (int64_t j = 0; j < s.n; ++j)
        WriteQuantElement(y, r * s.n + j, requant.Apply(acc[r * s.n + j], a_scale * bq.scale(j)));
    }
  });
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(QLinearMatMul,
                 {"QLinearMatMul", 8, 8, 1, 1, InferQLinearMatMul, ComputeQLinearMatMul});

}  // namespace mota::exec
