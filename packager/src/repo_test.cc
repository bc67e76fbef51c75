// The local repository: init + add of a staged tiny model (the shared MLP, one fp32 variant),
// checked the way a client checks it (VerifyRepository walks root -> timestamp -> snapshot ->
// targets -> delegated role -> target hashes with manifests/lib/tuf), and the attacks and
// failures the repository must survive.
#include "packager/src/repo.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "base/file.h"
#include "manifests/lib/tuf/canonical_json.h"
#include "manifests/lib/tuf/target_custom.h"
#include "manifests/lib/tuf/verify.h"
#include "packager/src/package.h"
#include "packager/src/tuf_sign.h"

namespace mota::packager {
namespace {

namespace fs = std::filesystem;

const std::string kModel = std::string(MOTA_SHARED_DIR) + "/models/mlp_784_256_10.onnx";
constexpr int64_t kNow = 1790000000;  // a fixed clock: 2026-09-21

std::string Text(const fs::path& p) {
  auto bytes = ReadFile(p.string());
  EXPECT_TRUE(bytes.ok()) << p;
  return bytes.ok() ? std::string(bytes->begin(), bytes->end()) : "";
}

// Every file under `root`: relative path -> bytes.
std::map<std::string, std::string> Tree(const fs::path& root) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file()) files[fs::relative(e.path(), root).string()] = Text(e.path());
  return files;
}

class RepoTest : public ::testing::Test {
 protected:
  // Packages the MLP once (release 7) for every test: packaging is the slow part.
  static void SetUpTestSuite() {
    // Per process: ctest runs each test in its own process, in parallel, each with this setup.
    base_ = fs::path(::testing::TempDir()) / ("repo_test_staging_" + std::to_string(::getpid()));
    fs::remove_all(base_);
    fs::create_directories(base_);
    std::ofstream((base_ / "deploy.yaml").string())
        << "model: mlp\nversion: \"1.0\"\nsource: " << kModel
        << "\ninputs:\n  input: [1, 784]\nvariants:\n"
           "  - id: cpu-fp32\n    backend: cpu\n    precision: fp32\n    priority: 1\n";
    auto spec = LoadDeploySpec((base_ / "deploy.yaml").string());
    ASSERT_TRUE(spec.ok()) << spec.status().ToString();
    for (int64_t release : {7, 8}) {
      PackageOptions o;
      o.output = (base_ / ("staging" + std::to_string(release))).string();
      o.release = release;
      auto r = Package(*spec, o);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
    }
  }
  static void TearDownTestSuite() { fs::remove_all(base_); }

  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("repo_test_" + std::to_string(::getpid()) + "_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    for (SigningKey* k : {&root_, &targets_, &snapshot_, &timestamp_, &team_, &other_team_}) {
      auto g = SigningKey::Generate();
      ASSERT_TRUE(g.ok());
      *k = *g;
    }
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Staging(int64_t release) const {
    return (base_ / ("staging" + std::to_string(release))).string();
  }
  Status Init(const std::string& repo) {
    return InitRepository({.repo = (dir_ / repo).string(),
                           .root_keys = {&root_},
                           .threshold = 1,
                           .targets_key = &targets_,
                           .snapshot_key = &snapshot_,
                           .timestamp_key = &timestamp_,
                           .now = kNow});
  }
  AddOptions Add(const std::string& repo, int64_t release) {
    return {.repo = (dir_ / repo).string(),
            .staging = Staging(release),
            .targets_key = &targets_,
            .delegation_key = &team_,
            .snapshot_key = &snapshot_,
            .timestamp_key = &timestamp_,
            .now = kNow + 60};
  }

  static fs::path base_;
  fs::path dir_;
  SigningKey root_, targets_, snapshot_, timestamp_, team_, other_team_;
};
fs::path RepoTest::base_;

