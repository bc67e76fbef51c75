// Fast kernels for the int8 element-wise ops of quantized graphs: QLinearAdd, QLinearMul (same
// shape, or one operand constant over trailing dims: the [1,C,H,W] * [1,C,1,1] of SE blocks),
// QLinearGlobalAveragePool, QuantizeLinear / DequantizeLinear (per tensor, f32 <-> i8 / u8) and
// QLinearConcat. Anything else, and every malformed node, runs the reference compute, which also
// reports the errors. The arithmetic is the reference kernels' (int8_table.h): bit-identical.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <vector>

#include "exec/activation.h"
#include "exec/cpu/int8/real_requant.h"
#include "exec/cpu/int8_ew/int8_lut.h"
#include "exec/cpu/int8_ew/int8_table.h"
#include "exec/cpu/kernels.h"
#include "exec/reference/op_util.h"
#include "exec/reference/qlinear_util.h"
#include "exec/reference/quant_util.h"

namespace mota::exec {
namespace {

using int8_ew::QOut;
using int8_ew::QParams;
using int8_ew::Table;

constexpr int64_t kChunk = 4096;  // elements per task and per f32 scratch row

Status Reference(KernelContext& ctx) { return FindOp(ctx.node.op_type)->compute(ctx); }

bool IsCode(DType d) { return d == DType::kI8 || d == DType::kU8; }

QOut MakeQOut(int32_t zero_point, DType dtype) {
  return {static_cast<float>(zero_point), static_cast<float>(QuantMin(dtype)),
          static_cast<float>(QuantMax(dtype)), dtype == DType::kU8};
}

// out[:k] x out[k:] split when `full` has the output's shape and `small` (right-aligned) equals
// the output on dims before k and is 1 from k on: small[o] pairs with full's o-th block of
// `inner` elements. Same shapes give k = rank (inner 1); callers then treat them as one block.
bool BlockBroadcast(const Shape& full, const Shape& small, const Shape& out, int64_t* outer,
                    int64_t* inner) {
  if (full != out || small.size() > out.size()) return false;
  const size_t lead = out.size() - small.size();
  size_t k = out.size();
  while (k > 0 && (k <= lead || small[k - 1 - lead] == 1)) --k;
  for (size_t d = 0; d < k; ++d)
    if ((d < lead ? 1 : small[d - lead]) != out[d]) return false;
  *outer = 1;
  *inner = 1;
  for (size_t d = 0; d < out.size(); ++d) (d < k ? *outer : *inner) *= out[d];
  return true;
}

Status ComputeQLinearBinaryFast(KernelContext& ctx, bool mul) {
  const TensorView& a = ctx.inputs[kQA];
  const TensorView& b = ctx.inputs[kQB];
  const TensorView& c = ctx.outputs[0];
  if (!IsCode(a.dtype) || b.dtype != a.dtype || c.dtype != a.dtype) return Reference(ctx);
  Result<TensorQuant> qa = ReadTensorQuant(ctx, kQAScale, kQAZp, "A", a.dtype);
  Result<TensorQuant> qb = ReadTensorQuant(ctx, kQBScale, kQBZp, "B", a.dtype);
  Result<TensorQuant> qc = ReadTensorQuant(ctx, kQCScale, kQCZp, "C", a.dtype);
  Result<Activation> act = ReadActivation(ctx.attrs());
  if (!qa.ok() || !qb.ok() || !qc.ok() || !act.ok()) return Reference(ctx);
  const TensorView* full = &a;
  const TensorView* small = &b;
  QParams pf{qa->scale, qa->zero_point}, ps{qb->scale, qb->zero_point};
  int64_t outer = 1, inner = 1;
  if (a.shape == b.shape && a.shape == c.shape) {
    inner = c.numel();  // one block; small is read element by element below
  } else if (!BlockBroadcast(a.shape, b.shape, c.shape, &outer, &inner)) {
    // real(A) op real(B) == real(B) op real(A) exactly in IEEE f32: swapping is safe.
    if (!BlockBroadcast(b.shape, a.shape, c.shape, &outer, &inner)) return Reference(ctx);
    std::swap(full, small);
    std::swap(pf, ps);
  }
  if (c.numel() == 0) return Status::Ok();
  const bool same = small->shape == c.shape;
  const QOut out = MakeQOut(qc->zero_point, a.dtype);
  // Real values, op, fused activation and quantization in one vector pass (real_requant.h).
  const int8::RealRequantIsa& rr = int8::ActiveRealRequant();
  int8::RealRow r;
  r.act = *act;
  r.y_scale = qc->scale;
  r.zero_point = out.zero_point, r.lo = out.lo, r.hi = out.hi, r.u8 = out.u8;
  int8::PrepareDivision(r);
  const int64_t chunks_per_block = (inner + kChunk - 1) / kChunk;
  const uint8_t* pf_data = full->as<const uint8_t>();
  const uint8_t* ps_data = small->as<const uint8_t>();
  int8::RealBinaryOp op;
  op.mul = mul;
  op.a_scale = pf.scale, op.a_zero_point = pf.zero_point;
  op.b_scale = ps.scale, op.b_zero_point = ps.zero_point;
  op.b_scalar = !same;
  ParallelFor(ctx.pool, outer * chunks_per_block, 1, [&](int64_t begin, int64_t end) {
    for (int64_t u = begin; u < end; ++u) {
      const int64_t o = u / chunks_per_block;
      const int64_t j = (u % chunks_per_block) * kChunk;
      const int64_t n = std::min(kChunk, inner - j);
      const int64_t off = o * inner + j;
      rr.binary(r, op, pf_data + off, same ? ps_data + off : ps_data + o, n, c.as<uint8_t>() + off);
    }
  });
  return Status::Ok();
}

Status ComputeQLinearAddFast(KernelContext& ctx) { return ComputeQLinearBinaryFast(ctx, false); }
Status ComputeQLinearMulFast(KernelContext& ctx) { return ComputeQLinearBinaryFast(ctx, true); }

// The mean of each (n, c) plane, as the reference: exact integer sum, f64 scale-and-divide
// rounded to f32, then quantized.
Status ComputeQLinearGlobalAveragePoolFast(KernelContext& ctx) {
  const TensorView& x = ctx.inputs[kQX];
  const TensorView& y = ctx.outputs[0];
  if (!IsCode(x.dtype) || y.dtype != x.dtype || x.rank() < 3 ||
      ctx.attrs().GetInt("channels_last", 0) != 0)
    return Reference(ctx);
  TensorQuant qx, qy;
  if (!ReadQLinearPoolOperands(ctx, &qx, &qy).ok()) return Reference(ctx);
  const int64_t planes = x.shape[0] * x.shape[1];
  if (planes == 0) return Status::Ok();
  const int64_t size = x.numel() / planes;
  const bool u8 = x.dtype == DType::kU8;
  const Table& t = int8_ew::ActiveTable();
  const uint8_t* px = x.as<const uint8_t>();
  uint8_t* py = y.as<uint8_t>();
  ParallelFor(ctx.pool, planes, std::max<int64_t>(1, kChunk / std::max<int64_t>(size, 1)),
              [&](int64_t begin, int64_t end) {
                for (int64_t i = begin; i < end; ++i) {
                  const int64_t sum = t.sum_codes(px + i * size, u8, size) - size * qx.zero_point;
                  const float real = size > 0 ? static_cast<float>(static_cast<double>(qx.scale) *
                                                                   static_cast<double>(sum) /
                                                                   static_cast<double>(size))
                                              : 0.0f;
                  const int32_t q = QuantizeValue(real, qy.scale, qy.zero_point, x.dtype);
                  py[i] = static_cast<uint8_t>(q);  // the code's byte (two's complement for i8)
                }
              });
  return Status::Ok();
}

// Per-tensor scale and zero point of QuantizeLinear / DequantizeLinear (inputs 1 and 2), or false
// when the node is per axis or malformed (the reference handles it).
bool ReadPerTensor(const KernelContext& ctx, DType code_dtype, QParams* q) {
  const TensorView& scale = ctx.inputs[1];
  if (scale.dtype != DType::kF32 || scale.numel() != 1) return false;
  if (ctx.has_input(2) && (ctx.inputs[2].dtype != code_dtype || ctx.inputs[2].numel() != 1))
    return false;
  Result<QuantOperand> op = ReadQuantOperand(ctx, 1, 2, 1);
  if (!op.ok()) return false;
  *q = {op->scale(0), op->zero_point(0)};
  return true;
}

Status ComputeQuantizeLinearFast(KernelContext& ctx) {
  const TensorView& x = ctx.inputs[0];
  const TensorView& y = ctx.outputs[0];
  QParams q;
  if (x.dtype != DType::kF32 || !IsCode(y.dtype) || !ReadPerTensor(ctx, y.dtype, &q))
    return Reference(ctx);
  const QOut out = MakeQOut(q.zero_point, y.dtype);
  const Table& t = int8_ew::ActiveTable();
  const int64_t n = x.numel();
  ParallelFor(ctx.pool, (n + kChunk - 1) / kChunk, 1, [&](int64_t begin, int64_t end) {
    for (int64_t u = begin; u < end; ++u) {
      const int64_t off = u * kChunk;
      t.quantize(x.as<const float>() + off, std::min(kChunk, n - off), q.scale, out,
                 y.as<uint8_t>() + off);
    }
  });
  return Status::Ok();
}

Status ComputeDequantizeLinearFast(KernelContext& ctx) {
  const TensorView& x = ctx.inputs[0];
  QParams q;
  if (!IsCode(x.dtype) || !ReadPerTensor(ctx, x.dtype, &q)) return Reference(ctx);
  const Table& t = int8_ew::ActiveTable();
  const int64_t n = x.numel();
  const bool u8 = x.dtype == DType::kU8;
  ParallelFor(ctx.pool, (n + kChunk - 1) / kChunk, 1, [&](int64_t begin, int64_t end) {
    for (int64_t u = begin; u < end; ++u) {
      const int64_t off = u * kChunk;
      t.dequantize(x.as<const uint8_t>() + off, u8, std::min(kChunk, n - off), q.zero_point,
                   q.scale, ctx.outputs[0].as<float>() + off);
    }
  });
  return Status::Ok();
}

// QLinearConcat inputs: Y_scale, Y_zero_point, then (X_i, X_i_scale, X_i_zero_point).
struct ConcatInput {
  const uint8_t* data = nullptr;
  int64_t row = 0;                   // bytes per outer index
  bool copy = false;                 // parameters equal Y's (bitwise scale): byte copy
  std::array<uint8_t, 256> table{};  // else the output code of each input code (by byte)
};

// The reference's table: quantize(x.Dequantize(code)) with Y's parameters for every code.
void FillRequantTable(const TensorQuant& x, const TensorQuant& y, DType dtype, uint8_t* table) {
  const int32_t lo = static_cast<int32_t>(QuantMin(dtype));
  for (int32_t i = 0; i < 256; ++i) {
    const int32_t code = lo + i;
    table[static_cast<uint8_t>(code)] =
        static_cast<uint8_t>(QuantizeValue(x.Dequantize(code), y.scale, y.zero_point, dtype));
  }
}

Status ComputeQLinearConcatFast(KernelContext& ctx) {
  const TensorView& out = ctx.outputs[0];
  const size_t n = ctx.inputs.size();
  if (!IsCode(out.dtype) || n < 5 || (n - 2) % 3 != 0) return Reference(ctx);
  Result<TensorQuant> qy = ReadTensorQuant(ctx, 0, 1, "Y", out.dtype);
  Result<int64_t> axis = NormalizeAxis(ctx.attrs().GetInt("axis", 0), out.rank());
  if (!qy.ok() || !axis.ok()) return Reference(ctx);
  int64_t outer = 1;
  for (int64_t d = 0; d < *axis; ++d) outer *= out.shape[d];
  if (outer == 0 || out.numel() == 0) return Status::Ok();
  std::vector<ConcatInput> in((n - 2) / 3);
  for (size_t i = 0; i < in.size(); ++i) {
    const int x = 2 + 3 * static_cast<int>(i);
    if (ctx.inputs[x].dtype != out.dtype) return Reference(ctx);
    Result<TensorQuant> qx = ReadTensorQuant(ctx, x + 1, x + 2, "X", out.dtype);
    if (!qx.ok()) return Reference(ctx);
    in[i].data = ctx.inputs[x].as<const uint8_t>();
    in[i].row = ctx.inputs[x].numel() / outer;
    in[i].copy = *qx == *qy;
    if (!in[i].copy) FillRequantTable(*qx, *qy, out.dtype, in[i].table.data());
  }
  const int64_t out_row = out.numel() / outer;
  const int8_ew::LutFn lut = int8_ew::BestLut();
  ParallelFor(ctx.pool, outer, std::max<int64_t>(1, kChunk / out_row),
              [&](int64_t begin, int64_t end) {
                for (int64_t o = begin; o < end; ++o) {
                  uint8_t* dst = out.as<uint8_t>() + o * out_row;
                  for (const ConcatInput& x : in) {
                    const uint8_t* src = x.data + o * x.row;
                    if (x.copy) {
                      std::memcpy(dst, src, static_cast<size_t>(x.row));
                    } else {
                      lut(x.table.data(), src, x.row, dst);
                    }
                    dst += x.row;
                  }
                }
              });
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_FAST_KERNEL(QLinearConcat, ComputeQLinearConcatFast);
MOTA_REGISTER_FAST_KERNEL(QLinearAdd, ComputeQLinearAddFast);
MOTA_REGISTER_FAST_KERNEL(QLinearMul, ComputeQLinearMulFast);
MOTA_REGISTER_FAST_KERNEL(QLinearGlobalAveragePool, ComputeQLinearGlobalAveragePoolFast);
MOTA_REGISTER_FAST_KERNEL(QuantizeLinear, ComputeQuantizeLinearFast);
MOTA_REGISTER_FAST_KERNEL(DequantizeLinear, ComputeDequantizeLinearFast);

}  // namespace mota::exec
