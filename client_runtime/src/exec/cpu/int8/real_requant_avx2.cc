// real_requant_impl.h compiled for AVX2 + FMA (8 f32 lanes per ymm).
#include <immintrin.h>

#include <cstdint>

namespace mota::exec::int8::rr_avx2 {
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
// a < b ? a : b and a > b ? a : b per lane (vminps / vmaxps return b when either is NaN, as
// these expressions do; GCC emits a compare and a blend for the generic form).
inline VF Min(VF a, VF b) { return (VF)_mm256_min_ps((__m256)a, (__m256)b); }
inline VF Max(VF a, VF b) { return (VF)_mm256_max_ps((__m256)a, (__m256)b); }
// True when every lane of the comparison result m is set.
inline bool AllLanes(VI m) { return _mm256_movemask_ps((__m256)m) == 0xFF; }
// kL i8 or u8 codes at p as i32 (vpmovsxbd / vpmovzxbd: GCC scalarizes the generic conversion).
inline VI WidenCodes(const uint8_t* p, bool u8) {
  const __m128i v = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
  return (VI)(u8 ? _mm256_cvtepu8_epi32(v) : _mm256_cvtepi8_epi32(v));
}
}  // namespace
}  // namespace mota::exec::int8::rr_avx2

#define MOTA_RR_NS rr_avx2
#include "exec/cpu/int8/real_requant_impl.h"

namespace mota::exec::int8 {
MOTA_RR_DEFINE_ISA(Avx2RealRequant, "avx2")
}  // namespace mota::exec::int8
