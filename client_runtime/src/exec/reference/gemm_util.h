// A cache-blocked f32 GEMM for the reference kernels (Conv via im2col, ConvTranspose, MatMul,
// Gemm). Plain C++: the 4x8 micro-kernel is written so that compilers vectorize it (SSE2/NEON
// baseline); on x86-64 Linux with GCC an AVX2+FMA clone is picked at load time as well.
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

// Splits C into blocks of columns (or of rows when C is tall and narrow) over `pool`; serial
// when pool is null. Must not be called from inside another ParallelFor task.
void GemmF32Parallel(ThreadPool* pool, const GemmArgs& args);

}  // namespace mota::exec
