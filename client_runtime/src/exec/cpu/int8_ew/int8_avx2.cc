// int8_impl.h compiled for AVX2 + FMA (8 f32 lanes per ymm).
#include <immintrin.h>

#include <cstdint>

namespace mota::exec::int8_ew::avx2 {
namespace {
constexpr int kL = 8;
typedef float VF __attribute__((vector_size(32)));
typedef int32_t VI __attribute__((vector_size(32)));
inline VF Round(VF v) {
  return (VF)_mm256_round_ps((__m256)v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
inline VF NoFuse(VF v) {
  __asm__("" : "+x"(v));
  return v;
}
// a < b ? a : b and a > b ? a : b per lane (vminps / vmaxps; GCC emits a compare and a blend for
// the generic form).
inline VF Min(VF a, VF b) { return (VF)_mm256_min_ps((__m256)a, (__m256)b); }
inline VF Max(VF a, VF b) { return (VF)_mm256_max_ps((__m256)a, (__m256)b); }
// kL i8 or u8 codes at p as i32 (vpmovsxbd / vpmovzxbd: GCC scalarizes the generic conversion).
inline VI WidenCodes(const void* p, bool u8) {
  const __m128i v = _mm_loadl_epi64(static_cast<const __m128i*>(p));
  return (VI)(u8 ? _mm256_cvtepu8_epi32(v) : _mm256_cvtepi8_epi32(v));
}
// vpmaddwd: the two int16 halves of each i32 lane multiplied and summed.
inline VI MaddPairs(VI x, VI w) { return (VI)_mm256_madd_epi16((__m256i)x, (__m256i)w); }
// The int16 pairs (lo[i], hi[i]) as i32 lanes: zero-extended lo, hi shifted up.
inline VI PairUp(const int16_t* lo, const int16_t* hi) {
  const __m256i l = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(lo)));
  const __m256i h = _mm256_cvtepi16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(hi)));
  return (VI)_mm256_or_si256(l, _mm256_slli_epi32(h, 16));
}
int64_t SumBytes(const uint8_t* p, int64_t n, uint8_t flip) {
  const __m256i f = _mm256_set1_epi8(static_cast<char>(flip));
  const __m256i zero = _mm256_setzero_si256();
  __m256i acc = zero;  // 4 u64 sums of absolute differences from 0
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i));
    acc = _mm256_add_epi64(acc, _mm256_sad_epu8(_mm256_xor_si256(v, f), zero));
  }
  int64_t s = _mm256_extract_epi64(acc, 0) + _mm256_extract_epi64(acc, 1) +
              _mm256_extract_epi64(acc, 2) + _mm256_extract_epi64(acc, 3);
  for (; i < n; ++i) s += p[i] ^ flip;
  return s;
}
}  // namespace
}  // namespace mota::exec::int8_ew::avx2

#define MOTA_I8_NS avx2
#include "exec/cpu/int8_ew/int8_impl.h"

namespace mota::exec::int8_ew {
MOTA_I8_DEFINE_TABLE(Avx2Table, "avx2")
}  // namespace mota::exec::int8_ew
