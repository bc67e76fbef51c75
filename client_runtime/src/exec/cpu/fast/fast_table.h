// The leaf routines of mota's fast kernels, one table per ISA. fast_impl.h holds a single source
// written with GCC/Clang vector extensions; it is compiled three times (fast_avx512.cc with
// 64-byte vectors, fast_avx2.cc with 32-byte, fast_portable.cc with 16-byte: SSE2 / NEON), and
// FastTable() picks the best one the CPU runs (exec/cpu/cpu_features.h, so MOTA_CPU_DISABLE
// reaches the portable path for tests and A/B timings).
//
// The routines are leaves on raw pointers: the blocking, threading and shape handling live in the
// portable op files (fast/*_ops.cc), so no std:: template is instantiated with ISA flags.
#pragma once

#include <cstdint>

namespace mota::exec::fast {

enum class BinaryOp : int { kAdd, kSub, kMul, kDiv };

// How the two operands of a binary row step: both full rows, or one of them a single scalar.
enum class BinaryMode : int { kVecVec, kVecScalar, kScalarVec };

struct Table {
  const char* isa;  // "avx512", "avx2", "portable"
  // GEMM register tile: kMr rows x kNr columns. A panel: kc x mr (mr contiguous per k step);
  // B panel: kc x nr (nr contiguous per k step). C = (accumulate ? C : 0) + A * B.
  int gemm_mr;
  int gemm_nr;
  void (*gemm_tile)(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                    bool accumulate);

  // y = softmax(x) over one contiguous row of n > 0 elements (max-subtracted).
  void (*softmax_row)(const float* x, float* y, int64_t n);
  // y = (x - mean) * inv_std * scale + bias over one row; returns mean and inv_std. bias may be
  // null (zero).
  void (*layer_norm_row)(const float* x, const float* scale, const float* bias, float* y, int64_t n,
                         float epsilon, float* mean, float* inv_std);
  // Elementwise maps over n elements (y may equal x).
  void (*erf)(const float* x, float* y, int64_t n);
  void (*sigmoid)(const float* x, float* y, int64_t n);
  void (*tanh)(const float* x, float* y, int64_t n);
  // y[i] = a[i] op b[i] with a or b read as a scalar per `mode` (y may equal a or b).
  void (*binary)(BinaryOp op, BinaryMode mode, const float* a, const float* b, float* y, int64_t n);
  // Sum of n contiguous elements (pairwise over vector lanes, float accumulators).
  float (*sum)(const float* x, int64_t n);
  // y[j] += x[j] for n elements (column sums of H,W-style reductions).
  void (*accumulate)(const float* x, float* y, int64_t n);
};

// The best table for this CPU (detected once).
const Table& FastTable();
// Every table this binary has that the CPU runs, best first (tests compare them all).
int AvailableTables(const Table** out, int capacity);

// Per-ISA tables (the x86 ones exist only in x86-64 builds).
const Table& PortableTable();
const Table& Avx2Table();
const Table& Avx512Table();

}  // namespace mota::exec::fast
