#include "manifests/lib/device_profile/device_profile.h"

#include <gtest/gtest.h>

#include "manifests/lib/device_profile/driver_version.h"
#include "manifests/lib/device_profile/facts.h"

namespace mota::device_profile {
namespace {

using Json = nlohmann::json;

DeviceProfile Phone() {
  DeviceProfile p;
  p.name = "test phone";
  p.source = "unit test";
  p.runtime_version = "0.1.0";
  p.cpu = Cpu{"arm64", {"dotprod", "fp16", "neon"}, 8, {}};
  p.cpu.clusters = {{{7}, 3200000}, {{4, 5, 6}, 2800000}, {{0, 1, 2, 3}, 2000000}};
  p.ram_mb = 7680;
  p.os = Os{"android", "14", 34, "6.1.25-android14"};
  VulkanDevice gpu;
  gpu.vendor_id = kVendorQualcomm;
  gpu.device_id = 0x43050a01;
  gpu.name = "Adreno (TM) 740";
  gpu.type = "integrated";
  gpu.driver_version_raw = (512u << 22) | (744u << 12);
  gpu.driver_version = "512.744.0";
  gpu.api_version = "1.3.128";
  gpu.fp16 = gpu.fp16_storage = gpu.int8 = gpu.int8_storage = true;
  gpu.subgroup_size = 64;
  p.vulkan = {gpu};
  p.app.soc = "SM8550";
  p.app.metered = true;
  p.app.battery_percent = 42;
  p.app.charging = false;
  p.app.thermal = "light";
  return p;
}

// Parses `json` (a modified Phone()) and returns the error text, "" when it parses.
std::string ErrorOf(const Json& json) {
  Result<DeviceProfile> r = FromJson(json, "p.json");
  return r.ok() ? "" : r.status().message();
}

TEST(DeviceProfile, round_trip_keeps_every_field_and_bytes) {
  const DeviceProfile p = Phone();
  const std::string text = WriteProfile(p);
  Result<DeviceProfile> back = ParseProfile(text, "phone.json");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, p);
  EXPECT_EQ(WriteProfile(*back), text);
}

TEST(DeviceProfile, written_keys_are_sorted) {
  const std::string text = WriteProfile(Phone());
  EXPECT_LT(text.find("\"app\""), text.find("\"cpu\""));
  EXPECT_LT(text.find("\"cpu\""), text.find("\"format\""));
  EXPECT_LT(text.find("\"format\""), text.find("\"vulkan\""));
  EXPECT_EQ(text.back(), '\n');
}

TEST(DeviceProfile, unknown_key_is_rejected_with_its_path) {
  Json j = ToJson(Phone());
  j["vulkan"][0]["colour"] = "red";
  EXPECT_NE(ErrorOf(j).find("unknown key 'vulkan[0].colour'"), std::string::npos) << ErrorOf(j);
  j = ToJson(Phone());
  j["batery"] = 3;
  EXPECT_NE(ErrorOf(j).find("unknown key 'batery'"), std::string::npos) << ErrorOf(j);
}

TEST(DeviceProfile, extensions_are_kept_verbatim) {
  Json j = ToJson(Phone());
  j["extensions"] = {{"com.example.npu", {{"tops", 12}}}};
  Result<DeviceProfile> p = FromJson(j, "p.json");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->extensions["com.example.npu"]["tops"], 12);
  EXPECT_EQ(ToJson(*p), j);
}

TEST(DeviceProfile, newer_format_is_rejected_naming_both_versions) {
  Json j = ToJson(Phone());
  j["format"] = 2;
  EXPECT_NE(ErrorOf(j).find("format 2 is not supported (this reader knows 1"), std::string::npos)
      << ErrorOf(j);
}

TEST(DeviceProfile, wrong_types_and_ranges_name_the_field_and_value) {
  Json j = ToJson(Phone());
  j["ram_mb"] = "lots";
  EXPECT_EQ(ErrorOf(j), "p.json: ram_mb: expected an integer 0..1099511627776, got \"lots\"");
  j = ToJson(Phone());
  j["app"]["battery_percent"] = 101;
  EXPECT_EQ(ErrorOf(j), "p.json: app.battery_percent: expected an integer 0..100, got 101");
  j = ToJson(Phone());
  j["app"]["thermal"] = "warm";
  EXPECT_NE(ErrorOf(j).find("app.thermal: expected one of none, light"), std::string::npos);
  j = ToJson(Phone());
  j["vulkan"][0]["subgroup_size"] = 48;
  EXPECT_NE(ErrorOf(j).find("vulkan[0].subgroup_size: expected 0 (unknown) or a power of two"),
            std::string::npos)
      << ErrorOf(j);
  j = ToJson(Phone());
  j["os"].erase("version");
  EXPECT_EQ(ErrorOf(j), "p.json: os.version is missing (required)");
}

TEST(DeviceProfile, oversized_strings_and_device_lists_are_rejected) {
  Json j = ToJson(Phone());
  j["vulkan"][0]["name"] = std::string(5000, 'x');
  EXPECT_NE(ErrorOf(j).find("vulkan[0].name: expected a string of at most 4096 bytes"),
            std::string::npos);
  j = ToJson(Phone());
  for (int i = 0; i < 64; ++i) j["vulkan"].push_back(j["vulkan"][0]);
  EXPECT_NE(ErrorOf(j).find("vulkan: expected a list of at most 64 devices"), std::string::npos);
}

