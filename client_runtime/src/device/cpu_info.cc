#include "device/cpu_info.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#if defined(__linux__) && (defined(__aarch64__) || defined(__arm__))
#include <sys/auxv.h>
#endif

namespace mota::device {
namespace {

bool Bit(uint64_t word, int bit) { return (word >> bit) & 1; }

// The first line of a small sysfs file; "" when it cannot be read.
std::string ReadLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

#if defined(__x86_64__) || defined(__i386__)
X86Cpuid ReadCpuid() {
  X86Cpuid r;
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return r;
  r.leaf1_ecx = c;
  if (Bit(c, 27)) {  // OSXSAVE: xgetbv is allowed
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    r.xcr0 = (static_cast<uint64_t>(hi) << 32) | lo;
  }
  if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
    r.leaf7_ebx = b;
    r.leaf7_ecx = c;
    if (a >= 1 && __get_cpuid_count(7, 1, &a, &b, &c, &d)) r.leaf7_1_eax = a;
  }
  return r;
}
#endif

std::string Arch() {
#if defined(__aarch64__)
  return "arm64";
#elif defined(__arm__)
  return "armv7";
#elif defined(__x86_64__)
  return "x86_64";
#elif defined(__i386__)
  return "x86";
#else
  return "";
#endif
}

std::vector<std::string> DetectFeatures() {
#if defined(__x86_64__) || defined(__i386__)
  return X86FeatureNames(ReadCpuid());
#elif defined(__aarch64__) && defined(__linux__)
  return Arm64FeatureNames(getauxval(AT_HWCAP), getauxval(AT_HWCAP2));
#elif defined(__arm__) && defined(__linux__)
  return Armv7FeatureNames(getauxval(AT_HWCAP));
#else
  return {};
#endif
}

}  // namespace

std::vector<std::string> X86FeatureNames(const X86Cpuid& r) {
  const bool ymm = (r.xcr0 & 0x6) == 0x6;    // SSE + AVX state
  const bool zmm = (r.xcr0 & 0xe6) == 0xe6;  // + opmask, ZMM_Hi256, Hi16_ZMM
  const bool avx512f = zmm && Bit(r.leaf7_ebx, 16);
  std::vector<std::string> out;
  auto add = [&out](bool has, const char* name) {
    if (has) out.push_back(name);
  };
  add(ymm && Bit(r.leaf1_ecx, 28), "avx");
  add(ymm && Bit(r.leaf7_ebx, 5), "avx2");
  add(avx512f && Bit(r.leaf7_ecx, 1), "avx512_vbmi");
  add(avx512f && Bit(r.leaf7_ecx, 11), "avx512_vnni");
  add(avx512f && Bit(r.leaf7_ebx, 30), "avx512bw");
  add(avx512f && Bit(r.leaf7_ebx, 17), "avx512dq");
  add(avx512f, "avx512f");
  add(avx512f && Bit(r.leaf7_ebx, 31), "avx512vl");
  add(ymm && Bit(r.leaf7_1_eax, 4), "avx_vnni");
  add(ymm && Bit(r.leaf1_ecx, 29), "f16c");
  add(ymm && Bit(r.leaf1_ecx, 12), "fma");
  add(Bit(r.leaf1_ecx, 19), "sse4_1");
  add(Bit(r.leaf1_ecx, 20), "sse4_2");
  return out;  // already in sorted order
}

std::vector<std::string> Arm64FeatureNames(uint64_t hwcap, uint64_t hwcap2) {
  // Linux arch/arm64/include/uapi/asm/hwcap.h bit numbers (stable ABI).
  std::vector<std::string> out;
  if (Bit(hwcap2, 14)) out.push_back("bf16");    // HWCAP2_BF16
  if (Bit(hwcap, 20)) out.push_back("dotprod");  // HWCAP_ASIMDDP
  if (Bit(hwcap, 10)) out.push_back("fp16");     // HWCAP_ASIMDHP
  if (Bit(hwcap2, 13)) out.push_back("i8mm");    // HWCAP2_I8MM
  if (Bit(hwcap, 1)) out.push_back("neon");      // HWCAP_ASIMD
  if (Bit(hwcap, 22)) out.push_back("sve");      // HWCAP_SVE
  if (Bit(hwcap2, 1)) out.push_back("sve2");     // HWCAP2_SVE2
  return out;
}

std::vector<std::string> Armv7FeatureNames(uint64_t hwcap) {
  if (Bit(hwcap, 12)) return {"neon"};  // arch/arm HWCAP_NEON
  return {};
}

std::vector<int> ParseCpuList(std::string_view text) {
  std::vector<int> out;
  size_t i = 0;
  auto number = [&](int* v) {
    const size_t start = i;
    int64_t n = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9' && n < 1'000'000) {
      n = n * 10 + (text[i++] - '0');
    }
    *v = static_cast<int>(n);
    return i > start && n < 65536;
  };
  while (i < text.size()) {
    int lo = 0, hi = 0;
    if (!number(&lo)) return {};
    hi = lo;
    if (i < text.size() && text[i] == '-') {
      ++i;
      if (!number(&hi)) return {};
    }
    if (hi < lo) return {};
    for (int c = lo; c <= hi; ++c) out.push_back(c);
    if (i < text.size() && text[i] != ',' && text[i] != '\n') return {};
    ++i;
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<device_profile::CpuCluster> GroupClusters(const std::vector<int64_t>& max_freq_khz) {
  // std::map keeps the frequencies sorted; CPUs are appended in ascending order.
  std::map<int64_t, std::vector<int>, std::greater<int64_t>> by_freq;
  for (size_t cpu = 0; cpu < max_freq_khz.size(); ++cpu) {
    by_freq[std::max<int64_t>(0, max_freq_khz[cpu])].push_back(static_cast<int>(cpu));
  }
  std::vector<device_profile::CpuCluster> out;
  for (auto& [freq, cpus] : by_freq) out.push_back({std::move(cpus), freq});
  return out;
}

device_profile::Cpu DetectCpu(const std::string& sysfs_root) {
  device_profile::Cpu cpu;
  cpu.arch = Arch();
  cpu.features = DetectFeatures();
  const std::string dir = sysfs_root + "/devices/system/cpu/";
  const std::vector<int> present = ParseCpuList(ReadLine(dir + "present"));
  const int64_t conf = sysconf(_SC_NPROCESSORS_CONF);
  cpu.cores = present.empty() ? std::max<int64_t>(1, conf) : static_cast<int64_t>(present.size());
  // Clusters need CPUs numbered 0..cores-1 (device-profile.md); otherwise leave them unknown.
  if (!present.empty() && present.back() + 1 != static_cast<int>(present.size())) return cpu;
  std::vector<int64_t> freq(static_cast<size_t>(cpu.cores), 0);
  for (size_t n = 0; n < freq.size(); ++n) {
    const std::string line =
        ReadLine(dir + "cpu" + std::to_string(n) + "/cpufreq/cpuinfo_max_freq");
    int64_t khz = 0;
    for (char c : line) {
      if (c < '0' || c > '9' || khz > (int64_t{1} << 40) / 10) break;
      khz = khz * 10 + (c - '0');
    }
    freq[n] = khz;
  }
  cpu.clusters = GroupClusters(freq);
  return cpu;
}

}  // namespace mota::device
