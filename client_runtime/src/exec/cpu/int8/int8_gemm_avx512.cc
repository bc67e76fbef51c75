// AVX512-VNNI tile: columns in the 16 int32 lanes of a vector (so an NCHW output row is stored
// contiguously), rows broadcast one 4-byte group at a time; vpdpbusd multiplies u8 columns by s8
// rows and adds each lane's 4 products into its int32 accumulator (no saturation).
#include <immintrin.h>

#include <array>
#include <cstring>

#include "exec/cpu/int8/int8_gemm.h"

namespace mota::exec::int8 {
namespace {

// |round(v)| < 2^30 keeps the conversion in range; the clamp to [lo, hi] then agrees with the
// reference's saturation for any larger value.
constexpr float kBig = 1073741824.0f;

// q = clamp(round_half_even(float(v) * mult) + zp, lo, hi), as Requantizer::Apply computes it.
inline __m512i Requant16(__m512i v, __m512 mult, __m512i zp, __m512i lo, __m512i hi) {
  __m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(v), mult);
  f = _mm512_min_ps(_mm512_max_ps(f, _mm512_set1_ps(-kBig)), _mm512_set1_ps(kBig));
  const __m512i q = _mm512_cvt_roundps_epi32(f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  return _mm512_min_epi32(_mm512_max_epi32(_mm512_add_epi32(q, zp), lo), hi);
}

inline __mmask16 Mask(int64_t n) {
  return n >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << n) - 1);
}

template <int MR, int NV>
void StoreFused(const TileArgs& a, int cols, const __m512i (&c)[MR][NV]) {
  const __m512i zp = _mm512_set1_epi32(a.zp);
  const __m512i lo = _mm512_set1_epi32(a.lo);
  const __m512i hi = _mm512_set1_epi32(a.hi);
  for (int r = 0; r < MR; ++r) {
    const __m512i add = _mm512_set1_epi32(a.row_add[r]);
    const __m512 mult = _mm512_set1_ps(a.row_mult[r]);
    for (int v = 0; v < NV; ++v) {
      const __m512i q = Requant16(_mm512_add_epi32(c[r][v], add), mult, zp, lo, hi);
      _mm_mask_storeu_epi8(a.out + r * a.ldo + v * 16, Mask(cols - v * 16),
                           _mm512_cvtepi32_epi8(q));
    }
  }
}

template <int MR, int NV>
void TileVnniFixed(const TileArgs& a, int cols, int32_t* acc) {
  __m512i c[MR][NV];
  for (int r = 0; r < MR; ++r) {
    for (int v = 0; v < NV; ++v) c[r][v] = _mm512_setzero_si512();
  }
  const int8_t* q = a.q;
  for (int64_t t = 0; t < a.taps; ++t) {
    const uint8_t* p = a.p + a.tap_offsets[t];
    for (int64_t g = 0; g < a.k4; ++g, p += a.p_stride, q += kMr * 4) {
      __m512i x[NV];
      for (int v = 0; v < NV; ++v) x[v] = _mm512_loadu_si512(p + v * 64);
      for (int r = 0; r < MR; ++r) {
        int32_t w4;
        std::memcpy(&w4, q + r * 4, 4);
        const __m512i w = _mm512_set1_epi32(w4);
        for (int v = 0; v < NV; ++v) c[r][v] = _mm512_dpbusd_epi32(c[r][v], x[v], w);
      }
    }
  }
  if (a.out != nullptr) {
    StoreFused<MR, NV>(a, cols, c);
    return;
  }
  for (int r = 0; r < MR; ++r) {
    for (int v = 0; v < NV; ++v) _mm512_storeu_si512(acc + r * kNrMax + v * 16, c[r][v]);
  }
}

using FixedFn = void (*)(const TileArgs&, int, int32_t*);

template <int MR>
constexpr std::array<FixedFn, 3> RowFns() {
  return {TileVnniFixed<MR, 1>, TileVnniFixed<MR, 2>, TileVnniFixed<MR, 3>};
}

// [rows - 1][vectors - 1]; the extra rows / columns a tile computes are never read back.
constexpr std::array<std::array<FixedFn, 3>, kMr> kTiles = {RowFns<1>(), RowFns<2>(), RowFns<3>(),
                                                            RowFns<4>(), RowFns<5>(), RowFns<6>(),
                                                            RowFns<7>(), RowFns<8>()};

void TileVnni(const TileArgs& a, int rows, int cols, int32_t* acc) {
  kTiles[rows - 1][(cols + 15) / 16 - 1](a, cols, acc);
}

void RequantRowAvx512(const RowRequant& r, const int32_t* acc, int64_t n, uint8_t* out) {
  const __m512i add = _mm512_set1_epi32(r.add);
  const __m512 mult = _mm512_set1_ps(r.mult);
  const __m512i zp = _mm512_set1_epi32(r.zp);
  const __m512i lo = _mm512_set1_epi32(r.lo);
  const __m512i hi = _mm512_set1_epi32(r.hi);
  for (int64_t j = 0; j < n; j += 16) {
    const __mmask16 m = Mask(n - j);
    __m512i v = _mm512_add_epi32(_mm512_maskz_loadu_epi32(m, acc + j), add);
    if (r.col_add != nullptr) v = _mm512_add_epi32(v, _mm512_maskz_loadu_epi32(m, r.col_add + j));
    const __m512 s = r.col_mult != nullptr ? _mm512_maskz_loadu_ps(m, r.col_mult + j) : mult;
    _mm_mask_storeu_epi8(out + j, m, _mm512_cvtepi32_epi8(Requant16(v, s, zp, lo, hi)));
  }
}

}  // namespace

const Isa& Avx512VnniIsa() {
  static const Isa isa{"avx512_vnni", TileVnni, RequantRowAvx512};
  return isa;
}

}  // namespace mota::exec::int8
