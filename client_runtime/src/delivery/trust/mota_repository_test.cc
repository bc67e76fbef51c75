// The client against mota's own repositories: the golden metadata that `mota repo init` and
// `mota repo add` wrote (manifests/golden/tuf/valid, README there), served from disk, with the
// mota profile's extra checks on; and the profile's rules on a simulated repository.
#include <gtest/gtest.h>

#include <filesystem>

#include "base/file.h"
#include "delivery/trust/test_repo_test_util.h"
#include "delivery/trust/updater.h"

namespace mota::trust {
namespace {

namespace fs = std::filesystem;

const fs::path kGolden = fs::path(MOTA_SOURCE_DIR) / "manifests/golden/tuf/valid";
constexpr int64_t kGoldenNow = 1790000000 + 120;  // generate.py: init at T, add at T + 60

// Serves a folder as https://repo/metadata/.
class FolderFetcher : public Fetcher {
 public:
  explicit FolderFetcher(fs::path dir) : dir_(std::move(dir)) {}
  Result<std::string> Fetch(const std::string& url, int64_t max_length) override {
    static const std::string kPrefix = std::string(testing::kMetadataUrl) + "/";
    if (url.rfind(kPrefix, 0) != 0) return NotFound("HTTP 404 for ", url);
    const fs::path file = dir_ / url.substr(kPrefix.size());
    if (!fs::exists(file)) return NotFound("HTTP 404 for ", url);
    MOTA_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFile(file.string()));
    if (static_cast<int64_t>(bytes.size()) > max_length) return OutOfRange(url, " too long");
    return std::string(bytes.begin(), bytes.end());
  }

 private:
  fs::path dir_;
};

TEST(MotaRepository, golden_repository_refreshes_and_resolves_a_variant_target) {
  const std::string dir = testing::MakeTempDir("meta");
  ASSERT_TRUE(fs::copy_file(kGolden / "1.root.json", fs::path(dir) / "root.json"));
  FolderFetcher fetcher(kGolden);
  FixedClock clock(kGoldenNow);
  UpdaterConfig config{.metadata_dir = dir,
                       .metadata_url = testing::kMetadataUrl,
                       .target_url = testing::kTargetUrl};
  config.profile = {.check_key_ids = true, .strict_delegated_paths = true};
  Updater updater(config, &fetcher, &clock);
  ASSERT_TRUE(updater.Refresh().ok()) << updater.Refresh().ToString();
  Result<FoundTarget> t = updater.GetTargetInfo("models/mlp/cpu-fp32.r1.json");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t.value().role, "mlp");
  ASSERT_TRUE(t.value().file.custom.has_value());
  EXPECT_EQ((*t.value().file.custom)["model"], "mlp");
  EXPECT_TRUE(fs::exists(fs::path(dir) / "mlp.json"));
  // A day later the timestamp (1 day) has expired: a frozen mirror is refused.
  clock.Set(kGoldenNow + 86400);
  Updater later(config, &fetcher, &clock);
  EXPECT_EQ(later.Refresh().code(), StatusCode::kVerificationFailed);
}

class ProfileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("meta");
    repo_.Delegate("targets", "mlp", {"models/mlp/*"}, true);
    repo_.AddTarget("mlp", "models/mlp/cpu.r1.json", "{}");
    repo_.AddTarget("mlp", "models/resnet/cpu.r1.json", "{}");  // outside its paths
    repo_.PublishRoot();
    repo_.Publish();
    ASSERT_TRUE(WriteFileAtomic(dir_ + "/root.json", repo_.RootBytes()).ok());
  }
  Result<FoundTarget> Find(Profile profile, const std::string& path) {
    UpdaterConfig config{.metadata_dir = dir_,
                         .metadata_url = testing::kMetadataUrl,
                         .target_url = testing::kTargetUrl};
    config.profile = profile;
    Updater updater(config, &fetcher_, &clock_);
    return updater.GetTargetInfo(path);
  }
  testing::TestRepo repo_;
  testing::RepoFetcher fetcher_{&repo_};
  FixedClock clock_{testing::kNow};
  std::string dir_;
};

TEST_F(ProfileTest, team_key_listing_another_models_path_is_rejected_in_the_mota_profile) {
  // Plain TUF: the stray target is simply never found through the role.
  EXPECT_TRUE(Find({}, "models/mlp/cpu.r1.json").ok());
  EXPECT_EQ(Find({}, "models/resnet/cpu.r1.json").status().code(), StatusCode::kNotFound);
  // mota: the whole role is refused.
  Result<FoundTarget> t = Find({.strict_delegated_paths = true}, "models/mlp/cpu.r1.json");
  EXPECT_EQ(t.status().code(), StatusCode::kVerificationFailed) << t.status().ToString();
  EXPECT_NE(t.status().message().find("may not list target \"models/resnet/"), std::string::npos)
      << t.status().message();
}

TEST_F(ProfileTest, keyid_that_is_not_the_keys_hash_is_rejected_in_the_mota_profile) {
  // Re-list the timestamp key under another id.
  tuf::Root& root = repo_.root;
  const std::string real = root.roles["timestamp"].keyids[0];
  const std::string fake(64, 'a');
  root.keys[fake] = root.keys[real];
  root.roles["timestamp"].keyids.push_back(fake);
  root.version = 2;
  repo_.PublishRoot({&repo_.keys["root"][0]});
  EXPECT_TRUE(Find({}, "models/mlp/cpu.r1.json").ok());
  Result<FoundTarget> t = Find({.check_key_ids = true}, "models/mlp/cpu.r1.json");
  EXPECT_NE(t.status().message().find("the listed keyid does not match"), std::string::npos)
      << t.status().ToString();
}

}  // namespace
}  // namespace mota::trust