TEST_F(RepoTest, InitThenAddPublishesAChainAClientVerifiesDownToTheStagedFiles) {
  ASSERT_TRUE(Init("r").ok());
  auto empty = VerifyRepository((dir_ / "r").string(), kNow + 1);
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_TRUE(empty->models.empty());
  EXPECT_EQ(Text(dir_ / "r/metadata/root.json"), Text(dir_ / "r/metadata/1.root.json"));

  auto added = AddStaging(Add("r", 7));
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  EXPECT_EQ(added->role_version, 1);
  EXPECT_EQ(added->snapshot_version, 2);
  EXPECT_EQ(added->timestamp_version, 2);
  EXPECT_GT(added->new_blobs, 0u);

  auto state = VerifyRepository((dir_ / "r").string(), kNow + 120);
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  ASSERT_EQ(state->models.count("mlp"), 1u);
  const auto& delegation = state->targets.delegations->roles.at(0);
  EXPECT_EQ(delegation.name, "mlp");
  EXPECT_EQ(delegation.keyids, std::vector<std::string>{team_.keyid()});
  EXPECT_TRUE(delegation.terminating);
  // Every staged target is listed with its custom metadata, and the stored file is the staged one.
  auto staged = tuf::ParseJson(Text(fs::path(Staging(7)) / "staging.json"), "staging.json");
  ASSERT_TRUE(staged.ok());
  const auto& listed = state->models.at("mlp").targets;
  ASSERT_EQ(listed.size(), (*staged)["targets"].size());
  for (const auto& [path, entry] : (*staged)["targets"].items()) {
    ASSERT_EQ(listed.count(path), 1u) << path;
    EXPECT_EQ(*listed.at(path).custom, entry["custom"]);
    const std::string sha = entry["hashes"]["sha256"];
    const fs::path stored =
        dir_ / "r/targets/models/mlp" / (sha + "." + fs::path(path).filename().string());
    EXPECT_EQ(Text(stored), Text(fs::path(Staging(7)) / "targets" / path));
  }
  // Every chunk the staging holds is in the repository's store.
  for (const auto& [name, bytes] : Tree(fs::path(Staging(7)) / "blobs"))
    EXPECT_EQ(Text(dir_ / "r/blobs" / name), bytes) << name;
}

TEST_F(RepoTest, ASecondReleaseKeepsTheFirstAndReusesItsChunks) {
  ASSERT_TRUE(Init("r").ok());
  ASSERT_TRUE(AddStaging(Add("r", 7)).ok());
  auto second = AddStaging(Add("r", 8));
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->new_blobs, 0u);  // the same model: every chunk is already stored
  EXPECT_EQ(second->role_version, 2);
  auto state = VerifyRepository((dir_ / "r").string(), kNow + 120);
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  EXPECT_EQ(state->models.at("mlp").targets.size(), 2u);
}

TEST_F(RepoTest, AReleaseThatDoesNotIncreaseIsRefusedAndNothingChanges) {
  ASSERT_TRUE(Init("r").ok());
  ASSERT_TRUE(AddStaging(Add("r", 8)).ok());
  const auto before = Tree(dir_ / "r");
  for (int64_t release : {8, 7}) {
    auto again = AddStaging(Add("r", release));
    ASSERT_FALSE(again.ok());
    EXPECT_NE(again.status().message().find("not greater than release 8"), std::string::npos)
        << again.status().ToString();
  }
  EXPECT_EQ(Tree(dir_ / "r"), before);
}

TEST_F(RepoTest, AnotherTeamsKeyCannotPublishIntoAnExistingModel) {
  ASSERT_TRUE(Init("r").ok());
  ASSERT_TRUE(AddStaging(Add("r", 7)).ok());
  AddOptions o = Add("r", 8);
  o.delegation_key = &other_team_;
  auto r = AddStaging(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("is not a key of model \"mlp\""), std::string::npos)
      << r.status().ToString();
}