TEST(DeviceProfile, float_and_duplicate_key_text_is_rejected) {
  std::string text = WriteProfile(Phone());
  std::string with_float = text;
  with_float.replace(with_float.find("\"ram_mb\": 7680"), 15, "\"ram_mb\": 7680.5");
  EXPECT_FALSE(ParseProfile(with_float, "f.json").ok());
  std::string dup = text;
  dup.insert(dup.find("\"ram_mb\""), "\"ram_mb\": 1,\n  ");
  Result<DeviceProfile> r = ParseProfile(dup, "d.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("ram_mb"), std::string::npos) << r.status().message();
}

TEST(DeviceProfile, features_must_belong_to_the_arch_and_be_sorted) {
  Json j = ToJson(Phone());
  j["cpu"]["features"] = {"avx2"};
  EXPECT_NE(ErrorOf(j).find("cpu.features[0]: 'avx2' is not a arm64 feature"), std::string::npos)
      << ErrorOf(j);
  j["cpu"]["features"] = {"neon", "dotprod"};
  EXPECT_NE(ErrorOf(j).find("cpu.features[1]: 'dotprod' breaks the order"), std::string::npos)
      << ErrorOf(j);
}

TEST(DeviceProfile, clusters_hold_every_cpu_once_fastest_first) {
  Json j = ToJson(Phone());
  j["cpu"]["clusters"][0]["cpus"] = {6};  // 6 twice, 7 nowhere
  EXPECT_NE(ErrorOf(j).find("CPU 6 is already in an earlier cluster"), std::string::npos)
      << ErrorOf(j);
  j = ToJson(Phone());
  std::swap(j["cpu"]["clusters"][0], j["cpu"]["clusters"][2]);
  EXPECT_NE(ErrorOf(j).find("clusters are ordered fastest first"), std::string::npos) << ErrorOf(j);
  j = ToJson(Phone());
  j["cpu"]["clusters"].erase(2);
  EXPECT_NE(ErrorOf(j).find("cpu.clusters hold 4 CPUs but cpu.cores is 8"), std::string::npos)
      << ErrorOf(j);
  j = ToJson(Phone());
  j["cpu"]["clusters"][0]["cpus"] = {8};
  EXPECT_NE(ErrorOf(j).find("cpu.clusters[0].cpus[0]: expected an integer 0..7, got 8"),
            std::string::npos)
      << ErrorOf(j);
}

TEST(DeviceProfile, api_level_belongs_to_android_only) {
  Json j = ToJson(Phone());
  j["os"]["name"] = "linux";
  EXPECT_NE(ErrorOf(j).find("os.api_level is 34 but os.name is 'linux'"), std::string::npos)
      << ErrorOf(j);
}

TEST(DeviceProfile, driver_version_must_match_its_raw_value) {
  Json j = ToJson(Phone());
  j["vulkan"][0]["driver_version"] = "512.745.0";
  EXPECT_NE(ErrorOf(j).find("which decodes to '512.744.0'"), std::string::npos) << ErrorOf(j);
}

TEST(DriverVersion, decodes_per_vendor) {
  // NVIDIA 535.104.05: 10.8.8.6 bits.
  const uint32_t nv = (535u << 22) | (104u << 14) | (5u << 6);
  EXPECT_EQ(DecodeDriverVersion(kVendorNvidia, nv, "linux"), "535.104.5.0");
  // Qualcomm's drivers report VK_MAKE_VERSION(512, build, 0).
  EXPECT_EQ(DecodeDriverVersion(kVendorQualcomm, 0x80000000u | (615u << 12), "android"),
            "512.615.0");
  // Mali r32p1 reports VK_MAKE_VERSION(32, 1, 0).
  EXPECT_EQ(DecodeDriverVersion(kVendorArm, (32u << 22) | (1u << 12), "android"), "32.1.0");
  // Intel's Windows driver 101.4146: 18.14 bits; Mesa's ANV on Linux is VK_MAKE_VERSION.
  const uint32_t intel = (101u << 14) | 4146u;
  EXPECT_EQ(DecodeDriverVersion(kVendorIntel, intel, "windows"), "101.4146");
  EXPECT_EQ(DecodeDriverVersion(kVendorIntel, (23u << 22) | (2u << 12) | 1u, "linux"), "23.2.1");
  EXPECT_EQ(DecodeApiVersion((1u << 22) | (3u << 12) | 239u), "1.3.239");
  EXPECT_EQ(VendorName(kVendorMesa), "Mesa");
  EXPECT_EQ(VendorName(0x1234), "");
}

TEST(Facts, carry_what_conditions_check) {
  const conditions::DeviceFacts f = ToFacts(Phone());
  EXPECT_EQ(f.arch, "arm64");
  EXPECT_EQ(f.cores, 8);
  EXPECT_EQ(f.ram_mb, 7680);
  EXPECT_EQ(f.os, "android");
  EXPECT_EQ(f.os_version, "14");
  EXPECT_EQ(f.soc, "SM8550");
  EXPECT_EQ(f.runtime_version, "0.1.0");
  ASSERT_EQ(f.gpus.size(), 1u);
  EXPECT_EQ(f.gpus[0].api, "vulkan");
  EXPECT_EQ(f.gpus[0].vendor_id, kVendorQualcomm);
  EXPECT_EQ(f.gpus[0].driver_version, "512.744.0");
  conditions::Requires r;
  r.conditions.gpu = conditions::GpuConditions{"vulkan", {kVendorQualcomm}, {}, {"512.700", ""}};
  EXPECT_TRUE(conditions::Evaluate(r, f).fits) << conditions::Evaluate(r, f).why;
  r.conditions.gpu->driver_version.min = "512.800";
  EXPECT_EQ(conditions::Evaluate(r, f).why,
            "no GPU fits: driver version 512.744.0 is below 512.800");
}

}  // namespace
}  // namespace mota::device_profile
