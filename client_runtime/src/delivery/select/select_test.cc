// Choosing a variant, read as behaviours: priority among what fits, quirk denials, variants that
// failed here before, no match naming the closest variant, the rollout's release (never a
// revoked one), and the catalog's phone classes against a mobilenet_v2-like variant set.
#include "delivery/select/select.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "manifests/lib/device_profile/device_profile.h"
#include "manifests/lib/device_profile/facts.h"
#include "manifests/lib/rollout/bucket.h"

namespace mota::select {
namespace {

namespace fs = std::filesystem;
constexpr char kModel[] = "mobilenet_v2";

tuf::VariantTarget Variant(int64_t release, std::string id, int64_t priority,
                           const std::string& requires_json, std::string backend = "cpu") {
  tuf::VariantTarget t;
  t.model = kModel;
  t.release = release;
  t.variant = std::move(id);
  t.backend = std::move(backend);
  t.precision = "fp32";
  t.priority = priority;
  t.min_runtime_version = "0.1.0";
  t.requires_ = nlohmann::json::parse(requires_json);
  return t;
}

// Modeled on examples/mobilenet_v2/deploy.yaml: the requires the packager writes for it.
std::vector<tuf::VariantTarget> Mobilenet(int64_t release) {
  const std::string quirk =
      R"("quirks":[{"when":{"gpu":{"vendor_ids":[5045],"driver_version":{"max":"32.0"}}},)"
      R"("reason":"fp16 depthwise convolution returns wrong values on Mali drivers <= r32"}])";
  return {
      Variant(release, "cpu-fp32", 10, R"({"arch":["arm64","x86_64"],"min_ram_mb":1024})"),
      Variant(release, "cpu-int8", 50,
              R"({"arch":["arm64","x86_64"],"min_runtime_version":"0.1.0"})"),
      Variant(release, "gpu-fp16", 100,
              R"({"os":["android"],"min_os_version":"10","gpu":{"api":"vulkan",)"
              R"("vendor_ids":[20803,5045]},)" +
                  quirk + "}",
              "vulkan"),
  };
}

conditions::DeviceFacts Catalog(const std::string& file) {
  const fs::path path = fs::path(MOTA_SOURCE_DIR) / "manifests/devices" / file;
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  Result<device_profile::DeviceProfile> p = device_profile::ParseProfile(ss.str(), path.string());
  EXPECT_TRUE(p.ok()) << p.status().message();
  conditions::DeviceFacts facts = p.ok() ? device_profile::ToFacts(*p) : conditions::DeviceFacts{};
  facts.runtime_version = "0.1.0";  // catalog profiles describe hardware, not a libmota
  return facts;
}

SelectInput Input(std::vector<tuf::VariantTarget> targets, conditions::DeviceFacts facts) {
  SelectInput in;
  in.model = kModel;
  in.targets = std::move(targets);
  in.device = std::move(facts);
  in.install_id = "install-0001";
  return in;
}

Selection Pick(const SelectInput& in) {
  Result<Selection> s = Select(in);
  EXPECT_TRUE(s.ok()) << s.status().message();
  return s.ok() ? *s : Selection{};
}

const VariantLine& Line(const Selection& s, int64_t release, const std::string& variant) {
  for (const VariantLine& l : s.lines) {
    if (l.release == release && l.variant == variant) return l;
  }
  ADD_FAILURE() << "no line for " << variant << " r" << release << "\n" << FormatTable(s);
  static const VariantLine kNone;
  return kNone;
}

TEST(Select, highest_priority_of_the_matching_variants_wins_and_the_others_say_why) {
  const Selection s =
      Pick(Input(Mobilenet(1), Catalog("qualcomm-sm8550-adreno740-android14.json")));
  EXPECT_TRUE(s.found) << s.status;
  EXPECT_EQ(s.variant, "gpu-fp16");
  EXPECT_EQ(s.release, 1);
  EXPECT_TRUE(Line(s, 1, "gpu-fp16").taken);
  EXPECT_EQ(Line(s, 1, "cpu-int8").reason, "fits, but priority 50 is below gpu-fp16 (100)");
  EXPECT_EQ(Line(s, 1, "cpu-fp32").reason, "fits, but priority 10 is below gpu-fp16 (100)");
  EXPECT_EQ(s.lines.size(), 3u);
}

TEST(Select, a_quirk_denies_the_gpu_variant_with_its_reason) {
  const Selection s =
      Pick(Input(Mobilenet(1), Catalog("samsung-exynos9611-mali-g72-android10.json")));
  EXPECT_EQ(s.variant, "cpu-int8");
  EXPECT_EQ(Line(s, 1, "gpu-fp16").reason,
            "denied by a quirk: fp16 depthwise convolution returns wrong values on Mali drivers "
            "<= r32");
}

TEST(Select, a_variant_that_failed_here_before_is_skipped_for_the_next_one) {
  SelectInput in = Input(Mobilenet(1), Catalog("qualcomm-sm8550-adreno740-android14.json"));
  in.failed.push_back({1, "gpu-fp16", "self-test: output 0 cosine 0.41 < 0.9999"});
  const Selection s = Pick(in);
  EXPECT_EQ(s.variant, "cpu-int8");
  EXPECT_EQ(Line(s, 1, "gpu-fp16").reason,
            "failed on this device before: self-test: output 0 cosine 0.41 < 0.9999");
  // A failure of another release does not count against this one.
  in.failed[0].release = 2;
  EXPECT_EQ(Pick(in).variant, "gpu-fp16");
}

TEST(Select, no_match_names_the_closest_variant_and_the_condition_it_failed) {
  const Selection s =
      Pick(Input(Mobilenet(1), Catalog("unisoc-sc9863a-powervr-android11-go-armv7.json")));
  EXPECT_FALSE(s.found);
  EXPECT_EQ(s.variant, "");
  // Every variant misses one condition (cpu ones the arch, gpu-fp16 the GPU vendor): the
  // highest priority of them is the closest.
  EXPECT_EQ(s.closest, "gpu-fp16");
  EXPECT_EQ(s.closest_why, "no GPU fits: vendor id 0x1010 is not listed");
  EXPECT_NE(s.status.find("closest is gpu-fp16"), std::string::npos) << s.status;
  EXPECT_NE(s.status.find("vendor id 0x1010 is not listed"), std::string::npos) << s.status;
  EXPECT_EQ(Line(s, 1, "cpu-int8").reason, "arch armv7 is not one of arm64, x86_64");
}

TEST(Select, closest_prefers_fewer_failed_conditions_over_priority) {
  conditions::DeviceFacts facts = Catalog("x86_64-desktop-ryzen-rtx3060-linux.json");
  facts.ram_mb = 512;
  std::vector<tuf::VariantTarget> targets = {
      Variant(1, "big", 100, R"({"arch":["arm64"],"min_ram_mb":4096,"os":["android"]})"),
      Variant(1, "small", 1, R"({"min_ram_mb":1024})")};
  const Selection s = Pick(Input(targets, facts));
  EXPECT_FALSE(s.found);
  EXPECT_EQ(s.closest, "small");
  EXPECT_EQ(s.closest_why, "RAM (MiB) 512 is below 1024");
  EXPECT_EQ(CountUnmet(conditions::ParseRequires(targets[0].requires_, "big")->conditions, facts),
            3);
}

TEST(Select, an_older_runtime_is_refused_by_the_targets_min_runtime_version) {
  conditions::DeviceFacts facts = Catalog("x86_64-desktop-ryzen-rtx3060-linux.json");
  facts.runtime_version = "0.0.9";
  std::vector<tuf::VariantTarget> targets = Mobilenet(1);
  targets[0].min_runtime_version = "0.0.1";  // cpu-fp32 runs on older runtimes
  const Selection s = Pick(Input(targets, facts));
  EXPECT_EQ(s.variant, "cpu-fp32");
  EXPECT_EQ(Line(s, 1, "cpu-int8").reason, "runtime version 0.0.9 is below 0.1.0");
}

rollout::Rollout Doc(std::vector<std::pair<int64_t, rollout::State>> entries) {
  rollout::Rollout r;
  r.model = kModel;
  for (auto [release, state] : entries) {
    rollout::ReleaseRollout e;
    e.release = release;
    e.basis_points = 10000;
    e.state = state;
    r.releases.push_back(e);
  }
  return r;
}

std::vector<tuf::VariantTarget> Releases(std::initializer_list<int64_t> releases) {
  std::vector<tuf::VariantTarget> all;
  for (int64_t r : releases) {
    for (tuf::VariantTarget& t : Mobilenet(r)) all.push_back(std::move(t));
  }
  return all;
}

TEST(Select, without_a_rollout_the_newest_release_is_taken) {
  const Selection s =
      Pick(Input(Releases({1, 2, 3}), Catalog("qualcomm-sm8550-adreno740-android14.json")));
  EXPECT_EQ(s.release, 3);
  EXPECT_EQ(s.variant, "gpu-fp16");
  EXPECT_EQ(s.lines.size(), 9u);  // every variant of every release has its line
  EXPECT_NE(Line(s, 2, "gpu-fp16").reason.find("release 2 not taken"), std::string::npos);
}

TEST(Select, a_release_the_rollout_does_not_offer_falls_back_to_the_newest_offered) {
  rollout::Rollout doc = Doc(
      {{1, rollout::State::kActive}, {2, rollout::State::kActive}, {3, rollout::State::kHalted}});
  SelectInput in = Input(Releases({1, 2, 3}), Catalog("qualcomm-sm8550-adreno740-android14.json"));
  in.rollout = &doc;
  Selection s = Pick(in);
  EXPECT_EQ(s.release, 2);
  EXPECT_EQ(s.variant, "gpu-fp16");
  EXPECT_NE(Line(s, 3, "gpu-fp16").reason.find("release 3 not taken"), std::string::npos);
  // Installed on 2 with 3 halted: it stays on 2.
  in.installed_release = 2;
  s = Pick(in);
  EXPECT_EQ(s.release, 2);
  EXPECT_FALSE(Line(s, 3, "cpu-int8").taken);
}

TEST(Select, a_revoked_release_is_never_taken) {
  std::vector<tuf::VariantTarget> targets = Releases({1, 2});
  for (tuf::VariantTarget& t : targets) t.revoked = t.release == 2;
  SelectInput in = Input(targets, Catalog("qualcomm-sm8550-adreno740-android14.json"));
  Selection s = Pick(in);
  EXPECT_EQ(s.release, 1);
  EXPECT_NE(Line(s, 2, "gpu-fp16").reason.find("revoked"), std::string::npos)
      << Line(s, 2, "gpu-fp16").reason;
  // Revoked in the rollout (online keys) as well: never taken, even with nothing installed.
  for (tuf::VariantTarget& t : targets) t.revoked = false;
  rollout::Rollout doc = Doc({{1, rollout::State::kActive}, {2, rollout::State::kRevoked}});
  in = Input(targets, Catalog("qualcomm-sm8550-adreno740-android14.json"));
  in.rollout = &doc;
  s = Pick(in);
  EXPECT_EQ(s.release, 1);
  // The only release revoked: nothing is taken, and the status says so.
  in.targets = Releases({1});
  for (tuf::VariantTarget& t : in.targets) t.revoked = true;
  in.rollout = nullptr;
  s = Pick(in);
  EXPECT_FALSE(s.found);
  EXPECT_EQ(s.release, 0);
  EXPECT_NE(s.status.find("no release"), std::string::npos) << s.status;
}

TEST(Select, when_nothing_of_the_new_release_fits_the_installed_release_is_kept) {
  std::vector<tuf::VariantTarget> targets = Mobilenet(1);
  targets.push_back(Variant(2, "arm-only", 10, R"({"arch":["arm64"]})"));
  SelectInput in = Input(targets, Catalog("x86_64-desktop-ryzen-rtx3060-linux.json"));
  in.installed_release = 1;
  const Selection s = Pick(in);
  EXPECT_EQ(s.release, 1);
  EXPECT_EQ(s.variant, "cpu-int8");
  EXPECT_EQ(Line(s, 2, "arm-only").reason, "arch x86_64 is not one of arm64");
}

TEST(Select, a_target_of_another_model_is_refused) {
  std::vector<tuf::VariantTarget> targets = Mobilenet(1);
  targets[1].model = "resnet";
  Result<Selection> s = Select(Input(targets, Catalog("raspberry-pi-5-v3d-linux.json")));
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.status().message().find("expected \"mobilenet_v2\""), std::string::npos);
}

// The catalog's phone classes get the variants deploy.yaml's comments promise.
TEST(Select, catalog_profiles_get_their_expected_mobilenet_variants) {
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"qualcomm-sm8550-adreno740-android14.json", "gpu-fp16"},
      {"qualcomm-sm8650-adreno750-android15.json", "gpu-fp16"},
      {"qualcomm-sm6225-adreno610-android11.json", "gpu-fp16"},
      {"mediatek-mt6877-mali-g68-android13.json", "gpu-fp16"},
      {"google-tensor-g2-mali-g710-android15.json", "gpu-fp16"},
      {"samsung-exynos9611-mali-g72-android10.json", "cpu-int8"},
      {"samsung-exynos7870-mali-t830-android8.json", "cpu-int8"},
      {"samsung-exynos2200-xclipse920-android13.json", "cpu-int8"},
      {"mediatek-helio-g35-powervr-ge8320-android10.json", "cpu-int8"},
      {"raspberry-pi-5-v3d-linux.json", "cpu-int8"},
      {"x86_64-desktop-ryzen-rtx3060-linux.json", "cpu-int8"},
      {"unisoc-sc9863a-powervr-android11-go-armv7.json", ""},
  };
  for (const auto& [file, variant] : expected) {
    const Selection s = Pick(Input(Mobilenet(1), Catalog(file)));
    EXPECT_EQ(s.variant, variant) << file << "\n" << FormatTable(s);
  }
}

TEST(Select, the_table_has_one_row_per_variant_and_the_status) {
  const Selection s =
      Pick(Input(Mobilenet(1), Catalog("samsung-exynos9611-mali-g72-android10.json")));
  const std::string table = FormatTable(s);
  EXPECT_NE(table.find("TAKEN: fits; highest priority (50)"), std::string::npos) << table;
  EXPECT_NE(table.find("rejected: denied by a quirk"), std::string::npos) << table;
  EXPECT_NE(table.find("chosen: take cpu-int8 of release 1"), std::string::npos) << table;
}

}  // namespace
}  // namespace mota::select
