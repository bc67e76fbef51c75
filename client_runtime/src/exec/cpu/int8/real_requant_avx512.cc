// real_requant_impl.h compiled for AVX-512 (16 f32 lanes per zmm).
#include <immintrin.h>

#include <cstdint>

namespace mota::exec::int8::rr_avx512 {
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
// a < b ? a : b and a > b ? a : b per lane (vminps / vmaxps return b when either is NaN, as
// these expressions do; GCC emits a compare and a blend for the generic form).
inline VF Min(VF a, VF b) { return (VF)_mm512_min_ps((__m512)a, (__m512)b); }
inline VF Max(VF a, VF b) { return (VF)_mm512_max_ps((__m512)a, (__m512)b); }
// True when every lane of the comparison result m is set.
inline bool AllLanes(VI m) { return _mm512_movepi32_mask((__m512i)m) == 0xFFFF; }
// kL i8 or u8 codes at p as i32 (vpmovsxbd / vpmovzxbd: GCC scalarizes the generic conversion).
inline VI WidenCodes(const uint8_t* p, bool u8) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  return (VI)(u8 ? _mm512_cvtepu8_epi32(v) : _mm512_cvtepi8_epi32(v));
}
}  // namespace
}  // namespace mota::exec::int8::rr_avx512

#define MOTA_RR_NS rr_avx512
#include "exec/cpu/int8/real_requant_impl.h"

namespace mota::exec::int8 {
MOTA_RR_DEFINE_ISA(Avx512RealRequant, "avx512")
}  // namespace mota::exec::int8
