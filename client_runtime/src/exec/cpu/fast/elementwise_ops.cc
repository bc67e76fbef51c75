// Fast f32 elementwise ops: Erf, Sigmoid, Tanh (vectorized approximations, fast_impl.h) and
// Add / Sub / Mul / Div when the broadcast is "rows": the output seen as [outer, inner] with each
// operand full, a vector repeated over the rows, a scalar per row, or one scalar (bias adds,
// LayerNorm's (x - mean) / std, GELU's scalar constants). Other dtypes and broadcasts go to the
// reference kernels. Pow with exponent 2 is a square.
#include <algorithm>
#include <optional>

#include "exec/cpu/fast/fast_table.h"
#include "exec/cpu/kernels.h"

namespace mota::exec::fast {
namespace {

// Elements below which threading costs more than it saves, and the work item size above it.
constexpr int64_t kParallelMin = 65536;
constexpr int64_t kChunk = 16384;

Status Reference(KernelContext& ctx) { return FindOp(ctx.node.op_type)->compute(ctx); }

using UnaryRow = void (*)(const float*, float*, int64_t);

Status RunUnary(KernelContext& ctx, UnaryRow row) {
  const TensorView& x = ctx.inputs[0];
  if (x.dtype != DType::kF32) return Reference(ctx);
  const float* px = x.as<float>();
  float* py = ctx.outputs[0].as<float>();
  const int64_t n = x.numel();
  if (ctx.pool == nullptr || n < kParallelMin) {
    row(px, py, n);
    return Status::Ok();
  }
  ParallelFor(ctx.pool, (n + kChunk - 1) / kChunk, 1, [&](int64_t begin, int64_t end) {
    const int64_t lo = begin * kChunk, hi = std::min(n, end * kChunk);
    row(px + lo, py + lo, hi - lo);
  });
  return Status::Ok();
}

Status ComputeErfFast(KernelContext& ctx) { return RunUnary(ctx, FastTable().erf); }
Status ComputeSigmoidFast(KernelContext& ctx) { return RunUnary(ctx, FastTable().sigmoid); }
Status ComputeTanhFast(KernelContext& ctx) { return RunUnary(ctx, FastTable().tanh); }

// How one operand maps onto the [outer, inner] view of the output.
enum class Role { kFull, kInner, kOuter, kScalar };

// The operand's role when the output splits at dim `s`, or nullopt when it fits none.
std::optional<Role> RoleAt(const Shape& x, const Shape& out, size_t s) {
  const size_t r = out.size();
  auto dim = [&](size_t d) { return d + x.size() < r ? int64_t{1} : x[d + x.size() - r]; };
  bool lead_ones = true, lead_same = true, tail_ones = true, tail_same = true;
  for (size_t d = 0; d < r; ++d) {
    const bool one = dim(d) == 1, same = dim(d) == out[d];
    if (d < s) {
      lead_ones &= one;
      lead_same &= same;
    } else {
      tail_ones &= one;
      tail_same &= same;
    }
  }
  if (lead_same && tail_same) return Role::kFull;
  if (lead_ones && tail_ones) return Role::kScalar;
  if (lead_ones && tail_same) return Role::kInner;
  if (lead_same && tail_ones) return Role::kOuter;
  return std::nullopt;
}

Status RunBinary(KernelContext& ctx, BinaryOp op) {
  const TensorView& a = ctx.inputs[0];
  const TensorView& b = ctx.inputs[1];
  const TensorView& y = ctx.outputs[0];
  if (a.dtype != DType::kF32 || b.dtype != DType::kF32) return Reference(ctx);
  const Shape& out = y.shape;
  std::optional<Role> ra, rb;
  int64_t outer = 1, inner = y.numel();
  for (size_t s = 0; s <= out.size(); ++s) {
    ra = RoleAt(a.shape, out, s);
    rb = RoleAt(b.shape, out, s);
    if (ra && rb) break;
    if (s < out.size()) {
      outer *= out[s];
      inner /= std::max<int64_t>(out[s], 1);
    }
  }
  if (!ra || !rb || y.numel() == 0) return Reference(ctx);
  const bool a_vec = *ra == Role::kFull || *ra == Role::kInner;
  const bool b_vec = *rb == Role::kFull || *rb == Role::kInner;
  const BinaryMode mode = a_vec || !b_vec ? (b_vec ? BinaryMode::kVecVec : BinaryMode::kVecScalar)
                                          : BinaryMode::kScalarVec;
  // Offset of an operand's data for output row i, column j0 (a scalar ignores j0).
  auto offset = [inner](Role role, int64_t i, int64_t j0) -> int64_t {
    switch (role) {
      case Role::kFull:
        return i * inner + j0;
      case Role::kInner:
        return j0;
      case Role::kOuter:
        return i;
      case Role::kScalar:
        return 0;
    }
    return 0;
  };
  const auto binary = FastTable().binary;
  const float* pa = a.as<float>();
  const float* pb = b.as<float>();
  float* py = y.as<float>();
  // Work items: (row, column chunk) so that a single long row is split too.
  const int64_t col_chunks = (inner + kChunk - 1) / kChunk;
  auto run = [&](int64_t begin, int64_t end) {
    for (int64_t item = begin; item < end; ++item) {
      const int64_t i = item / col_chunks, j0 = item % col_chunks * kChunk;
      const int64_t len = std::min(kChunk, inner - j0);
      binary(op, mode, pa + offset(*ra, i, j0), pb + offset(*rb, i, j0), py + i * inner + j0, len);
    }
  };
  const int64_t items = outer * col_chunks;
  if (ctx.pool == nullptr || y.numel() < kParallelMin) {
    run(0, items);
  } else {
    ParallelFor(ctx.pool, items, std::max<int64_t>(1, kChunk / inner), run);
  }
  return Status::Ok();
}

// Pow with the scalar exponent 2 (variance in decomposed LayerNorms) is x * x; other exponents
// go to the reference's std::pow.
Status ComputePowFast(KernelContext& ctx) {
  const TensorView& x = ctx.inputs[0];
  const TensorView& e = ctx.inputs[1];
  const bool square = x.dtype == DType::kF32 && e.numel() == 1 &&
                      ((e.dtype == DType::kF32 && e.as<float>()[0] == 2.0f) ||
                       (e.dtype == DType::kI64 && e.as<int64_t>()[0] == 2) ||
                       (e.dtype == DType::kI32 && e.as<int32_t>()[0] == 2));
  if (!square || ctx.outputs[0].numel() != x.numel()) return Reference(ctx);
  const auto binary = FastTable().binary;
  const float* px = x.as<float>();
  float* py = ctx.outputs[0].as<float>();
  const int64_t n = x.numel();
  auto run = [&](int64_t begin, int64_t end) {
    const int64_t lo = begin * kChunk, hi = std::min(n, end * kChunk);
    binary(BinaryOp::kMul, BinaryMode::kVecVec, px + lo, px + lo, py + lo, hi - lo);
  };
  if (ctx.pool == nullptr || n < kParallelMin) {
    run(0, (n + kChunk - 1) / kChunk);
  } else {
    ParallelFor(ctx.pool, (n + kChunk - 1) / kChunk, 1, run);
  }
  return Status::Ok();
}

Status ComputeAddFast(KernelContext& ctx) { return RunBinary(ctx, BinaryOp::kAdd); }
Status ComputeSubFast(KernelContext& ctx) { return RunBinary(ctx, BinaryOp::kSub); }
Status ComputeMulFast(KernelContext& ctx) { return RunBinary(ctx, BinaryOp::kMul); }
Status ComputeDivFast(KernelContext& ctx) { return RunBinary(ctx, BinaryOp::kDiv); }

}  // namespace

MOTA_REGISTER_FAST_KERNEL(Erf, ComputeErfFast);
MOTA_REGISTER_FAST_KERNEL(Sigmoid, ComputeSigmoidFast);
MOTA_REGISTER_FAST_KERNEL(Tanh, ComputeTanhFast);
MOTA_REGISTER_FAST_KERNEL(Add, ComputeAddFast);
MOTA_REGISTER_FAST_KERNEL(Sub, ComputeSubFast);
MOTA_REGISTER_FAST_KERNEL(Mul, ComputeMulFast);
MOTA_REGISTER_FAST_KERNEL(Div, ComputeDivFast);
MOTA_REGISTER_FAST_KERNEL(Pow, ComputePowFast);

}  // namespace mota::exec::fast