// The team holding the mlp key signs a role version listing another model's path, and the
// snapshot and timestamp are re-signed around it: the client still rejects the role.
TEST_F(RepoTest, ADelegatedKeyCannotPublishAnotherModelsPath) {
  ASSERT_TRUE(Init("r").ok());
  ASSERT_TRUE(AddStaging(Add("r", 7)).ok());
  auto state = VerifyRepository((dir_ / "r").string(), kNow + 120);
  ASSERT_TRUE(state.ok());
  tuf::Targets forged = state->models.at("mlp");
  forged.version = 2;
  const std::string index = "{\"forged\":true}";
  const std::string path = "models/resnet/cpu-fp32.r1.json";
  tuf::TargetFile f = forged.targets.begin()->second;
  f.length = static_cast<int64_t>(index.size());
  f.hashes["sha256"] = tuf::Sha256Hex(index);
  forged.targets[path] = f;
  auto role_bytes = SignEnvelope(tuf::ToJson(forged), {&team_});
  ASSERT_TRUE(role_bytes.ok());
  fs::create_directories(dir_ / "r/targets/models/resnet");
  ASSERT_TRUE(WriteFileAtomic(
                  (dir_ / "r/targets/models/resnet" / (tuf::Sha256Hex(index) + ".cpu-fp32.r1.json"))
                      .string(),
                  index)
                  .ok());
  tuf::Snapshot snap = state->snapshot;
  snap.version += 1;
  snap.meta["mlp.json"] = {.version = 2,
                           .length = static_cast<int64_t>(role_bytes->size()),
                           .hashes = {{"sha256", tuf::Sha256Hex(*role_bytes)}}};
  auto snap_bytes = SignEnvelope(tuf::ToJson(snap), {&snapshot_});
  tuf::Timestamp ts = state->timestamp;
  ts.version += 1;
  ts.meta["snapshot.json"] = {.version = snap.version,
                              .length = static_cast<int64_t>(snap_bytes->size()),
                              .hashes = {{"sha256", tuf::Sha256Hex(*snap_bytes)}}};
  auto ts_bytes = SignEnvelope(tuf::ToJson(ts), {&timestamp_});
  const fs::path meta = dir_ / "r/metadata";
  ASSERT_TRUE(WriteFileAtomic((meta / "2.mlp.json").string(), *role_bytes).ok());
  ASSERT_TRUE(WriteFileAtomic((meta / (std::to_string(snap.version) + ".snapshot.json")).string(),
                              *snap_bytes)
                  .ok());
  ASSERT_TRUE(WriteFileAtomic((meta / "timestamp.json").string(), *ts_bytes).ok());

  auto verified = VerifyRepository((dir_ / "r").string(), kNow + 120);
  ASSERT_FALSE(verified.ok());
  EXPECT_NE(verified.status().message().find("may not list target \"" + path + "\""),
            std::string::npos)
      << verified.status().ToString();
}

TEST_F(RepoTest, TheSameInputsAndClockGiveAByteIdenticalRepository) {
  for (const char* repo : {"a", "b"}) {
    ASSERT_TRUE(Init(repo).ok());
    ASSERT_TRUE(AddStaging(Add(repo, 7)).ok());
  }
  const auto a = Tree(dir_ / "a");
  EXPECT_EQ(a, Tree(dir_ / "b"));
  EXPECT_TRUE(a.count("metadata/1.mlp.json"));
  EXPECT_TRUE(a.count("metadata/2.targets.json"));
}

TEST_F(RepoTest, AFailureMidAddLeavesThePreviousMetadataValidAndARetrySucceeds) {
  ASSERT_TRUE(Init("r").ok());
  const std::string timestamp_before = Text(dir_ / "r/metadata/timestamp.json");
  AddOptions o = Add("r", 7);
  o.fail_after_metadata_files = 3;  // role, targets and snapshot written; timestamp not
  ASSERT_FALSE(AddStaging(o).ok());
  EXPECT_EQ(Text(dir_ / "r/metadata/timestamp.json"), timestamp_before);
  auto state = VerifyRepository((dir_ / "r").string(), kNow + 120);
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  EXPECT_TRUE(state->models.empty());
  EXPECT_EQ(state->timestamp.version, 1);

  auto retry = AddStaging(Add("r", 7));
  ASSERT_TRUE(retry.ok()) << retry.status().ToString();
  EXPECT_TRUE(VerifyRepository((dir_ / "r").string(), kNow + 120).ok());
}

