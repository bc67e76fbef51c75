// manifests/devices/: every catalog profile parses, is in canonical form, says where its figures
// come from, and together they cover the device classes the catalog promises (README.md there).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "manifests/lib/device_profile/device_profile.h"
#include "manifests/lib/device_profile/driver_version.h"

namespace mota::device_profile {
namespace {

namespace fs = std::filesystem;

struct Entry {
  std::string file;
  std::string text;
  DeviceProfile profile;
};

std::vector<Entry> LoadCatalog() {
  std::vector<Entry> out;
  for (const fs::directory_entry& e :
       fs::directory_iterator(MOTA_SOURCE_DIR "/manifests/devices")) {
    if (e.path().extension() != ".json") continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    Result<DeviceProfile> p = ParseProfile(text.str(), e.path().filename().string());
    EXPECT_TRUE(p.ok()) << p.status().message();
    if (p.ok()) out.push_back({e.path().filename().string(), text.str(), *p});
  }
  std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) { return a.file < b.file; });
  return out;
}

TEST(Catalog, every_profile_parses_and_is_canonical) {
  const std::vector<Entry> catalog = LoadCatalog();
  ASSERT_GE(catalog.size(), 8u);
  for (const Entry& e : catalog) {
    EXPECT_EQ(WriteProfile(e.profile), e.text)
        << e.file << " is not in canonical form (sorted keys, 2-space indent, final newline)";
    EXPECT_FALSE(e.profile.name.empty()) << e.file << ": a catalog profile has a name";
    EXPECT_GE(e.profile.source.size(), 20u)
        << e.file << ": source must say where figures come from";
    EXPECT_GT(e.profile.ram_mb, 0) << e.file;
    EXPECT_FALSE(e.profile.cpu.clusters.empty()) << e.file;
  }
}

TEST(Catalog, covers_soc_vendors_gpu_families_ram_and_os_range) {
  std::set<uint32_t> vendors;
  std::set<std::string> oses, archs;
  int64_t min_ram = INT64_MAX, max_ram = 0, min_android = 99, max_android = 0;
  for (const Entry& e : LoadCatalog()) {
    for (const VulkanDevice& d : e.profile.vulkan) vendors.insert(d.vendor_id);
    oses.insert(e.profile.os.name);
    archs.insert(e.profile.cpu.arch);
    min_ram = std::min(min_ram, e.profile.ram_mb);
    max_ram = std::max(max_ram, e.profile.ram_mb);
    if (e.profile.os.name == "android") {
      const int64_t major = std::stoll(e.profile.os.version);
      min_android = std::min(min_android, major);
      max_android = std::max(max_android, major);
    }
  }
  for (uint32_t v : {kVendorQualcomm, kVendorArm, kVendorSamsung, kVendorImagination,
                     kVendorBroadcom, kVendorNvidia}) {
    EXPECT_TRUE(vendors.count(v)) << "no catalog profile has a GPU of vendor " << VendorName(v);
  }
  EXPECT_TRUE(oses.count("android") && oses.count("linux"));
  EXPECT_TRUE(archs.count("arm64") && archs.count("x86_64"));
  EXPECT_LE(min_ram, 2048);
  EXPECT_GE(max_ram, 12 * 1024);
  EXPECT_LE(min_android, 8);
  EXPECT_GE(max_android, 15);
}

}  // namespace
}  // namespace mota::device_profile
