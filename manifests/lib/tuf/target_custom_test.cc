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
