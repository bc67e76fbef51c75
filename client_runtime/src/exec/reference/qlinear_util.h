// Shared by the mota QLinear ops (manifests/spec/quantization.md, "mota QLinear ops: details"):
// operand checks of QLinearAdd / QLinearMul and of the two QLinear average pools, and the
// broadcasting kernel of the binary ops. Per-tensor parameters only.
//
// Every output element is quantize(activation(f(real inputs))) with real = scale * (q - zp) in
// f32 and quantize = round half to even, then saturate (quant_util.h's QuantizeValue).
#pragma once

#include <array>
#include <cstdint>

#include "exec/activation.h"
#include "exec/reference/elementwise.h"
#include "exec/reference/quant_util.h"

namespace mota::exec {

// QLinearAdd / QLinearMul inputs.
enum QLinearBinaryInput : int { kQA = 0, kQAScale, kQAZp, kQB, kQBScale, kQBZp, kQCScale, kQCZp };
// QLinearAveragePool / QLinearGlobalAveragePool inputs.
enum QLinearPoolInput : int { kQX = 0, kQXScale, kQXZp, kQYScale, kQYZp };

// A and B are i8 or u8 of one dtype, every scale / zero point per tensor, output C is the
// broadcast of A and B with their dtype. Checks the fused activation's name.
Status InferQLinearBinary(InferContext& ctx);

// X is i8 or u8 and NCHW (attr channels_last absent or 0); x and y parameters per tensor. The
// output's dtype is X's; its shape is left to the caller.
Status CheckQLinearPoolOperands(InferContext& ctx);
// The run-time half of the same checks: reads x's and y's parameters.
Status ReadQLinearPoolOperands(const KernelContext& ctx, TensorQuant* x, TensorQuant* y);

// The real value of every code of an 8-bit dtype, indexed by q - QuantMin(dtype): one table
// lookup per element instead of a multiply, with bit-identical results.
using RealTable = std::array<float, 256>;
RealTable MakeRealTable(const TensorQuant& q, DType dtype);

// C = quantize(activation(combine(real(A), real(B)))) with numpy broadcasting.
template <typename F>
Status ComputeQLinearBinary(KernelContext& ctx, F combine) {
  const TensorView& a = ctx.inputs[kQA];
  const DType dtype = a.dtype;
  MOTA_ASSIGN_OR_RETURN(TensorQuant qa, ReadTensorQuant(ctx, kQAScale, kQAZp, "A", dtype));
  MOTA_ASSIGN_OR_RETURN(TensorQuant qb, ReadTensorQuant(ctx, kQBScale, kQBZp, "B", dtype));
  MOTA_ASSIGN_OR_RETURN(TensorQuant qc, ReadTensorQuant(ctx, kQCScale, kQCZp, "C", dtype));
  MOTA_ASSIGN_OR_RETURN(Activation act, ReadActivation(ctx.attrs()));
  const RealTable ra = MakeRealTable(qa, dtype);
  const RealTable rb = MakeRealTable(qb, dtype);
  const int32_t lo = static_cast<int32_t>(QuantMin(dtype));
  return Dispatch(DTypeList<DType::kI8, DType::kU8>{}, dtype, ctx, [&](auto tag) {
    using T = CType<decltype(tag)>;
    BroadcastLoop2<T, T, T>(a, ctx.inputs[kQB], ctx.outputs[0], [&](T x, T y) {
      const float real = act.Apply(combine(ra[x - lo], rb[y - lo]));
      return static_cast<T>(QuantizeValue(real, qc.scale, qc.zero_point, dtype));
    });
    return Status::Ok();
  });
}

}  // namespace mota::exec