TEST_F(RepoTest, AStagingBlobThatDiffersFromTheStoredOneIsRefusedBeforeAnythingIsPublished) {
  ASSERT_TRUE(Init("r").ok());
  ASSERT_TRUE(AddStaging(Add("r", 7)).ok());
  const auto blobs = Tree(fs::path(Staging(8)) / "blobs");
  const fs::path victim = dir_ / "r/blobs" / blobs.begin()->first;
  ASSERT_TRUE(WriteFileAtomic(victim.string(), std::string("not the frame")).ok());
  const auto before = Tree(dir_ / "r/metadata");
  auto r = AddStaging(Add("r", 8));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("differs from " + victim.string()), std::string::npos)
      << r.status().ToString();
  EXPECT_EQ(Text(victim), "not the frame");  // never rewritten
  EXPECT_EQ(Tree(dir_ / "r/metadata"), before);
}

TEST_F(RepoTest, InitRefusesAThresholdAboveTheRootKeysAndAnExistingRepository) {
  InitOptions o{.repo = (dir_ / "r").string(),
                .root_keys = {&root_},
                .threshold = 2,
                .targets_key = &targets_,
                .snapshot_key = &snapshot_,
                .timestamp_key = &timestamp_,
                .now = kNow};
  Status st = InitRepository(o);
  EXPECT_NE(st.message().find("--threshold 2: expected 1..1"), std::string::npos) << st.ToString();
  o.root_keys = {&root_, &root_};
  st = InitRepository(o);
  EXPECT_NE(st.message().find("given twice"), std::string::npos) << st.ToString();
  ASSERT_TRUE(Init("r").ok());
  const auto before = Tree(dir_ / "r");
  st = Init("r");
  EXPECT_NE(st.message().find("already exists"), std::string::npos) << st.ToString();
  EXPECT_EQ(Tree(dir_ / "r"), before);
}

TEST_F(RepoTest, ARotatedRootIsSignedByTheOldAndTheNewKeys) {
  ASSERT_TRUE(Init("r").ok());
  SigningKey next = *SigningKey::Generate();
  // Without the old key the new root would not chain: refused, nothing written.
  auto bad = RotateRoot({.repo = (dir_ / "r").string(), .new_keys = {&next}, .now = kNow});
  ASSERT_FALSE(bad.ok());
  EXPECT_FALSE(fs::exists(dir_ / "r/metadata/2.root.json"));

  auto v = RotateRoot(
      {.repo = (dir_ / "r").string(), .old_keys = {&root_}, .new_keys = {&next}, .now = kNow});
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(*v, 2);
  auto state = VerifyRepository((dir_ / "r").string(), kNow + 1);
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  EXPECT_EQ(state->root.roles.at("root").keyids, std::vector<std::string>{next.keyid()});
  EXPECT_EQ(state->root.keys.count(root_.keyid()), 0u);  // the old root key is gone
  EXPECT_EQ(Text(dir_ / "r/metadata/root.json"), Text(dir_ / "r/metadata/2.root.json"));
  // The next rotation needs the new key, not the old one.
  SigningKey third = *SigningKey::Generate();
  EXPECT_FALSE(
      RotateRoot(
          {.repo = (dir_ / "r").string(), .old_keys = {&root_}, .new_keys = {&third}, .now = kNow})
          .ok());
}

TEST_F(RepoTest, AnExpiredTimestampIsRefreshedWithTheTimestampKeyOnly) {
  ASSERT_TRUE(Init("r").ok());
  const int64_t later = kNow + 2 * kDay;
  EXPECT_FALSE(VerifyRepository((dir_ / "r").string(), later).ok());
  EXPECT_FALSE(RefreshTimestamp((dir_ / "r").string(), snapshot_, later).ok());
  auto v = RefreshTimestamp((dir_ / "r").string(), timestamp_, later);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(*v, 2);
  auto state = VerifyRepository((dir_ / "r").string(), later + 1);
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  EXPECT_EQ(state->timestamp.expires, later + kDay);
}

RevokeOptions RevokeOf(const fs::path& repo, int64_t release, const SigningKey* team) {
  return {.repo = repo.string(),
          .model = "mlp",
          .release = release,
          .delegation_key = team,
          .snapshot_key = nullptr,
          .timestamp_key = nullptr,
          .reason = "wrong labels",
          .now = kNow + 600};
}

