#include "exec/reference/qlinear_util.h"

namespace mota::exec {

Status InferQLinearBinary(InferContext& ctx) {
  MOTA_RETURN_IF_ERROR(CheckInt8Operand(ctx, kQA, "A"));
  MOTA_RETURN_IF_ERROR(CheckInt8Operand(ctx, kQB, "B"));
  const TensorView& a = ctx.inputs[kQA];
  const TensorView& b = ctx.inputs[kQB];
  if (a.dtype != b.dtype) {
    return ctx.Error("input 3 (B) has dtype ", DTypeName(b.dtype), " but input 0 (A) has ",
                     DTypeName(a.dtype), "; A, B and C must share one dtype");
  }
  MOTA_RETURN_IF_ERROR(CheckTensorQuant(ctx, kQAScale, kQAZp, "A", a.dtype));
  MOTA_RETURN_IF_ERROR(CheckTensorQuant(ctx, kQBScale, kQBZp, "B", a.dtype));
  MOTA_RETURN_IF_ERROR(CheckTensorQuant(ctx, kQCScale, kQCZp, "C", a.dtype));
  MOTA_RETURN_IF_ERROR(ReadActivation(ctx.attrs()).status());
  MOTA_ASSIGN_OR_RETURN(Shape out, BroadcastShapes(a.shape, b.shape));
  ctx.outputs[0] = {a.dtype, out, nullptr};
  return Status::Ok();
}

Status CheckQLinearPoolOperands(InferContext& ctx) {
  const int64_t channels_last = ctx.attrs().GetInt("channels_last", 0);
  if (channels_last != 0) {
    return ctx.Error("channels_last is ", channels_last,
                     "; only 0 (NCHW) is supported: transpose X to NCHW before this node");
  }
  MOTA_RETURN_IF_ERROR(CheckInt8Operand(ctx, kQX, "X"));
  const DType dtype = ctx.inputs[kQX].dtype;
  MOTA_RETURN_IF_ERROR(CheckTensorQuant(ctx, kQXScale, kQXZp, "x", dtype));
  return CheckTensorQuant(ctx, kQYScale, kQYZp, "y", dtype);
}

Status ReadQLinearPoolOperands(const KernelContext& ctx, TensorQuant* x, TensorQuant* y) {
  const DType dtype = ctx.inputs[kQX].dtype;
  MOTA_ASSIGN_OR_RETURN(*x, ReadTensorQuant(ctx, kQXScale, kQXZp, "x", dtype));
  MOTA_ASSIGN_OR_RETURN(*y, ReadTensorQuant(ctx, kQYScale, kQYZp, "y", dtype));
  return Status::Ok();
}

RealTable MakeRealTable(const TensorQuant& q, DType dtype) {
  RealTable t{};
  const int32_t lo = static_cast<int32_t>(QuantMin(dtype));
  for (int32_t i = 0; i < 256; ++i) t[i] = q.Dequantize(lo + i);
  return t;
}

}  // namespace mota::exec
