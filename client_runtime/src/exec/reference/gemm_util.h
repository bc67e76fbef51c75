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

#include <cstdint>

#include "base/thread_pool.h"

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

}  // namespace mota::exec
