// Detection on the machine the tests run on (x86_64 CI with Mesa's lavapipe), and the app's
// setters.
#include "device/profiler.h"

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "device/system_info.h"
#include "device/vulkan_probe.h"
#include "exec/cpu/cpu_features.h"
#include "manifests/lib/device_profile/driver_version.h"

namespace mota::device {
namespace {

bool Has(const device_profile::DeviceProfile& p, const char* feature) {
  return std::count(p.cpu.features.begin(), p.cpu.features.end(), feature) == 1;
}

DetectOptions NoVulkan() {
  DetectOptions o;
  o.probe_vulkan = false;
  return o;
}

TEST(Detect, cpu_features_agree_with_the_kernels_cpu_detection) {
  if (std::getenv("MOTA_CPU_DISABLE") != nullptr) GTEST_SKIP() << "MOTA_CPU_DISABLE is set";
  const device_profile::DeviceProfile p = DetectDeviceProfile(NoVulkan());
  const exec::CpuFeatures& f = exec::GetCpuFeatures();
  EXPECT_EQ(p.cpu.arch == "x86_64", f.x86_64);
  EXPECT_EQ(p.cpu.arch == "arm64", f.arm64);
  EXPECT_EQ(Has(p, "avx2") && Has(p, "fma") && Has(p, "f16c"), f.avx2);
  EXPECT_EQ(Has(p, "avx512f") && Has(p, "avx512bw") && Has(p, "avx512dq") && Has(p, "avx512vl"),
            f.avx512);
  EXPECT_EQ(f.avx512 && Has(p, "avx512_vnni"), f.avx512_vnni);
  EXPECT_EQ(f.avx2 && Has(p, "avx_vnni"), f.avx_vnni);
  EXPECT_EQ(Has(p, "dotprod"), f.neon_dotprod);
}

TEST(Detect, cores_ram_and_os_of_this_machine) {
  const device_profile::DeviceProfile p = DetectDeviceProfile(NoVulkan());
  EXPECT_EQ(p.cpu.cores, sysconf(_SC_NPROCESSORS_CONF));
  EXPECT_GT(p.ram_mb, 0);
  struct utsname u {};
  ASSERT_EQ(uname(&u), 0);
  EXPECT_EQ(p.os.kernel, u.release);
#if defined(__linux__) && !defined(__ANDROID__)
  EXPECT_EQ(p.os.name, "linux");
  EXPECT_EQ(p.os.version, LeadingDottedVersion(u.release));
  EXPECT_EQ(p.os.version.find('-'), std::string::npos);
#endif
  EXPECT_EQ(p.runtime_version, RuntimeVersion());
}

TEST(Detect, detected_profile_is_valid_and_round_trips) {
  const device_profile::DeviceProfile p = DetectDeviceProfile(DetectOptions{});
  const std::string text = device_profile::WriteProfile(p);
  Result<device_profile::DeviceProfile> back = device_profile::ParseProfile(text, "detected");
  ASSERT_TRUE(back.ok()) << back.status().message() << "\n" << text;
  EXPECT_EQ(*back, p);
}

TEST(Detect, meminfo_and_versions_parse) {
  EXPECT_EQ(ParseMemTotalMb("MemTotal:       24684096 kB\nMemFree: 1 kB\n"), 24105);
  EXPECT_EQ(ParseMemTotalMb("MemFree: 1 kB\n"), 0);
  EXPECT_EQ(ParseMemTotalMb("MemTotal: lots\n"), 0);
  EXPECT_EQ(LeadingDottedVersion("6.1.0-18-amd64"), "6.1.0");
  EXPECT_EQ(LeadingDottedVersion("5.10.168-android12-9"), "5.10.168");
  EXPECT_EQ(LeadingDottedVersion("14"), "14");
  EXPECT_EQ(LeadingDottedVersion("UpsideDownCake"), "");
}

TEST(Vulkan, lavapipe_is_listed_with_its_details) {
  void* loader = dlopen(DefaultVulkanLibrary(), RTLD_NOW | RTLD_LOCAL);
  if (loader == nullptr) GTEST_SKIP() << "no Vulkan loader here: " << dlerror();
  dlclose(loader);
  bool lavapipe_icd = false;
  for (const char* dir : {"/usr/share/vulkan/icd.d", "/etc/vulkan/icd.d"}) {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
      lavapipe_icd = lavapipe_icd || e.path().filename().string().rfind("lvp_icd", 0) == 0;
    }
  }
  if (!lavapipe_icd) GTEST_SKIP() << "Mesa's lavapipe (mesa-vulkan-drivers) is not installed";
  std::string note;
  const auto devices = ProbeVulkan("", "linux", &note);
  auto it = std::find_if(devices.begin(), devices.end(),
                         [](const auto& d) { return d.vendor_id == device_profile::kVendorMesa; });
  ASSERT_NE(it, devices.end()) << "lavapipe (vendor 0x10005) not listed; note: " << note;
  EXPECT_NE(it->name.find("llvmpipe"), std::string::npos) << it->name;
  EXPECT_EQ(it->type, "cpu");
  EXPECT_EQ(it->driver_version,
            device_profile::DecodeDriverVersion(it->vendor_id, it->driver_version_raw, "linux"));
  EXPECT_NE(it->api_version.rfind("1.", 0), std::string::npos) << it->api_version;
  EXPECT_GT(it->subgroup_size, 0u);  // lavapipe reports 4..16 lanes
  EXPECT_EQ(it->subgroup_size & (it->subgroup_size - 1), 0u);
  EXPECT_TRUE(it->fp16_storage);  // lavapipe supports 16-bit storage
  EXPECT_EQ(it->driver_name, "llvmpipe");
}

TEST(Vulkan, missing_loader_is_an_empty_list_not_an_error) {
  std::string note;
  const auto devices = ProbeVulkan("libvulkan-missing-for-mota-test.so.9", "linux", &note);
  EXPECT_TRUE(devices.empty());
  EXPECT_NE(note.find("dlopen(libvulkan-missing-for-mota-test.so.9) failed"), std::string::npos)
      << note;
  DetectOptions o;
  o.vulkan_library = "libvulkan-missing-for-mota-test.so.9";
  Profiler profiler(o);
  EXPECT_TRUE(profiler.profile().vulkan.empty());
  EXPECT_TRUE(profiler.Facts().gpus.empty());
  ASSERT_FALSE(profiler.notes().empty());
  EXPECT_NE(profiler.notes().back().find("no Vulkan devices"), std::string::npos);
}

TEST(Profiler, app_setters_reach_the_profile_and_the_facts) {
  Profiler profiler(NoVulkan());
  ASSERT_TRUE(profiler.SetSoc("SM8550").ok());
  ASSERT_TRUE(profiler.SetDeviceModel("Pixel 7").ok());
  profiler.SetMetered(true);
  ASSERT_TRUE(profiler.SetBattery(15, false).ok());
  ASSERT_TRUE(profiler.SetThermal("severe").ok());
  EXPECT_EQ(profiler.Facts().soc, "SM8550");
  const device_profile::AppFacts& app = profiler.profile().app;
  EXPECT_EQ(app.metered, true);
  EXPECT_EQ(app.battery_percent, 15);
  EXPECT_EQ(app.charging, false);
  EXPECT_EQ(app.thermal, "severe");
  Result<device_profile::DeviceProfile> back = device_profile::ParseProfile(
      device_profile::WriteProfile(profiler.profile()), "with app facts");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->app, app);
}

TEST(Profiler, bad_app_values_are_refused_with_what_is_allowed) {
  Profiler profiler(NoVulkan());
  Status s = profiler.SetBattery(120, true);
  EXPECT_EQ(s.message(), "battery level 120 is not a percentage 0..100");
  s = profiler.SetThermal("hot");
  EXPECT_NE(s.message().find("thermal state 'hot' is not one of none, light"), std::string::npos);
  s = profiler.SetSoc("");
  EXPECT_FALSE(s.ok());
  s = profiler.SetSoc("SM\n8550");
  EXPECT_NE(s.message().find("printable ASCII"), std::string::npos);
  EXPECT_FALSE(profiler.profile().app.battery_percent.has_value());
#if !defined(__ANDROID__)
  s = profiler.SetAndroidVersion("14", 34);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
#endif
}

}  // namespace
}  // namespace mota::device
