#include "exec/cpu/cpu_features.h"

#include <cstdlib>
#include <cstring>
#include <thread>

#if defined(__x86_64__)
#include <cpuid.h>
#elif defined(__aarch64__) && defined(__linux__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

namespace mota::exec {
namespace {

bool Disabled(const char* feature) {
  const char* env = std::getenv("MOTA_CPU_DISABLE");
  if (env == nullptr) return false;
  const size_t n = std::strlen(feature);
  for (const char* p = env; (p = std::strstr(p, feature)) != nullptr; p += n) {
    const bool starts = p == env || p[-1] == ',';
    const bool ends = p[n] == '\0' || p[n] == ',';
    if (starts && ends) return true;
  }
  return false;
}

#if defined(__x86_64__)
uint64_t Xgetbv() {
  uint32_t eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
}

void DetectX86(CpuFeatures& f) {
  f.x86_64 = true;
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return;
  const bool osxsave = c & (1u << 27);
  const bool fma = c & (1u << 12);
  const bool f16c = c & (1u << 29);
  const uint64_t xcr0 = osxsave ? Xgetbv() : 0;
  const bool ymm = (xcr0 & 0x6) == 0x6;
  const bool zmm = (xcr0 & 0xe6) == 0xe6;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return;
  f.avx2 = ymm && fma && f16c && (b & (1u << 5));
  f.avx512 = zmm && (b & (1u << 16)) && (b & (1u << 17)) && (b & (1u << 30)) && (b & (1u << 31));
  f.avx512_vnni = f.avx512 && (c & (1u << 11));
  if (__get_cpuid_count(7, 1, &a, &b, &c, &d)) f.avx_vnni = f.avx2 && (a & (1u << 4));
}
#endif

CpuFeatures Detect() {
  CpuFeatures f;
#if defined(__x86_64__)
  DetectX86(f);
#elif defined(__aarch64__)
  f.arm64 = true;
#if defined(__linux__) && defined(HWCAP_ASIMDDP)
  f.neon_dotprod = getauxval(AT_HWCAP) & HWCAP_ASIMDDP;
#endif
#endif
  f.logical_cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (Disabled("avx512")) f.avx512 = f.avx512_vnni = false;
  if (Disabled("avx2")) f.avx2 = f.avx512 = f.avx512_vnni = f.avx_vnni = false;
  if (Disabled("vnni")) f.avx512_vnni = f.avx_vnni = false;
  if (Disabled("dotprod")) f.neon_dotprod = false;
  return f;
}

}  // namespace

std::string CpuFeatures::ToString() const {
  std::string s = x86_64 ? "x86_64" : (arm64 ? "arm64" : "unknown-arch");
  if (avx2) s += " avx2";
  if (avx512) s += " avx512";
  if (avx512_vnni) s += " avx512_vnni";
  if (avx_vnni) s += " avx_vnni";
  if (neon_dotprod) s += " dotprod";
  return s + ", " + std::to_string(logical_cores) + " cores";
}

const CpuFeatures& GetCpuFeatures() {
  static const CpuFeatures features = Detect();
  return features;
}

}  // namespace mota::exec