TEST_F(RepoTest, RevokingAReleaseMarksItsTargetsAndLeavesTheOtherReleaseAndTheChainValid) {
  ASSERT_TRUE(Init("r").ok());
  ASSERT_TRUE(AddStaging(Add("r", 7)).ok());
  ASSERT_TRUE(AddStaging(Add("r", 8)).ok());
  auto before = VerifyRepository((dir_ / "r").string(), kNow + 120);
  ASSERT_TRUE(before.ok());
  RevokeOptions o = RevokeOf(dir_ / "r", 7, &team_);
  o.snapshot_key = &snapshot_;
  o.timestamp_key = &timestamp_;
  auto revoked = Revoke(o);
  ASSERT_TRUE(revoked.ok()) << revoked.status().ToString();
  EXPECT_EQ(revoked->targets, std::vector<std::string>{"models/mlp/cpu-fp32.r7.json"});
  EXPECT_EQ(revoked->role_version, 3);
  EXPECT_EQ(revoked->snapshot_version, before->snapshot.version + 1);
  EXPECT_EQ(revoked->timestamp_version, before->timestamp.version + 1);

  auto after = VerifyRepository((dir_ / "r").string(), kNow + 700);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->targets.version, before->targets.version);  // targets.json is not touched
  const auto& old_targets = before->models.at("mlp").targets;
  const auto& new_targets = after->models.at("mlp").targets;
  const tuf::TargetFile& r7 = new_targets.at("models/mlp/cpu-fp32.r7.json");
  auto custom = tuf::ParseVariantTarget(*r7.custom, "r7");
  ASSERT_TRUE(custom.ok()) << custom.status().ToString();
  EXPECT_TRUE(custom->revoked);
  EXPECT_EQ((*r7.custom)["revoked_reason"], "wrong labels");
  // Length and hashes never change: the device fetches nothing new to learn of a revocation.
  EXPECT_EQ(r7.length, old_targets.at("models/mlp/cpu-fp32.r7.json").length);
  EXPECT_EQ(r7.hashes, old_targets.at("models/mlp/cpu-fp32.r7.json").hashes);
  EXPECT_EQ(*new_targets.at("models/mlp/cpu-fp32.r8.json").custom,
            *old_targets.at("models/mlp/cpu-fp32.r8.json").custom);
}

TEST_F(RepoTest, RevokingTwiceAnUnknownReleaseOrModelOrWithAnotherTeamsKeyIsRefused) {
  ASSERT_TRUE(Init("r").ok());
  ASSERT_TRUE(AddStaging(Add("r", 7)).ok());
  RevokeOptions o = RevokeOf(dir_ / "r", 7, &team_);
  o.snapshot_key = &snapshot_;
  o.timestamp_key = &timestamp_;
  ASSERT_TRUE(Revoke(o).ok());
  const auto before = Tree(dir_ / "r");

  auto twice = Revoke(o);
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.status().message().find("already revoked"), std::string::npos)
      << twice.status().ToString();
  RevokeOptions unknown_release = o;
  unknown_release.release = 9;
  auto r9 = Revoke(unknown_release);
  ASSERT_FALSE(r9.ok());
  EXPECT_NE(r9.status().message().find("has no release 9 (releases listed: 7)"), std::string::npos)
      << r9.status().ToString();
  RevokeOptions unknown_model = o;
  unknown_model.model = "resnet";
  auto model = Revoke(unknown_model);
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("model \"resnet\" is not in"), std::string::npos)
      << model.status().ToString();
  RevokeOptions stranger = o;
  stranger.delegation_key = &other_team_;
  auto key = Revoke(stranger);
  ASSERT_FALSE(key.ok());
  EXPECT_NE(key.status().message().find("is not a key of model \"mlp\"'s role"), std::string::npos)
      << key.status().ToString();
  EXPECT_EQ(Tree(dir_ / "r"), before);  // no refused revoke writes anything
  ASSERT_TRUE(VerifyRepository((dir_ / "r").string(), kNow + 700).ok());
}

// ---- PlanPublish (mota publish's client side), with the local repository as the "server" ----

