// The int8 GEMM core behind mota's prepared QLinearConv (group 1) and QLinearMatMul (constant B)
// kernels (exec/cpu/kernels.h, seam 3). See README.md for the layouts and the arithmetic.
//
// One tile computes int32 dot products of kMr "broadcast" rows (s8, packed once: conv weights,
// or QLinearMatMul's A packed per run) with up to kNrMax "vector" columns (u8: the conv input
// packed per run, or QLinearMatMul's constant B packed once). The reduction runs over `taps`
// sub-problems of k4 groups of 4 (the depth of AVX512-VNNI's vpdpbusd): the conv kernel reads
// every tap of a kxk window at an offset of one packed input, with no im2col.
//
// The per-ISA functions are exposed so that tests can check every variant the CPU has.
#pragma once

#include <cstdint>

#include "exec/reference/quant_util.h"

namespace mota::exec::int8 {

inline constexpr int kMr = 8;      // rows of one packed s8 panel
inline constexpr int kNrMax = 48;  // columns of one tile (3 vectors of 16 int32)

// Packed operands of one tile.
//  p: the u8 operand at the tile's first column; group g of tap t starts at
//     p + tap_offsets[t] + g * p_stride and holds 4 bytes (4 k) per column, columns contiguous.
//     Reads may reach round_up(cols, 16) columns: the caller keeps that memory allocated.
//  q: one s8 panel, [taps][k4][kMr][4], rows past the valid ones zero or ignored.
struct TileArgs {
  const uint8_t* p = nullptr;
  int64_t p_stride = 0;
  const int64_t* tap_offsets = nullptr;
  int64_t taps = 1;
  int64_t k4 = 0;
  const int8_t* q = nullptr;
  // Optional fused output stage (out != nullptr): instead of acc, the tile writes
  // out[r * ldo + j] = the RowRequant result with add = row_add[r], mult = row_mult[r] and no
  // column terms, in registers (saves the accumulator round trip on short reductions).
  uint8_t* out = nullptr;
  int64_t ldo = 0;
  const int32_t* row_add = nullptr;
  const float* row_mult = nullptr;
  int32_t zp = 0, lo = -128, hi = 127;
};

// acc[r * kNrMax + j] = sum over taps, groups and i < 4 of q[r, k] * p[k, j], for r < rows
// (<= kMr) and j < cols (<= kNrMax). int32 wraps (the callers bound K so that results fit).
using TileFn = void (*)(const TileArgs& args, int rows, int cols, int32_t* acc);

// out[j] = clamp(round_half_even(float(acc[j] + add + col_add[j]) * m_j) + zp, lo, hi) for
// j < n, with m_j = col_mult[j] when col_mult is set, else mult; col_add may be null. The low
// byte of the result is stored (i8 and u8 outputs alike: lo / hi keep it in the dtype's range).
// The same f32 arithmetic as Requantizer::Apply (exec/reference/quant_util.h), so results match
// the reference bit for bit.
struct RowRequant {
  int32_t add = 0;
  const int32_t* col_add = nullptr;
  float mult = 1.0f;
  const float* col_mult = nullptr;
  int32_t zp = 0, lo = -128, hi = 127;
};
using RequantRowFn = void (*)(const RowRequant& r, const int32_t* acc, int64_t n, uint8_t* out);

struct Isa {
  const char* name;
  TileFn tile;
  RequantRowFn requant;
};

const Isa& PortableIsa();
#if defined(__x86_64__)
const Isa& Avx512VnniIsa();  // call only when GetCpuFeatures().avx512 && .avx512_vnni
#endif
// The best ISA this CPU runs (MOTA_CPU_DISABLE applies).
const Isa& BestIsa();

// Output stage shared by the conv and matmul kernels: the true accumulator of output (row, col)
// is acc + row_add[row] + col_add[col] (either may be null); it is requantized with multiplier
// mult[row] (mult_per_col false) or mult[col], and `requant` gives y's zero point, range and the
// fused activation. Activations other than Relu / Clip run in the real domain exactly as the
// reference does, with in_scale[row or col] (x_scale * w_scale).
struct Epilogue {
  const int32_t* row_add = nullptr;
  const int32_t* col_add = nullptr;
  const float* mult = nullptr;
  const float* in_scale = nullptr;
  bool per_col = false;
  Requantizer requant;
  // real_requant.h's PrepareDivision for `requant` (PrepareEpilogue): rows then skip most
  // divisions.
  float inv_y_scale = 0.0f;
  float near = -1.0f;
};

// Sets e.inv_y_scale and e.near from e.requant (call once after setting it).
void PrepareEpilogue(Epilogue& e);

// Writes n outputs of row `row`, columns [col, col + n), read from acc (that row's tile
// accumulators at column col), to out.
void FinishRow(const Isa& isa, const Epilogue& e, const int32_t* acc, int64_t row, int64_t col,
               int64_t n, uint8_t* out);

// Byte-interleaves 4 rows of n bytes into out[4 * j + i] = src[i][j] ^ flip.
void Interleave4(const uint8_t* const src[4], int64_t n, uint8_t flip, uint8_t* out);

}  // namespace mota::exec::int8
