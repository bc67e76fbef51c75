// The portable byte table lookup and the variant selection (int8_lut.h).
#include "exec/cpu/int8_ew/int8_lut.h"

#include "exec/cpu/cpu_features.h"

namespace mota::exec::int8_ew {

void LutPortable(const uint8_t* table, const uint8_t* src, int64_t n, uint8_t* dst) {
  for (int64_t i = 0; i < n; ++i) dst[i] = table[src[i]];
}

#if defined(__x86_64__)
bool LutVbmiSupported() {
  // GCC / Clang builtin: cpuid with the OS's AVX-512 state check.
  return GetCpuFeatures().avx512 && __builtin_cpu_supports("avx512vbmi");
}
#endif

LutFn BestLut() {
#if defined(__x86_64__)
  if (LutVbmiSupported()) return LutVbmi;
#endif
  return LutPortable;
}

}  // namespace mota::exec::int8_ew