MetadataFetcher LocalFetcher(const fs::path& repo, std::map<std::string, std::string> tamper = {}) {
  return [repo, tamper](const std::string& file) -> Result<std::string> {
    if (auto it = tamper.find(file); it != tamper.end()) return it->second;
    const fs::path path = repo / "metadata" / file;
    if (!fs::exists(path)) return NotFound("no ", file);
    auto bytes = ReadFile(path.string());
    if (!bytes.ok()) return bytes.status();
    return std::string(bytes->begin(), bytes->end());
  };
}

TEST_F(RepoTest, PlanPublishSignsTheVerifiedRoleWithTheStagedReleaseAdded) {
  ASSERT_TRUE(Init("r").ok());
  ASSERT_TRUE(AddStaging(Add("r", 7)).ok());
  auto plan = PlanPublish(LocalFetcher(dir_ / "r"),
                          {.staging = Staging(8), .team_key = &team_, .now = kNow + 120});
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_EQ(plan->release, 8);
  EXPECT_TRUE(plan->targets_metadata.empty());  // the delegation exists already
  auto env = tuf::ParseEnvelope(plan->role_metadata, "role");
  ASSERT_TRUE(env.ok());
  auto role = tuf::ParseTargets(env->signed_json, "role");
  ASSERT_TRUE(role.ok());
  EXPECT_EQ(role->version, 2);
  EXPECT_EQ(role->targets.size(), 2u);  // release 7 kept, release 8 added
  EXPECT_EQ(plan->target_files.count("models/mlp/cpu-fp32.r8.json"), 1u);
}

TEST_F(RepoTest, PlanPublishRefusesAReleaseThatDoesNotIncreaseAndRelabelsWithNextRelease) {
  ASSERT_TRUE(Init("r").ok());
  ASSERT_TRUE(AddStaging(Add("r", 8)).ok());
  auto refused = PlanPublish(LocalFetcher(dir_ / "r"),
                             {.staging = Staging(7), .team_key = &team_, .now = kNow + 120});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("--next-release"), std::string::npos)
      << refused.status().message();
  auto next = PlanPublish(
      LocalFetcher(dir_ / "r"),
      {.staging = Staging(7), .team_key = &team_, .next_release = true, .now = kNow + 120});
  ASSERT_TRUE(next.ok()) << next.status().message();
  EXPECT_EQ(next->release, 9);
  EXPECT_EQ(next->target_files.count("models/mlp/cpu-fp32.r9.json"), 1u);
}

TEST_F(RepoTest, PublisherDoesNotSignAListingTheServerTamperedWith) {
  ASSERT_TRUE(Init("r").ok());
  ASSERT_TRUE(AddStaging(Add("r", 7)).ok());
  // The server offers a role with an extra target, signed by a key of its own: the snapshot's
  // hash no longer matches, and the signature is not the delegated key's.
  auto bytes = ReadFile((dir_ / "r" / "metadata" / "1.mlp.json").string());
  ASSERT_TRUE(bytes.ok());
  auto env = tuf::ParseEnvelope(std::string(bytes->begin(), bytes->end()), "1.mlp.json");
  ASSERT_TRUE(env.ok());
  tuf::Json forged = env->signed_json;
  forged["targets"]["models/mlp/evil.r7.json"] = forged["targets"].begin().value();
  auto forged_bytes = SignEnvelope(forged, {&other_team_});
  ASSERT_TRUE(forged_bytes.ok());
  auto plan = PlanPublish(LocalFetcher(dir_ / "r", {{"1.mlp.json", *forged_bytes}}),
                          {.staging = Staging(8), .team_key = &team_, .now = kNow + 120});
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("1.mlp.json"), std::string::npos)
      << plan.status().message();
}

TEST_F(RepoTest, PlanPublishOfANewModelNeedsTheTargetsKey) {
  ASSERT_TRUE(Init("r").ok());
  auto refused = PlanPublish(LocalFetcher(dir_ / "r"),
                             {.staging = Staging(7), .team_key = &team_, .now = kNow + 120});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("--targets-key"), std::string::npos);
  auto plan = PlanPublish(
      LocalFetcher(dir_ / "r"),
      {.staging = Staging(7), .team_key = &team_, .targets_key = &targets_, .now = kNow + 120});
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_FALSE(plan->targets_metadata.empty());
  EXPECT_FALSE(plan->blobs.empty());
}

}  // namespace
}  // namespace mota::packager
