// Device profiles against a real deploy spec, and `mota device-profile` as a user runs it.
//
// Which mobilenet_v2 variant (examples/mobilenet_v2/deploy.yaml) each catalog device class
// (manifests/devices) gets, and why the others are refused: the device client's choice
// (conditions met, no quirk denies, highest priority) made from the target `requires` the
// packager writes.
#include "manifests/lib/device_profile/device_profile.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "manifests/lib/device_profile/facts.h"
#include "packager/src/deploy_spec.h"
#include "tests/support/run_tool.h"
#include "tests/support/test_dir.h"

namespace mota {
namespace {

namespace fs = std::filesystem;
namespace dp = device_profile;

using test_support::Slurp;

dp::DeviceProfile Catalog(const std::string& file) {
  const fs::path path = fs::path(MOTA_SOURCE_DIR) / "manifests/devices" / file;
  Result<dp::DeviceProfile> p = dp::ParseProfile(Slurp(path), path.string());
  EXPECT_TRUE(p.ok()) << p.status().message();
  return p.ok() ? *p : dp::DeviceProfile{};
}

struct Choice {
  std::string variant;                     // "" when none fits
  std::map<std::string, std::string> why;  // variant -> why it was refused
};

// The device client's rule (deploy-spec.md `priority`): of the variants that fit, the highest
// priority wins; ties go to the first listed.
Choice Choose(const packager::DeploySpec& spec, const dp::DeviceProfile& profile) {
  conditions::DeviceFacts facts = dp::ToFacts(profile);
  facts.runtime_version = MOTA_VERSION;  // catalog profiles describe hardware, not a libmota
  Choice c;
  int64_t best = INT64_MIN;
  for (const packager::Variant& v : spec.variants) {
    const conditions::Fit fit = conditions::Evaluate(packager::TargetRequires(spec, v), facts);
    if (!fit.fits) {
      c.why[v.id] = fit.why;
    } else if (v.priority > best) {
      best = v.priority;
      c.variant = v.id;
    }
  }
  return c;
}

class MobilenetDeploy : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string yaml = Slurp(fs::path(MOTA_SOURCE_DIR) / "examples/mobilenet_v2/deploy.yaml");
    packager::ParsedDeploySpec parsed =
        packager::ParseDeploySpec(yaml, "deploy.yaml", MOTA_SOURCE_DIR "/examples/mobilenet_v2");
    // The source .onnx lives in shared/ and the calibration folders are generated (gitignored):
    // only the variants and quirks matter here, so only their errors fail the suite.
    for (const std::string& e : parsed.errors) {
      if (e.find("source") == std::string::npos && e.find("calibration.") == std::string::npos) {
        ADD_FAILURE() << e;
      }
    }
    spec_ = new packager::DeploySpec(std::move(parsed.spec));
  }
  static void TearDownTestSuite() { delete spec_; }
  static const packager::DeploySpec& spec() { return *spec_; }
  static packager::DeploySpec* spec_;
};
packager::DeploySpec* MobilenetDeploy::spec_ = nullptr;

TEST_F(MobilenetDeploy, recent_adreno_and_mali_phones_get_the_gpu_fp16_variant) {
  for (const char* file :
       {"qualcomm-sm8550-adreno740-android14.json", "qualcomm-sm8650-adreno750-android15.json",
        "qualcomm-sm6225-adreno610-android11.json", "mediatek-mt6877-mali-g68-android13.json",
        "google-tensor-g2-mali-g710-android15.json"}) {
    EXPECT_EQ(Choose(spec(), Catalog(file)).variant, "gpu-fp16") << file;
  }
}

TEST_F(MobilenetDeploy, old_mali_driver_is_denied_by_the_quirk_with_its_reason) {
  const Choice c = Choose(spec(), Catalog("samsung-exynos9611-mali-g72-android10.json"));
  EXPECT_EQ(c.variant, "cpu-int8");
  EXPECT_EQ(c.why.at("gpu-fp16"),
            "denied by a quirk: fp16 depthwise convolution returns wrong values on Mali drivers "
            "<= r32 (example quirk)");
}

TEST_F(MobilenetDeploy, android_8_mali_phone_gets_cpu_int8_because_of_its_os) {
  const Choice c = Choose(spec(), Catalog("samsung-exynos7870-mali-t830-android8.json"));
  EXPECT_EQ(c.variant, "cpu-int8");
  EXPECT_EQ(c.why.at("gpu-fp16"), "os version 8.1 is below 10");
}

TEST_F(MobilenetDeploy, gpus_outside_the_tuned_families_get_cpu_int8) {
  Choice c = Choose(spec(), Catalog("samsung-exynos2200-xclipse920-android13.json"));
  EXPECT_EQ(c.variant, "cpu-int8");
  EXPECT_EQ(c.why.at("gpu-fp16"), "no GPU fits: vendor id 0x144d is not listed");
  c = Choose(spec(), Catalog("mediatek-helio-g35-powervr-ge8320-android10.json"));
  EXPECT_EQ(c.variant, "cpu-int8");
  EXPECT_EQ(c.why.at("gpu-fp16"), "no GPU fits: vendor id 0x1010 is not listed");
}

