// AVX-512 VBMI byte table lookup (int8_lut.h). This file gets the AVX-512 F/BW/DQ/VL flags; the
// function adds VBMI through a target attribute, and callers check LutVbmiSupported() first.
#include <immintrin.h>

#include "exec/cpu/int8_ew/int8_lut.h"

namespace mota::exec::int8_ew {

namespace {

// vpermi2b reads bits 0..6 of each index: entries 0..127 come from (t0, t1), 128..255 from
// (t2, t3); bit 7 picks between them.
__attribute__((target("avx512vbmi"))) inline __m512i Lookup(__m512i idx, __m512i t0, __m512i t1,
                                                            __m512i t2, __m512i t3) {
  const __m512i lo = _mm512_permutex2var_epi8(t0, idx, t1);
  const __m512i hi = _mm512_permutex2var_epi8(t2, idx, t3);
  return _mm512_mask_blend_epi8(_mm512_movepi8_mask(idx), lo, hi);
}

}  // namespace

__attribute__((target("avx512vbmi"))) void LutVbmi(const uint8_t* table, const uint8_t* src,
                                                   int64_t n, uint8_t* dst) {
  const __m512i t0 = _mm512_loadu_si512(table), t1 = _mm512_loadu_si512(table + 64);
  const __m512i t2 = _mm512_loadu_si512(table + 128), t3 = _mm512_loadu_si512(table + 192);
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    _mm512_storeu_si512(dst + i, Lookup(_mm512_loadu_si512(src + i), t0, t1, t2, t3));
  }
  if (i < n) {
    const __mmask64 k = ~0ull >> (64 - (n - i));
    _mm512_mask_storeu_epi8(dst + i, k,
                            Lookup(_mm512_maskz_loadu_epi8(k, src + i), t0, t1, t2, t3));
  }
}

}  // namespace mota::exec::int8_ew
