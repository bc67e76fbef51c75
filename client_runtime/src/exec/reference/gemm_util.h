// A cache-blocked f32 GEMM for the reference kernels (Conv via im2col, ConvTranspose, MatMul,
// Gemm): packed A and B blocks and a register-tile micro-kernel. The portable 4x8 kernel is
// plain C++ that compilers vectorize (SSE2 / NEON baseline); on x86-64 CPUs with AVX2 and FMA
// a 4x16 intrinsics kernel is picked at run time instead (about 2x faster).
//
// Layout: row-major with leading dimensions. op(A) is M x K, op(B) is K x N, C is M x N:
//   trans_a == false: A(i, p) = a[i * lda + p]     trans_a == true: A(i, p) = a[p * lda + i]
//   trans_b == false: B(p, j) = b[p * ldb + j]     trans_b == true: B(p, j) = b[j * ldb + p]
//
// Usage:
//   GemmF32({.m = M, .n = N, .k = K, .a = w, .lda = K, .b = x, .ldb = N, .c = y, .ldc = N});
#pragma once

#include <algorithm>

#include <cstdint>

#include "base/status.h"
#include "base/thread_pool.h"
#include "model/graph.h"

namespace mota::exec {

struct GemmArgs {
  int64_t m = 0;
  int64_t n = 0;
  int64_t k = 0;
  float alpha = 1.0f;
  const float* a = nullptr;
  int64_t lda = 0;
  bool trans_a = false;
  const float* b = nullptr;
  int64_t ldb = 0;
  bool trans_b = false;
  // C = alpha * op(A) * op(B) + beta * C. With beta == 0, C is only written (its old contents,
  // NaN included, do not leak into the result), as BLAS does.
  float beta = 0.0f;
  float* c = nullptr;
  int64_t ldc = 0;
};

// Runs on the calling thread. Keeps a per-thread packing buffer (grown on demand, reused by
// later calls) so that kernels calling it in a loop do not allocate per call.
void GemmF32(const GemmArgs& args);

// GemmF32 forced onto the portable kernel (tests check it on machines that have AVX2).
void GemmF32Portable(const GemmArgs& args);

// Splits C into blocks of columns (or of rows when C is tall and narrow) over `pool`; serial
// when pool is null. Must not be called from inside another ParallelFor task.
void GemmF32Parallel(ThreadPool* pool, const GemmArgs& args);

// Splits C into `parts` blocks of whole register tiles (columns when C is wide, so each part
// packs its own slice of B and shares A; rows otherwise) and calls gemm(part) for each block on
// the pool. `unit_n` / `unit_m` are the register tile's width and height; blocks are at least
// `min_n` columns or `min_m` rows.
template <typename Gemm>
void ForEachGemmBlock(ThreadPool* pool, const GemmArgs& g, int64_t parts, int64_t unit_n,
                      int64_t unit_m, int64_t min_n, int64_t min_m, Gemm&& gemm) {
  const bool split_cols = g.n >= g.m;
  const int64_t extent = split_cols ? g.n : g.m;
  const int64_t unit = split_cols ? unit_n : unit_m;
  int64_t block = (extent + parts - 1) / parts;
  block = std::max<int64_t>((block + unit - 1) / unit * unit, split_cols ? min_n : min_m);
  const int64_t blocks = (extent + block - 1) / block;
  ParallelFor(pool, blocks, 1, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      const int64_t lo = b * block, hi = std::min(extent, lo + block);
      GemmArgs part = g;
      if (split_cols) {
        part.n = hi - lo;
        part.b = g.trans_b ? g.b + lo * g.ldb : g.b + lo;
        part.c = g.c + lo;
      } else {
        part.m = hi - lo;
        part.a = g.trans_a ? g.a + lo : g.a + lo * g.lda;
        part.c = g.c + lo * g.ldc;
      }
      gemm(part);
    }
  });
}

// Shapes of a numpy matmul A [..., M, K] x B [..., K, N] with broadcast batch dims (1-D A is
// [1, K] with M dropped from the output, 1-D B is [K, 1] with N dropped). Shared by MatMul and
// the integer matmuls (MatMulInteger, QLinearMatMul).
struct MatMulShape {
  int64_t m = 0, k = 0, n = 0;
  Shape batch;             // broadcast batch dims
  Shape a_batch, b_batch;  // each operand's own batch dims
  Shape out;
};
// Errors name the node and both shapes.
Result<MatMulShape> MakeMatMulShape(const model::Node& node, const Shape& a, const Shape& b);

}  // namespace mota::exec
