// mota's target custom metadata: every field checked, unknown ones kept, names constrained.
#include "manifests/lib/tuf/target_custom.h"

#include <gtest/gtest.h>

#include "manifests/lib/tuf/canonical_json.h"

namespace mota::tuf {
namespace {

Json Valid() {
  return ParseJson(R"({"model":"mobilenet_v2","release":3,"version":"2.1.0","variant":"cpu-int8",
    "backend":"cpu","precision":"int8","requires":{"arch":"arm64"},"priority":100,
    "min_runtime_version":"0.1.0","format_version":1,"revoked":false})",
                   "custom")
      .value();
}

TEST(VariantTarget, ValidCustomMetadataRoundTripsWithUnknownFieldsKept) {
  Json custom = Valid();
  custom["x_added_later"] = "kept";
  Result<VariantTarget> t = ParseVariantTarget(custom, "targets.models/mobilenet_v2/x");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t.value().release, 3);
  EXPECT_EQ(t.value().requires_["arch"], "arm64");
  EXPECT_EQ(ToJson(t.value()), custom);
}

TEST(VariantTarget, EachBadFieldIsNamed) {
  const std::pair<const char*, Json> cases[] = {
      {"release", 0},          {"backend", "metal"},        {"precision", "int4"},
      {"variant", "CPU int8"}, {"model", "root"},           {"min_runtime_version", "1.2"},
      {"revoked", "no"},       {"requires", Json::array()}, {"format_version", "1"}};
  for (const auto& [field, value] : cases) {
    Json custom = Valid();
    custom[field] = value;
    Result<VariantTarget> t = ParseVariantTarget(custom, "t");
    ASSERT_FALSE(t.ok()) << field;
    EXPECT_NE(t.status().message().find(std::string("t.custom.") + field), std::string::npos)
        << t.status().message();
  }
  Json missing = Valid();
  missing.erase("priority");
  EXPECT_FALSE(ParseVariantTarget(missing, "t").ok());
}

TEST(VariantTarget, TuningRoundTripsAndIsFoundByVendorId) {
  Json custom = Valid();
  custom["backend"] = "vulkan";
  custom["tuning"] =
      ParseJson(
          R"({"workgroup_size":{"0x10005":[32,2,1],"0x5143":[128,1,1],"default":[64,1,1]},"x":1})",
          "tuning")
          .value();
  Result<VariantTarget> t = ParseVariantTarget(custom, "t");
  ASSERT_TRUE(t.ok()) << t.status().message();
  ASSERT_TRUE(t.value().tuning.has_value());
  EXPECT_EQ(ToJson(t.value()), custom);  // the unknown tuning key "x" is kept
  const VariantTuning& tuning = *t.value().tuning;
  EXPECT_EQ(WorkgroupSizeFor(tuning, 0x5143), (std::array<int64_t, 3>{128, 1, 1}));
  EXPECT_EQ(WorkgroupSizeFor(tuning, 0x10005), (std::array<int64_t, 3>{32, 2, 1}));
  EXPECT_EQ(WorkgroupSizeFor(tuning, 0x13b5), (std::array<int64_t, 3>{64, 1, 1}));
  EXPECT_FALSE(WorkgroupSizeFor(VariantTuning{}, 0x13b5).has_value());
  EXPECT_FALSE(ParseVariantTarget(Valid(), "t").value().tuning.has_value());  // optional
}

TEST(VariantTarget, VulkanParamsRoundTripWithUnknownNamesAndKeysKept) {
  Json custom = Valid();
  custom["backend"] = "vulkan";
  // "gemm_future": a parameter of a newer backend (manifests/lib checks syntax only); "x_later":
  // a tuning key of a newer packager.
  custom["tuning"] = ParseJson(R"({"vulkan_params":{"0x10de":{"gemm_min_groups":512},
      "0x10005":{},"default":{"gemm_future":-3,"gemm_tile":16}},"x_later":[1]})",
                               "tuning")
                         .value();
  Result<VariantTarget> t = ParseVariantTarget(custom, "t");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(ToJson(t.value()), custom);
  const VariantTuning& tuning = *t.value().tuning;
  EXPECT_EQ(tuning.unrecognized, ParseJson(R"({"x_later":[1]})", "u").value());
  const std::map<std::string, int64_t> nvidia{{"gemm_min_groups", 512}};
  const std::map<std::string, int64_t> fallback{{"gemm_future", -3}, {"gemm_tile", 16}};
  ASSERT_NE(VulkanParamsFor(tuning, 0x10DE), nullptr);
  EXPECT_EQ(*VulkanParamsFor(tuning, 0x10DE), nvidia);
  EXPECT_EQ(*VulkanParamsFor(tuning, 0x1002), fallback);   // no AMD entry: the default
  EXPECT_TRUE(VulkanParamsFor(tuning, 0x10005)->empty());  // its own, empty, entry
  EXPECT_EQ(VulkanParamsFor(VariantTuning{}, 0x10DE), nullptr);
  // ToJson omits what is empty: an old target without vulkan_params stays byte-identical.
  EXPECT_EQ(ToJson(VariantTuning{.threads = 2}), ParseJson(R"({"threads":2})", "j").value());
}

