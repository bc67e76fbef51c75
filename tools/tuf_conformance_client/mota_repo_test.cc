// The device's TUF client (delivery/trust) against a repository the mota toolchain writes:
// `mota package` of the shared MLP, `mota repo init`, `mota repo add`, then root rotation and a
// second release. The client, with the mota profile on, refreshes, finds the variant index
// through the model's delegated role and downloads it with its hash checked.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "base/file.h"
#include "delivery/trust/updater.h"
#include "packager/src/package.h"
#include "packager/src/repo.h"

namespace mota {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kNow = 1790000000;

// Serves a repository folder: https://repo/metadata/... and https://repo/targets/...
class RepoFolderFetcher : public trust::Fetcher {
 public:
  explicit RepoFolderFetcher(fs::path dir) : dir_(std::move(dir)) {}
  Result<std::string> Fetch(const std::string& url, int64_t max_length) override {
    static const std::string kPrefix = "https://repo/";
    const fs::path file = dir_ / url.substr(kPrefix.size());
    if (url.rfind(kPrefix, 0) != 0 || !fs::is_regular_file(file)) return NotFound("404 ", url);
    MOTA_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFile(file.string()));
    if (static_cast<int64_t>(bytes.size()) > max_length) return OutOfRange(url, " too long");
    return std::string(bytes.begin(), bytes.end());
  }

 private:
  fs::path dir_;
};

class MotaRepoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("mota_trust_repo_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "meta");
    std::ofstream((dir_ / "deploy.yaml").string())
        << "model: mlp\nversion: \"1.0\"\nsource: " << MOTA_SHARED_DIR
        << "/models/mlp_784_256_10.onnx\ninputs:\n  input: [1, 784]\nvariants:\n"
           "  - id: cpu-fp32\n    backend: cpu\n    precision: fp32\n    priority: 1\n";
    for (tuf::SigningKey* k : {&root_, &targets_, &snapshot_, &timestamp_, &team_}) {
      *k = tuf::SigningKey::Generate().value();
    }
  }
  void TearDown() override { fs::remove_all(dir_); }

  Status Stage(int64_t release) {
    MOTA_ASSIGN_OR_RETURN(packager::DeploySpec spec,
                          packager::LoadDeploySpec((dir_ / "deploy.yaml").string()));
    packager::PackageOptions o;
    o.output = (dir_ / ("staging" + std::to_string(release))).string();
    o.release = release;
    return packager::Package(spec, o).status();
  }
  Status Add(int64_t release, int64_t now) {
    return packager::AddStaging({.repo = (dir_ / "repo").string(),
                                 .staging = (dir_ / ("staging" + std::to_string(release))).string(),
                                 .targets_key = &targets_,
                                 .delegation_key = &team_,
                                 .snapshot_key = &snapshot_,
                                 .timestamp_key = &timestamp_,
                                 .now = now})
        .status();
  }
  Result<std::string> Fetch(const std::string& path, int64_t now) {
    RepoFolderFetcher fetcher(dir_ / "repo");
    trust::FixedClock clock(now);
    trust::UpdaterConfig config{.metadata_dir = (dir_ / "meta").string(),
                                .metadata_url = "https://repo/metadata",
                                .target_url = "https://repo/targets"};
    config.profile = {.check_key_ids = true, .strict_delegated_paths = true};
    trust::Updater updater(config, &fetcher, &clock);
    MOTA_ASSIGN_OR_RETURN(trust::FoundTarget target, updater.GetTargetInfo(path));
    if (target.role != "mlp") return Internal("found through role ", target.role);
    return updater.DownloadTarget(target);
  }

  fs::path dir_;
  tuf::SigningKey root_, targets_, snapshot_, timestamp_, team_;
};

TEST_F(MotaRepoTest, repository_from_mota_repo_init_and_add_refreshes_and_resolves_a_variant) {
  ASSERT_TRUE(Stage(1).ok());
  ASSERT_TRUE(packager::InitRepository({.repo = (dir_ / "repo").string(),
                                        .root_keys = {&root_},
                                        .threshold = 1,
                                        .targets_key = &targets_,
                                        .snapshot_key = &snapshot_,
                                        .timestamp_key = &timestamp_,
                                        .now = kNow})
                  .ok());
  ASSERT_TRUE(Add(1, kNow + 60).ok());
  fs::copy_file(dir_ / "repo/metadata/1.root.json", dir_ / "meta/root.json");

  Result<std::string> index = Fetch("models/mlp/cpu-fp32.r1.json", kNow + 120);
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  const std::string staged = (dir_ / "staging1/targets/models/mlp/cpu-fp32.r1.json").string();
  Result<std::vector<uint8_t>> expected = ReadFile(staged);
  ASSERT_TRUE(expected.ok()) << staged;
  EXPECT_EQ(index.value(), std::string(expected->begin(), expected->end()));

  // The root is rotated to a new key and release 2 is added: the client follows the chain.
  tuf::SigningKey new_root = tuf::SigningKey::Generate().value();
  ASSERT_TRUE(packager::RotateRoot({.repo = (dir_ / "repo").string(),
                                    .old_keys = {&root_},
                                    .new_keys = {&new_root},
                                    .now = kNow + 180})
                  .ok());
  ASSERT_TRUE(Stage(2).ok());
  ASSERT_TRUE(Add(2, kNow + 240).ok());
  Result<std::string> second = Fetch("models/mlp/cpu-fp32.r2.json", kNow + 300);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  Result<std::vector<uint8_t>> root = ReadFile((dir_ / "meta/root.json").string());
  ASSERT_TRUE(root.ok());
  EXPECT_NE(std::string(root->begin(), root->end()).find("\"version\":2"), std::string::npos);
}

}  // namespace
}  // namespace mota
