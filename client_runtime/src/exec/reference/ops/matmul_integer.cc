// MatMulInteger (ONNX-10): numpy matmul of (A - a_zero_point) and (B - b_zero_point) with i32
// output. A and B are i8 or u8; a_zero_point is a scalar or 1-D per row of A (M values),
// b_zero_point a scalar or 1-D per column of B (N values); both optional (0), each with its
// operand's dtype. Batch dims broadcast as in MatMul.
#include <memory>
#include <new>

#include "exec/activation.h"
#include "exec/reference/quant_util.h"

namespace mota::exec {
namespace {

enum Input : int { kA = 0, kB, kAZp, kBZp };

Status CheckOperandDTypes(const model::Node& node, const TensorView& a, const TensorView& b) {
  for (const TensorView* t : {&a, &b}) {
    if (t->dtype == DType::kI8 || t->dtype == DType::kU8) continue;
    return InvalidArgument(node.op_type, " node '", node.name, "': input ",
                           t == &a ? "0 (A)" : "1 (B)", " has dtype ", DTypeName(t->dtype),
                           "; expected i8 or u8");
  }
  return Status::Ok();
}

Status InferMatMulInteger(InferContext& ctx) {
  const TensorView& a = ctx.inputs[kA];
  const TensorView& b = ctx.inputs[kB];
  MOTA_RETURN_IF_ERROR(CheckOperandDTypes(ctx.node, a, b));
  MOTA_ASSIGN_OR_RETURN(MatMulShape s, MakeMatMulShape(ctx.node, a.shape, b.shape));
  MOTA_RETURN_IF_ERROR(CheckZeroPoints(ctx, kAZp, "a_zero_point", a.dtype, s.m));
  MOTA_RETURN_IF_ERROR(CheckZeroPoints(ctx, kBZp, "b_zero_point", b.dtype, s.n));
  if (ctx.attrs().Has(kActivationAttr))
    return ctx.Error(
        "has a fused activation, but its output is i32 (fused activations apply to "
        "f32 outputs and to QLinear ops only)");
  ctx.outputs[0] = {DType::kI32, s.out, nullptr};
  return Status::Ok();
}

Status ComputeMatMulInteger(KernelContext& ctx) {
  const TensorView& a = ctx.inputs[kA];
  const TensorView& b = ctx.inputs[kB];
  MOTA_RETURN_IF_ERROR(CheckOperandDTypes(ctx.node, a, b));
  MOTA_ASSIGN_OR_RETURN(MatMulShape s, MakeMatMulShape(ctx.node, a.shape, b.shape));
  MOTA_ASSIGN_OR_RETURN(std::vector<int32_t> a_zp,
                        ReadZeroPoints(ctx, kAZp, "a_zero_point", a.dtype, s.m));
  MOTA_ASSIGN_OR_RETURN(std::vector<int32_t> b_zp,
                        ReadZeroPoints(ctx, kBZp, "b_zero_point", b.dtype, s.n));
  const int64_t total = ctx.outputs[0].numel();
  if (total == 0) return Status::Ok();
  MOTA_ASSIGN_OR_RETURN(std::unique_ptr<int64_t[]> acc, AllocateAccumulators(ctx, total));
  IntMatMulAccumulate(ctx, s, a, a_zp, b, b_zp, acc.get());
  int32_t* y = ctx.outputs[0].as<int32_t>();
  for (int64_t i = 0; i < total; ++i) y[i] = static_cast<int32_t>(acc[i]);  // wraps, as in i32
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_OP(MatMulInteger,
                 {"MatMulInteger", 2, 4, 1, 1, InferMatMulInteger, ComputeMatMulInteger});

}  // namespace mota::exec
