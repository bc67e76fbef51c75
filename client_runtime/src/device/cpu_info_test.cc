#include "device/cpu_info.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace mota::device {
namespace {

namespace fs = std::filesystem;
using Names = std::vector<std::string>;

TEST(X86Features, every_bit_maps_to_its_name_when_the_os_saves_the_registers) {
  X86Cpuid r;
  r.leaf1_ecx = (1u << 19) | (1u << 20) | (1u << 12) | (1u << 28) | (1u << 29);
  r.leaf7_ebx = (1u << 5) | (1u << 16) | (1u << 17) | (1u << 30) | (1u << 31);
  r.leaf7_ecx = (1u << 1) | (1u << 11);
  r.leaf7_1_eax = 1u << 4;
  r.xcr0 = 0xe7;
  EXPECT_EQ(X86FeatureNames(r),
            (Names{"avx", "avx2", "avx512_vbmi", "avx512_vnni", "avx512bw", "avx512dq", "avx512f",
                   "avx512vl", "avx_vnni", "f16c", "fma", "sse4_1", "sse4_2"}));
  r.xcr0 = 0x7;  // the OS saves YMM but not ZMM: AVX-512 is unusable
  EXPECT_EQ(X86FeatureNames(r),
            (Names{"avx", "avx2", "avx_vnni", "f16c", "fma", "sse4_1", "sse4_2"}));
  r.xcr0 = 0x3;  // no YMM state either: only the SSE features remain
  EXPECT_EQ(X86FeatureNames(r), (Names{"sse4_1", "sse4_2"}));
}

TEST(ArmFeatures, hwcap_bits_map_to_names) {
  // A Cortex-X3 class core without SVE exposed (Snapdragon 8 Gen 2).
  const uint64_t hwcap = (1u << 1) | (1u << 10) | (1u << 20);
  const uint64_t hwcap2 = (1u << 13) | (1u << 14);
  EXPECT_EQ(Arm64FeatureNames(hwcap, hwcap2), (Names{"bf16", "dotprod", "fp16", "i8mm", "neon"}));
  EXPECT_EQ(Arm64FeatureNames(hwcap | (1u << 22), 1u << 1),
            (Names{"dotprod", "fp16", "neon", "sve", "sve2"}));
  EXPECT_EQ(Arm64FeatureNames(1u << 1, 0), (Names{"neon"}));  // Cortex-A53: ARMv8.0
  EXPECT_EQ(Armv7FeatureNames(1u << 12), (Names{"neon"}));
  EXPECT_TRUE(Armv7FeatureNames(0).empty());
}

TEST(CpuList, parses_sysfs_ranges_and_rejects_garbage) {
  EXPECT_EQ(ParseCpuList("0-3,6,8-9"), (std::vector<int>{0, 1, 2, 3, 6, 8, 9}));
  EXPECT_EQ(ParseCpuList("0"), (std::vector<int>{0}));
  EXPECT_TRUE(ParseCpuList("").empty());
  EXPECT_TRUE(ParseCpuList("3-1").empty());
  EXPECT_TRUE(ParseCpuList("0-x").empty());
  EXPECT_TRUE(ParseCpuList("0-99999999").empty());
}

TEST(Clusters, group_by_frequency_fastest_first_unknown_last) {
  const auto c = GroupClusters({1800000, 1800000, 2400000, 2400000, 0, 3000000});
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(c[0].cpus, (std::vector<int>{5}));
  EXPECT_EQ(c[0].max_freq_khz, 3000000);
  EXPECT_EQ(c[1].cpus, (std::vector<int>{2, 3}));
  EXPECT_EQ(c[2].cpus, (std::vector<int>{0, 1}));
  EXPECT_EQ(c[3].cpus, (std::vector<int>{4}));
  EXPECT_EQ(c[3].max_freq_khz, 0);
}

// A fake /sys in a per-test folder (ctest runs tests in parallel processes).
class FakeSysfs : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    root_ = fs::temp_directory_path() /
            ("mota_sysfs_" + std::string(info->name()) + "_" + std::to_string(getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "devices/system/cpu");
  }
  void TearDown() override { fs::remove_all(root_); }
  void Write(const std::string& rel, const std::string& text) {
    fs::create_directories((root_ / rel).parent_path());
    std::ofstream(root_ / rel) << text;
  }
  void Freq(int cpu, int64_t khz) {
    Write("devices/system/cpu/cpu" + std::to_string(cpu) + "/cpufreq/cpuinfo_max_freq",
          std::to_string(khz) + "\n");
  }
  fs::path root_;
};

TEST_F(FakeSysfs, big_little_phone_gives_three_clusters) {
  Write("devices/system/cpu/present", "0-7\n");
  for (int c = 0; c < 3; ++c) Freq(c, 2016000);
  for (int c = 3; c < 7; ++c) Freq(c, 2803200);
  Freq(7, 3360000);
  const device_profile::Cpu cpu = DetectCpu(root_.string());
  EXPECT_EQ(cpu.cores, 8);
  ASSERT_EQ(cpu.clusters.size(), 3u);
  EXPECT_EQ(cpu.clusters[0].cpus, (std::vector<int>{7}));
  EXPECT_EQ(cpu.clusters[0].max_freq_khz, 3360000);
  EXPECT_EQ(cpu.clusters[1].cpus, (std::vector<int>{3, 4, 5, 6}));
  EXPECT_EQ(cpu.clusters[2].cpus, (std::vector<int>{0, 1, 2}));
}

TEST_F(FakeSysfs, offline_core_without_cpufreq_is_an_unknown_cluster) {
  Write("devices/system/cpu/present", "0-3\n");
  for (int c = 0; c < 3; ++c) Freq(c, 1800000);
  const device_profile::Cpu cpu = DetectCpu(root_.string());
  EXPECT_EQ(cpu.cores, 4);
  ASSERT_EQ(cpu.clusters.size(), 2u);
  EXPECT_EQ(cpu.clusters[1].cpus, (std::vector<int>{3}));
  EXPECT_EQ(cpu.clusters[1].max_freq_khz, 0);
}

TEST_F(FakeSysfs, no_cpufreq_falls_back_to_one_cluster_of_sysconf_cores) {
  fs::remove_all(root_ / "devices");
  const device_profile::Cpu cpu = DetectCpu(root_.string());
  EXPECT_EQ(cpu.cores, sysconf(_SC_NPROCESSORS_CONF));
  ASSERT_EQ(cpu.clusters.size(), 1u);
  EXPECT_EQ(cpu.clusters[0].max_freq_khz, 0);
  EXPECT_EQ(static_cast<int64_t>(cpu.clusters[0].cpus.size()), cpu.cores);
}

TEST_F(FakeSysfs, gaps_in_cpu_numbers_leave_clusters_unknown) {
  Write("devices/system/cpu/present", "0-3,6\n");
  const device_profile::Cpu cpu = DetectCpu(root_.string());
  EXPECT_EQ(cpu.cores, 5);
  EXPECT_TRUE(cpu.clusters.empty());
}

}  // namespace
}  // namespace mota::device
