// int8_impl.h compiled for AVX-512 (16 f32 lanes per zmm).
#include <immintrin.h>

#include <cstdint>

namespace mota::exec::int8_ew::avx512 {
namespace {
constexpr int kL = 16;
typedef float VF __attribute__((vector_size(64)));
typedef int32_t VI __attribute__((vector_size(64)));
inline VF Round(VF v) {
  return (VF)_mm512_roundscale_ps((__m512)v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
inline VF NoFuse(VF v) {
  __asm__("" : "+v"(v));
  return v;
}
// a < b ? a : b and a > b ? a : b per lane (vminps / vmaxps; GCC emits a compare and a blend for
// the generic form).
inline VF Min(VF a, VF b) { return (VF)_mm512_min_ps((__m512)a, (__m512)b); }
inline VF Max(VF a, VF b) { return (VF)_mm512_max_ps((__m512)a, (__m512)b); }
// kL i8 or u8 codes at p as i32 (vpmovsxbd / vpmovzxbd: GCC scalarizes the generic conversion).
inline VI WidenCodes(const void* p, bool u8) {
  const __m128i v = _mm_loadu_si128(static_cast<const __m128i*>(p));
  return (VI)(u8 ? _mm512_cvtepu8_epi32(v) : _mm512_cvtepi8_epi32(v));
}
// vpmaddwd: the two int16 halves of each i32 lane multiplied and summed.
inline VI MaddPairs(VI x, VI w) { return (VI)_mm512_madd_epi16((__m512i)x, (__m512i)w); }
// The int16 pairs (lo[i], hi[i]) as i32 lanes: zero-extended lo, hi shifted up.
inline VI PairUp(const int16_t* lo, const int16_t* hi) {
  const __m512i l = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(lo)));
  const __m512i h = _mm512_cvtepi16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(hi)));
  return (VI)_mm512_or_si512(l, _mm512_slli_epi32(h, 16));
}
int64_t SumBytes(const uint8_t* p, int64_t n, uint8_t flip) {
  const __m512i f = _mm512_set1_epi8(static_cast<char>(flip));
  const __m512i zero = _mm512_setzero_si512();
  __m512i acc = zero;  // 8 u64 sums of absolute differences from 0
  int64_t i = 0;
  for (; i + 64 <= n; i += 64)
    acc = _mm512_add_epi64(acc,
                           _mm512_sad_epu8(_mm512_xor_si512(_mm512_loadu_si512(p + i), f), zero));
  if (i < n) {
    const __mmask64 k = (~0ull) >> (64 - (n - i));
    const __m512i v =
        _mm512_maskz_mov_epi8(k, _mm512_xor_si512(_mm512_maskz_loadu_epi8(k, p + i), f));
    acc = _mm512_add_epi64(acc, _mm512_sad_epu8(v, zero));
  }
  return _mm512_reduce_add_epi64(acc);
}
}  // namespace
}  // namespace mota::exec::int8_ew::avx512

#define MOTA_I8_NS avx512
#include "exec/cpu/int8_ew/int8_impl.h"

namespace mota::exec::int8_ew {
MOTA_I8_DEFINE_TABLE(Avx512Table, "avx512")
}  // namespace mota::exec::int8_ew
