// Real-domain requantization rows shared by the int8 kernels (this folder's GEMM epilogue and
// ../int8_ew's depthwise conv and QLinearAdd / QLinearMul): the output stage of a QLinear op whose
// fused activation must see the real value (HardSwish, HardSigmoid, LeakyRelu, Sigmoid, Tanh;
// Relu and Clip too when a caller passes them):
//   real = float(acc + add + col_add[j]) * (col_scale ? col_scale[j] : scale)   (i32 wraps)
//   y    = clamp(nearbyint(act(real) / y_scale) + zero_point, lo, hi), NaN -> 0
// exactly Requantizer::Apply (exec/reference/quant_util.h) with Activation::Apply
// (exec/activation.cc): the same f32 operations in the same order, so results are bit-identical.
// AVX-512 (16 lanes), AVX2 (8 lanes) and portable variants; Sigmoid and Tanh call the scalar
// Activation::Apply per lane (rare in the models we ship).
#pragma once

#include <cstdint>

#include "exec/activation.h"

namespace mota::exec::int8 {

struct RealRow {
  int32_t add = 0;
  const int32_t* col_add = nullptr;  // n values, or null
  float scale = 1.0f;                // in_scale (x_scale * w_scale) when col_scale is null
  const float* col_scale = nullptr;  // n values, or null
  Activation act;
  float y_scale = 1.0f;
  float zero_point = 0.0f;  // y's, and the code range, as floats (exact)
  float lo = -128.0f;
  float hi = 127.0f;
  bool u8 = false;  // y holds u8 codes (else i8)
  // Set by PrepareDivision: RN(1 / y_scale), and the largest distance from an integer at which a
  // reciprocal-scaled value still rounds as the reference's quotient (-1: always divide).
  float inv_y_scale = 0.0f;
  float near = -1.0f;
};

// The division act(x) / y_scale is the slow step of every row (HardSwish has a second one, x / 6).
// Only the integer it rounds to matters, so after PrepareDivision the vector rows compute
// z' = act'(x) * RN(1 / y_scale) and keep it when no lane lies within `margin` of a half-integer;
// other vectors (rare) take the reference's divisions. Rows whose RealRow was not prepared divide.
void PrepareDivision(RealRow& r);

// QLinearAdd / QLinearMul operands (per tensor): real(q) = scale * float(q - zero_point), rounded
// to f32 before the op, as the reference's real tables are.
struct RealBinaryOp {
  bool mul = false;  // * (else +)
  float a_scale = 1.0f, b_scale = 1.0f;
  int32_t a_zero_point = 0, b_zero_point = 0;
  bool b_scalar = false;  // b[0] pairs with every a[j]
};

struct RealRequantIsa {
  const char* name;  // "avx512", "avx2", "portable"
  // y[j] for j < n from int32 accumulators, as above.
  void (*row)(const RealRow& r, const int32_t* acc, int64_t n, void* y);
  // The same from f32 accumulators holding exact integers (|acc| < 2^24; depthwise conv).
  void (*row_f32)(const RealRow& r, const float* acc, int64_t n, void* y);
  // y[j] = clamp(nearbyint(act(x[j]) / y_scale) + zero_point, lo, hi) from real values x (add,
  // col_add, scale and col_scale unused): the fused activation + QuantizeValue of QLinearAdd.
  void (*quantize)(const RealRow& r, const float* x, int64_t n, void* y);
  // y[j] = quantize as above of real(a[j]) op real(b_scalar ? b[0] : b[j]): QLinearAdd /
  // QLinearMul in one pass. a, b and y hold codes of one dtype (r.u8).
  void (*binary)(const RealRow& r, const RealBinaryOp& op, const void* a, const void* b, int64_t n,
                 void* y);
  // rows x n outputs of a GEMM tile in one call: y[i * y_stride + j] as `row` computes it from
  // acc[i * acc_stride + j] with add = row_add[i] and scale = row_scale[i] (r's add, col_add,
  // scale and col_scale unused). Saves the per-row setup on short rows (48-column tiles).
  void (*tile)(const RealRow& r, const int32_t* row_add, const float* row_scale, int rows,
               const int32_t* acc, int64_t acc_stride, int64_t n, uint8_t* y, int64_t y_stride);
};

const RealRequantIsa& PortableRealRequant();
#if defined(__x86_64__)
const RealRequantIsa& Avx2RealRequant();    // call only when GetCpuFeatures().avx2
const RealRequantIsa& Avx512RealRequant();  // call only when GetCpuFeatures().avx512
#endif
// The best variant this CPU runs (MOTA_CPU_DISABLE applies), unless a test overrides it.
const RealRequantIsa& ActiveRealRequant();
// Every variant this CPU runs, best first.
int AvailableRealRequant(const RealRequantIsa** out, int capacity);
// Tests: makes ActiveRealRequant() return `isa` (nullptr: back to detection).
void OverrideRealRequantForTest(const RealRequantIsa* isa);

// Activation::Apply, out of line in a baseline-ISA file: the vector files call it for Sigmoid and
// Tanh without instantiating std:: code under their -m flags.
float ApplyActivationScalar(const Activation& act, float x);

}  // namespace mota::exec::int8
