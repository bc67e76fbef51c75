// CPU facts of the device profile (device-profile.md `cpu`): arch and ISA features of this
// process, logical CPUs, and clusters grouped by cpufreq's maximum frequency. The pure helpers
// (feature bits -> names, CPU lists, grouping) are exposed for tests on any host.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "manifests/lib/device_profile/device_profile.h"

namespace mota::device {

// The registers cpuid / xgetbv give (x86): leaf 1 ECX, leaf 7 subleaf 0 EBX / ECX, leaf 7
// subleaf 1 EAX, and XCR0 (which register states the OS saves).
struct X86Cpuid {
  uint32_t leaf1_ecx = 0;
  uint32_t leaf7_ebx = 0;
  uint32_t leaf7_ecx = 0;
  uint32_t leaf7_1_eax = 0;
  uint64_t xcr0 = 0;
};

// Feature names (device-profile.md), sorted. AVX-family features count only when XCR0 says the
// OS saves YMM (AVX-512: also ZMM and the mask registers): an unsaved register file is unusable.
std::vector<std::string> X86FeatureNames(const X86Cpuid& regs);
// arm64 Linux AT_HWCAP / AT_HWCAP2 bits -> names, sorted.
std::vector<std::string> Arm64FeatureNames(uint64_t hwcap, uint64_t hwcap2);
// armv7 Linux AT_HWCAP bits -> names.
std::vector<std::string> Armv7FeatureNames(uint64_t hwcap);

// "0-3,6,8-9" (sysfs CPU list) -> {0,1,2,3,6,8,9}; empty on a malformed list.
std::vector<int> ParseCpuList(std::string_view text);

// CPUs grouped by maximum frequency (index = CPU number, 0 = unknown), fastest first, ties by
// first CPU; CPUs of unknown frequency form one cluster with max_freq_khz 0.
std::vector<device_profile::CpuCluster> GroupClusters(const std::vector<int64_t>& max_freq_khz);

// Detects the CPU of this process. `sysfs_root` is "/sys" on a device (tests pass a fake
// tree): cores from devices/system/cpu/present (else sysconf), clusters from
// devices/system/cpu/cpuN/cpufreq/cpuinfo_max_freq (else one cluster of all CPUs with 0).
device_profile::Cpu DetectCpu(const std::string& sysfs_root);

}  // namespace mota::device
