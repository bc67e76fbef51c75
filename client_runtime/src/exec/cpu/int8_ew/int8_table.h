// The leaf routines of the int8 fast kernels (QLinearConv depthwise, QLinearAdd / QLinearMul,
// QLinearGlobalAveragePool, QuantizeLinear, DequantizeLinear), one table per ISA: int8_avx512.cc
// and int8_avx2.cc compile int8_impl.h for 16 lanes, int8_portable.cc is plain C++ (ARM64 too).
// Table() picks the best one the CPU runs (GetCpuFeatures(), so MOTA_CPU_DISABLE reaches the other
// paths). The routines are leaves on raw pointers; shapes, threading and fallbacks to the
// reference kernels live in the op files (qlinear_dwconv.cc, qlinear_ew_ops.cc).
//
// Every routine evaluates the same f32 operations in the same order as the reference kernels
// (exec/reference/quant_util.h), so results are bit-identical:
//   quantize   q = clamp(nearbyint(x / scale) + zp, lo, hi), NaN -> 0 (IEEE division, ties even)
//   dequantize y = float(q - zp) * scale
//   real       r = scale * float(q - zp)        (the reference's RealTable entries)
// and the depthwise accumulation is exact: int16 x int16 products summed in i32 (vpmaddwd).
#pragma once

#include <cstdint>

namespace mota::exec::int8_ew {

// Parameters of one per-tensor quantized operand as the routines use them.
struct QParams {
  float scale = 1.0f;
  int32_t zero_point = 0;
};

// Output range and zero point of a quantizing routine, all as floats (exact: |v| <= 255).
struct QOut {
  float zero_point = 0.0f;
  float lo = -128.0f;
  float hi = 127.0f;
  bool u8 = false;  // the output bytes are u8 (else i8)
};

struct Table {
  const char* isa;  // "avx512", "avx2", "portable"
  // y[i] = clamp(nearbyint(x[i] / scale) + out.zero_point, out.lo, out.hi); NaN -> 0.
  void (*quantize)(const float* x, int64_t n, float scale, const QOut& out, void* y);
  // y[i] = float(q[i] - zp) * scale for i8 (u8 = false) or u8 codes.
  void (*dequantize)(const void* q, bool u8, int64_t n, int32_t zp, float scale, float* y);
  // y[i] = real_a(a[i]) op real_b(b_scalar ? b[0] : b[i]), op = + (mul false) or *, where
  // real(q) = scale * float(q - zp) rounded to f32 before the op (never fused).
  void (*real_binary)(bool mul, const void* a, const void* b, bool b_scalar, bool u8, int64_t n,
                      const QParams& qa, const QParams& qb, float* y);
  // Sum of n i8 or u8 codes (exact).
  int64_t (*sum_codes)(const void* q, bool u8, int64_t n);
  // Depthwise taps, two per i32 element (low int16 half: one tap, high half: the next), as
  // vpmaddwd multiplies them: acc[i] = float(sum over p < pairs of lo(rows[p][i]) * lo(w[p]) +
  // hi(rows[p][i]) * hi(w[p])), summed exactly in i32, for i < n rounded up to 16: rows must be
  // readable and acc writable that far. Callers keep |sum| < 2^24, so the float is exact.
  void (*dw_row)(const int32_t* const* rows, const int32_t* w, int pairs, int64_t n, float* acc);
  // dst[f] = the int16 pair (v[f], v[f + offset]) as one i32 (low half v[f]), for f < n: the
  // rows of dw_row.
  void (*pair_up)(const int16_t* v, int64_t offset, int64_t n, int32_t* dst);
  // y[i] = clamp(nearbyint(float(int32(acc[i]) + bias) * mult) + out.zero_point, out.lo, out.hi):
  // the reference Requantizer without a real-domain activation. acc holds exact integers.
  void (*requant_row)(const float* acc, int64_t n, int32_t bias, float mult, const QOut& out,
                      void* y);
};

// The best table for this CPU (detected once), unless a test overrides it.
const Table& ActiveTable();
// Every table this binary has that the CPU runs, best first (tests compare them all).
int AvailableTables(const Table** out, int capacity);
// Tests: makes ActiveTable() return `table` (nullptr: back to detection).
void OverrideTableForTest(const Table* table);

const Table& PortableTable();
const Table& Avx2Table();    // x86-64 builds only
const Table& Avx512Table();  // x86-64 builds only

}  // namespace mota::exec::int8_ew