TEST_F(MobilenetDeploy, linux_boards_and_desktops_get_cpu_int8) {
  for (const char* file :
       {"raspberry-pi-5-v3d-linux.json", "x86_64-desktop-ryzen-rtx3060-linux.json"}) {
    const Choice c = Choose(spec(), Catalog(file));
    EXPECT_EQ(c.variant, "cpu-int8") << file;
    EXPECT_EQ(c.why.at("gpu-fp16"), "os linux is not one of android") << file;
  }
}

TEST_F(MobilenetDeploy, a_32_bit_android_go_process_fits_no_variant_and_says_why) {
  const Choice c = Choose(spec(), Catalog("unisoc-sc9863a-powervr-android11-go-armv7.json"));
  EXPECT_EQ(c.variant, "");
  EXPECT_EQ(c.why.at("cpu-fp32"), "arch armv7 is not one of arm64, x86_64");
  EXPECT_EQ(c.why.at("cpu-int8"), "arch armv7 is not one of arm64, x86_64");
}

TEST_F(MobilenetDeploy, an_older_runtime_cannot_take_the_int8_variant) {
  dp::DeviceProfile p = Catalog("x86_64-desktop-ryzen-rtx3060-linux.json");
  conditions::DeviceFacts facts = dp::ToFacts(p);
  facts.runtime_version = "0.0.9";
  const packager::Variant* int8 = nullptr;
  for (const packager::Variant& v : spec().variants) int8 = v.id == "cpu-int8" ? &v : int8;
  ASSERT_NE(int8, nullptr);
  EXPECT_EQ(conditions::Evaluate(packager::TargetRequires(spec(), *int8), facts).why,
            "runtime version 0.0.9 is below 0.1.0");
}

// `mota device-profile` run as a user runs it.
class DeviceProfileCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test_support::PerTestDir("mota_devprof_cli");
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  int Mota(const std::string& args, std::string* out, std::string* err) {
    test_support::ToolResult r =
        test_support::RunTool(MOTA_CLI_PATH, "device-profile " + args, dir_);
    *out = r.out;
    *err = r.err;
    return r.exit_code;
  }
  fs::path dir_;
};

TEST_F(DeviceProfileCli, json_of_this_machine_is_a_valid_canonical_profile) {
  std::string out, err;
  ASSERT_EQ(Mota("--json --soc SM8550 --battery 80 --charging --thermal light", &out, &err), 0)
      << err;
  Result<dp::DeviceProfile> p = dp::ParseProfile(out, "mota device-profile --json");
  ASSERT_TRUE(p.ok()) << p.status().message() << "\n" << out;
  EXPECT_EQ(dp::WriteProfile(*p), out);
  EXPECT_EQ(p->cpu.cores, sysconf(_SC_NPROCESSORS_CONF));
  EXPECT_EQ(p->app.soc, "SM8550");
  EXPECT_EQ(p->app.battery_percent, 80);
  EXPECT_EQ(p->runtime_version, MOTA_VERSION);
}

TEST_F(DeviceProfileCli, summary_names_every_section) {
  std::string out, err;
  ASSERT_EQ(Mota("", &out, &err), 0) << err;
  for (const char* key : {"source    detected by libmota", "cpu       ", "cluster   cpus 0",
                          "ram       ", "os        ", "vulkan    ", "app       (nothing"}) {
    EXPECT_NE(out.find(key), std::string::npos) << "no '" << key << "' in:\n" << out;
  }
}

TEST_F(DeviceProfileCli, from_a_catalog_file_prints_it_and_a_broken_file_names_the_field) {
  std::string out, err;
  const std::string pi = MOTA_SOURCE_DIR "/manifests/devices/raspberry-pi-5-v3d-linux.json";
  ASSERT_EQ(Mota("--from '" + pi + "'", &out, &err), 0) << err;
  EXPECT_NE(out.find("cluster   cpus 0-3: 2400 MHz"), std::string::npos) << out;
  EXPECT_NE(out.find("vendor 0x14e4 (Broadcom)"), std::string::npos) << out;
  std::string text = Slurp(pi);
  text.replace(text.find("\"subgroup_size\": 16"), 19, "\"subgroup_size\": 12");
  std::ofstream(dir_ / "bad.json") << text;
  EXPECT_EQ(Mota("--from '" + (dir_ / "bad.json").string() + "'", &out, &err), 1);
  EXPECT_NE(
      err.find("bad.json: vulkan[0].subgroup_size: expected 0 (unknown) or a power of two, got 12"),
      std::string::npos)
      << err;
}

TEST_F(DeviceProfileCli, bad_app_facts_are_refused) {
  std::string out, err;
  EXPECT_EQ(Mota("--battery 120", &out, &err), 1);
  EXPECT_NE(err.find("battery level 120 is not a percentage 0..100"), std::string::npos) << err;
  EXPECT_EQ(Mota("--thermal warm", &out, &err), 1);
  EXPECT_NE(err.find("thermal state 'warm' is not one of"), std::string::npos) << err;
}

}  // namespace
}  // namespace mota
