#include "manifests/lib/conditions/conditions.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace mota::conditions {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;

// A mid-range Android phone with an Adreno GPU.
DeviceFacts Phone() {
  DeviceFacts d;
  d.arch = "arm64";
  d.cpu_features = {"neon", "dotprod", "fp16"};
  d.cores = 8;
  d.ram_mb = 6144;
  d.os = "android";
  d.os_version = "13";
  d.soc = "SM7325";
  d.runtime_version = "0.1.0";
  d.gpus = {GpuFacts{"vulkan", 0x5143, 0x6030001, "512.615.0"}};
  return d;
}

Requires Parse(const char* json) {
  Result<Requires> r = ParseRequires(Json::parse(json), "requires");
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? r.value() : Requires{};
}

TEST(ConditionsTest, empty_conditions_fit_every_device) {
  EXPECT_TRUE(Evaluate(Parse("{}"), Phone()).fits);
  EXPECT_TRUE(Evaluate(Parse("{}"), DeviceFacts{}).fits);
}

TEST(ConditionsTest, each_unmet_condition_is_named) {
  const DeviceFacts phone = Phone();
  auto why = [&](const char* json) { return Evaluate(Parse(json), phone).why; };
  EXPECT_EQ(why(R"({"arch":["x86_64"]})"), "arch arm64 is not one of x86_64");
  EXPECT_EQ(why(R"({"cpu_features":["neon","i8mm"]})"), "the CPU lacks i8mm");
  EXPECT_EQ(why(R"({"min_cores":12})"), "cores 8 is below 12");
  EXPECT_EQ(why(R"({"max_ram_mb":4096})"), "RAM (MiB) 6144 is above 4096");
  EXPECT_EQ(why(R"({"os":["ios"]})"), "os android is not one of ios");
  EXPECT_EQ(why(R"({"os":["android"],"min_os_version":"14"})"), "os version 13 is below 14");
  EXPECT_EQ(why(R"({"soc":["SM8550","SM8450"]})"), "SoC SM7325 is not one of SM8550, SM8450");
  EXPECT_EQ(why(R"({"min_runtime_version":"0.2.0"})"), "runtime version 0.1.0 is below 0.2.0");
  EXPECT_EQ(why(R"({"gpu":{"vendor_ids":[5045]}})"), "no GPU fits: vendor id 0x5143 is not listed");
  EXPECT_EQ(why(R"({"gpu":{"driver_version":{"min":"512.700"}}})"),
            "no GPU fits: driver version 512.615.0 is below 512.700");
}

TEST(ConditionsTest, all_met_conditions_fit) {
  const Requires r = Parse(R"({"arch":["arm64","x86_64"],"cpu_features":["dotprod"],
      "min_cores":4,"min_ram_mb":2048,"os":["android"],"min_os_version":"10","soc":["SM7325"],
      "min_runtime_version":"0.1.0","gpu":{"api":"vulkan","vendor_ids":[20803],
      "driver_version":{"min":"512.600","max":"512.615"}}})");
  EXPECT_TRUE(Evaluate(r, Phone()).fits) << Evaluate(r, Phone()).why;
}

TEST(ConditionsTest, unknown_facts_do_not_meet_conditions) {
  DeviceFacts d = Phone();
  d.soc.clear();
  d.gpus.clear();
  EXPECT_EQ(Evaluate(Parse(R"({"soc":["SM7325"]})"), d).why,
            "SoC is unknown (needs one of SM7325)");
  EXPECT_EQ(Evaluate(Parse(R"({"gpu":{}})"), d).why, "the device has no GPU");
}

TEST(ConditionsTest, quirk_denies_with_its_reason) {
  const Requires r = Parse(R"({"gpu":{"api":"vulkan"},"quirks":[{"when":{"gpu":{
      "vendor_ids":[20803],"driver_version":{"max":"512.615"}}},"reason":"bad fp16 dwconv"}]})");
  const Fit fit = Evaluate(r, Phone());
  EXPECT_FALSE(fit.fits);
  EXPECT_EQ(fit.why, "denied by a quirk: bad fp16 dwconv");
  DeviceFacts fixed = Phone();
  fixed.gpus[0].driver_version = "512.700.1";  // a driver after the fix
  EXPECT_TRUE(Evaluate(r, fixed).fits);
}

// A newer packager may write conditions this runtime cannot check: the variant does not fit,
// and a quirk that mentions them still denies (the safe side).
TEST(ConditionsTest, unknown_condition_keys_fail_closed) {
  const Requires r = Parse(R"({"npu":{"tops":4}})");
  EXPECT_EQ(Evaluate(r, Phone()).why, "condition npu is unknown to this runtime");
  const Requires q = Parse(R"({"quirks":[{"when":{"os":["android"],"npu":true},"reason":"x"}]})");
  EXPECT_FALSE(Evaluate(q, Phone()).fits);
}

TEST(ConditionsTest, wrong_types_are_errors_with_the_path) {
  auto error = [](const char* json) {
    Result<Requires> r = ParseRequires(Json::parse(json), "custom.requires");
    return r.ok() ? std::string("ok") : r.status().message();
  };
  EXPECT_EQ(error(R"({"min_cores":"4"})"),
            "custom.requires.min_cores: expected an integer >= 1, got \"4\"");
  EXPECT_EQ(error(R"({"min_cores":1.5})"),
            "custom.requires.min_cores: expected an integer >= 1, got 1.5");
  EXPECT_EQ(error(R"({"arch":[]})"),
            "custom.requires.arch: expected a non-empty list of strings, got []");
  EXPECT_EQ(error(R"({"gpu":{"vendor_ids":[-1]}})"),
            "custom.requires.gpu.vendor_ids: expected a non-empty list of integers 0..4294967295, "
            "got [-1]");
  EXPECT_EQ(
      error(R"({"min_runtime_version":"1.2"})"),
      "custom.requires.min_runtime_version: expected a \"MAJOR.MINOR.PATCH\" string, got \"1.2\"");
  EXPECT_EQ(error(R"({"quirks":[{"when":{}}]})"),
            "custom.requires.quirks[0]: expected {\"when\": {...}, \"reason\": \"...\"}, got "
            "{\"when\":{}}");
  EXPECT_THAT(error("[]"), HasSubstr("custom.requires: expected an object"));
}

TEST(ConditionsTest, json_round_trip_is_exact) {
  const char* text =
      R"({"arch":["arm64"],"gpu":{"api":"vulkan","device_ids":[7],"driver_version":{"max":"2"},)"
      R"("vendor_ids":[5045]},"max_cores":8,"min_os_version":"10","os":["android"],)"
      R"("quirks":[{"reason":"r","when":{"soc":["A"]}}]})";
  EXPECT_EQ(ToJson(Parse(text)).dump(), text);
}

TEST(VersionTest, dotted_versions_compare_numerically) {
  EXPECT_LT(CompareVersions("1.9", "1.10"), 0);
  EXPECT_EQ(CompareVersions("10", "10.0.0"), 0);
  EXPECT_GT(CompareVersions("512.700", "512.615.0"), 0);
  EXPECT_TRUE(IsDottedVersion("1.2.3"));
  EXPECT_FALSE(IsDottedVersion("1..2"));
  EXPECT_FALSE(IsDottedVersion("1.2-beta"));
  EXPECT_FALSE(IsDottedVersion("1234567890"));         // more than 9 digits in a component
  EXPECT_FALSE(IsDottedVersion("1.2.3.4.5.6.7.8.9"));  // more than 8 components
  EXPECT_FALSE(IsDottedVersion(""));
}

}  // namespace
}  // namespace mota::conditions
