#include "exec/vulkan/vk_half.h"

#include "base/dtype.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define MOTA_VK_F16C 1
#endif

namespace mota::exec::vk {
namespace {

#if MOTA_VK_F16C
bool HasF16c() {
  static const bool has = __builtin_cpu_supports("f16c") && __builtin_cpu_supports("avx");
  return has;
}

// Eight at a time; the tail through the portable conversion.
__attribute__((target("avx,f16c"))) size_t FloatsToHalvesF16c(const float* in, uint16_t* out,
                                                              size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), h);
  }
  return i;
}

__attribute__((target("avx,f16c"))) size_t HalvesToFloatsF16c(const uint16_t* in, float* out,
                                                              size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i));
    _mm256_storeu_ps(out + i, _mm256_cvtph_ps(h));
  }
  return i;
}
#endif

}  // namespace

void FloatsToHalves(const float* in, uint16_t* out, size_t n) {
  size_t i = 0;
#if MOTA_VK_F16C
  if (HasF16c()) i = FloatsToHalvesF16c(in, out, n);
#endif
  for (; i < n; ++i) out[i] = FloatToHalf(in[i]);
}

void HalvesToFloats(const uint16_t* in, float* out, size_t n) {
  size_t i = 0;
#if MOTA_VK_F16C
  if (HasF16c()) i = HalvesToFloatsF16c(in, out, n);
#endif
  for (; i < n; ++i) out[i] = HalfToFloat(in[i]);
}

}  // namespace mota::exec::vk