TEST(VariantTarget, BadTuningIsNamed) {
  const std::pair<const char*, const char*> cases[] = {
      {"cpu", R"({"workgroup_size":{"default":[64,1,1]}})"},     // the other backend's key
      {"vulkan", R"({"threads":4})"},                            // the other backend's key
      {"cpu", R"({"threads":0})"},                               // out of range
      {"vulkan", R"({"workgroup_size":{"0x05143":[64,1,1]}})"},  // a second spelling of 0x5143
      {"vulkan", R"({"workgroup_size":{"Default":[64,1,1]}})"},
      {"vulkan", R"({"workgroup_size":{"default":[64,32,1]}})"},  // 2048 > 1024 invocations
      {"vulkan", R"({"workgroup_size":{"default":[64,1]}})"},
      {"vulkan", R"([])"},
      {"cpu", R"({"vulkan_params":{"default":{"gemm_tile":16}}})"},    // the other backend's key
      {"vulkan", R"({"vulkan_params":{"0x10DE":{"gemm_tile":16}}})"},  // uppercase hex
      {"vulkan", R"({"vulkan_params":{"default":{"Gemm_tile":16}}})"},
      {"vulkan", R"({"vulkan_params":{"default":{"gemm_tile":true}}})"},
      {"vulkan", R"({"vulkan_params":{"default":{"gemm_tile":"16"}}})"},
      {"vulkan", R"({"vulkan_params":{"default":[16]}})"},
      {"vulkan", R"({"vulkan_params":[]})"}};
  for (const auto& [backend, tuning] : cases) {
    Json custom = Valid();
    custom["backend"] = backend;
    custom["tuning"] = ParseJson(tuning, "tuning").value();
    Result<VariantTarget> t = ParseVariantTarget(custom, "t");
    ASSERT_FALSE(t.ok()) << tuning;
    EXPECT_NE(t.status().message().find("t.custom.tuning"), std::string::npos)
        << t.status().message();
  }
  Json cpu = Valid();
  cpu["tuning"] = ParseJson(R"({"vulkan_params":{"default":{"gemm_tile":16}}})", "t").value();
  EXPECT_NE(ParseVariantTarget(cpu, "t").status().message().find(
                "t.custom.tuning.vulkan_params: applies only to backend vulkan"),
            std::string::npos);
}

// Found by tests/fuzz target_custom (regressions/target_custom/): an empty map parsed, ToJson
// left it out, so the target read was not the target signed. Empty maps are never written.
TEST(VariantTarget, EmptyVulkanParamsOrWorkgroupSizeIsRejectedNotSilentlyDropped) {
  for (const char* key : {"vulkan_params", "workgroup_size"}) {
    Json custom = Valid();
    custom["backend"] = "vulkan";
    custom["tuning"] = Json::object();
    custom["tuning"][key] = Json::object();
    Result<VariantTarget> t = ParseVariantTarget(custom, "t");
    ASSERT_FALSE(t.ok()) << key;
    EXPECT_NE(t.status().message().find(Cat("t.custom.tuning.", key, ": empty")), std::string::npos)
        << t.status().message();
  }
}

TEST(VariantTarget, PathsFollowTheProfile) {
  EXPECT_EQ(VariantTargetPath("mobilenet_v2", "cpu-int8", 3),
            "models/mobilenet_v2/cpu-int8.r3.json");
  EXPECT_EQ(ModelPathPattern("mobilenet_v2"), "models/mobilenet_v2/*");
  EXPECT_FALSE(CheckModelName("timestamp", "m").ok());
  EXPECT_FALSE(CheckModelName("-x", "m").ok());
  EXPECT_FALSE(CheckModelName(std::string(65, 'a'), "m").ok());
  EXPECT_TRUE(CheckModelName("resnet-18_v2", "m").ok());
}

}  // namespace
}  // namespace mota::tuf
