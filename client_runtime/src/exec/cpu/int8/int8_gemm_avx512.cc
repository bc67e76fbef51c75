// AVX512-VNNI tile: columns in the 16 int32 lanes of a vector (so an NCHW output row is stored
// contiguously), rows broadcast one 4-byte group at a time; vpdpbusd multiplies u8 columns by s8
// rows and adds each lane's 4 products into its int32 accumulator (no saturation).
#include <immintrin.h>

#include <array>
#include <cstring>

#include "exec/cpu/int8/int8_gemm.h"

namespace mota::exec::int8 {
namespace {

template <int MR, int NV>
void TileVnniFixed(const TileArgs& a, int32_t* acc) {
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
  for (int r = 0; r < MR; ++r) {
    for (int v = 0; v < NV; ++v) _mm512_storeu_si512(acc + r * kNrMax + v * 16, c[r][v]);
  }
}

using FixedFn = void (*)(const TileArgs&, int32_t*);

template <int MR>
constexpr std::array<FixedFn, 3> RowFns() {
  return {TileVnniFixed<MR, 1>, TileVnniFixed<MR, 2>, TileVnniFixed<MR, 3>};
}

// [rows - 1][vectors - 1]; the extra rows / columns a tile computes are never read back.
constexpr std::array<std::array<FixedFn, 3>, kMr> kTiles = {RowFns<1>(), RowFns<2>(), RowFns<3>(),
                                                            RowFns<4>(), RowFns<5>(), RowFns<6>(),
                                                            RowFns<7>(), RowFns<8>()};

void TileVnni(const TileArgs& a, int rows, int cols, int32_t* acc) {
  kTiles[rows - 1][(cols + 15) / 16 - 1](a, acc);
}

void RequantRowAvx512(const RowRequant& r, const int32_t* acc, int64_t n, uint8_t* out) {
  const __m512i add = _mm512_set1_epi32(r.add);
  const __m512 mult = _mm512_set1_ps(r.mult);
  // |round(v)| < 2^30 keeps the conversion in range; the clamp to [lo, hi] then agrees with the
  // reference's saturation for any larger value.
  const __m512 big = _mm512_set1_ps(1073741824.0f);
  const __m512 neg_big = _mm512_set1_ps(-1073741824.0f);
  const __m512i zp = _mm512_set1_epi32(r.zp);
  const __m512i lo = _mm512_set1_epi32(r.lo);
  const __m512i hi = _mm512_set1_epi32(r.hi);
  for (int64_t j = 0; j < n; j += 16) {
    const __mmask16 m = n - j >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << (n - j)) - 1);
    __m512i v = _mm512_add_epi32(_mm512_maskz_loadu_epi32(m, acc + j), add);
    if (r.col_add != nullptr) v = _mm512_add_epi32(v, _mm512_maskz_loadu_epi32(m, r.col_add + j));
    const __m512 s = r.col_mult != nullptr ? _mm512_maskz_loadu_ps(m, r.col_mult + j) : mult;
    __m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(v), s);
    f = _mm512_min_ps(_mm512_max_ps(f, neg_big), big);
    __m512i q = _mm512_cvt_roundps_epi32(f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    q = _mm512_min_epi32(_mm512_max_epi32(_mm512_add_epi32(q, zp), lo), hi);
    _mm_mask_storeu_epi8(out + j, m, _mm512_cvtepi32_epi8(q));
  }
}

}  // namespace

const Isa& Avx512VnniIsa() {
  static const Isa isa{"avx512_vnni", TileVnni, RequantRowAvx512};
  return isa;
}

}  // namespace mota::exec::int8
