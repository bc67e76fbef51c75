// The TUF client against a simulated repository, one attack or fault per test (go-tuf's
// updater_top_level_update_test.go, python-tuf's test_updater_top_level_update.py).
#include "delivery/trust/updater.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "base/file.h"
#include "delivery/trust/test_repo_test_util.h"
#include "manifests/lib/tuf/canonical_json.h"
#include "manifests/lib/tuf/verify.h"
#include "manifests/lib/tuf_sign/sign.h"

namespace mota::trust {
namespace {

using testing::kDay;
using testing::kNow;

class UpdaterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("metadata");
    repo_.AddTarget("targets", "files/a.txt", "hello, device");
    repo_.PublishRoot();
    repo_.Publish();
    ASSERT_TRUE(WriteFileAtomic(dir_ + "/root.json", repo_.RootBytes()).ok());
  }

  UpdaterConfig Config() const {
    return {.metadata_dir = dir_,
            .metadata_url = testing::kMetadataUrl,
            .target_url = testing::kTargetUrl};
  }
  Status Refresh() {
    Updater updater(Config(), &fetcher_, &clock_);
    return updater.Refresh();
  }
  Result<std::string> Download(const std::string& path) {
    Updater updater(Config(), &fetcher_, &clock_);
    MOTA_ASSIGN_OR_RETURN(FoundTarget target, updater.GetTargetInfo(path));
    return updater.DownloadTarget(target);
  }
  // The version of the trusted file `role`.json in the metadata dir (0: none).
  int64_t LocalVersion(const std::string& role) const {
    Result<std::vector<uint8_t>> bytes = ReadFile(dir_ + "/" + role + ".json");
    if (!bytes.ok()) return 0;
    Result<tuf::Envelope> env = tuf::ParseEnvelope(
        std::string_view(reinterpret_cast<const char*>(bytes.value().data()), bytes.value().size()),
        role);
    return env.ok() ? env.value().signed_json["version"].get<int64_t>() : -1;
  }
  // Republishes with every version bumped.
  void Advance() {
    repo_.BumpVersions();
    repo_.Publish();
  }

  testing::TestRepo repo_;
  testing::RepoFetcher fetcher_{&repo_};
  FixedClock clock_{kNow};
  std::string dir_;
};

TEST_F(UpdaterTest, refresh_persists_verified_metadata_and_downloads_a_target) {
  ASSERT_TRUE(Refresh().ok()) << Refresh().ToString();
  for (const char* role : {"root", "timestamp", "snapshot", "targets"}) {
    EXPECT_EQ(LocalVersion(role), 1) << role;
  }
  Result<std::string> bytes = Download("files/a.txt");
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  EXPECT_EQ(bytes.value(), "hello, device");
}

TEST_F(UpdaterTest, cached_snapshot_and_targets_are_not_downloaded_again) {
  ASSERT_TRUE(Refresh().ok());
  ASSERT_TRUE(Refresh().ok());
  EXPECT_EQ(fetcher_.requests["metadata/timestamp.json"], 2);
  EXPECT_EQ(fetcher_.requests["metadata/1.snapshot.json"], 1);
  EXPECT_EQ(fetcher_.requests["metadata/1.targets.json"], 1);
}

TEST_F(UpdaterTest, unknown_fields_are_kept_in_the_persisted_metadata) {
  repo_.timestamp.unrecognized["x-mirror-note"] = "kept";
  Advance();
  ASSERT_TRUE(Refresh().ok());
  Result<std::vector<uint8_t>> local = ReadFile(dir_ + "/timestamp.json");
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(std::string(local.value().begin(), local.value().end()),
            repo_.files["metadata/timestamp.json"]);
}

TEST_F(UpdaterTest, timestamp_rollback_is_rejected) {
  const std::string old_timestamp = repo_.files["metadata/timestamp.json"];
  Advance();
  ASSERT_TRUE(Refresh().ok());
  fetcher_.overrides["metadata/timestamp.json"] = old_timestamp;  // validly signed, version 1
  Status st = Refresh();
  EXPECT_EQ(st.code(), StatusCode::kVerificationFailed) << st.ToString();
  EXPECT_NE(st.message().find("rollback"), std::string::npos) << st.message();
  EXPECT_EQ(LocalVersion("timestamp"), 2);
}

TEST_F(UpdaterTest, snapshot_rollback_is_rejected) {
  Advance();  // snapshot 2
  ASSERT_TRUE(Refresh().ok());
  // A new timestamp (signed with the real key) pointing back at snapshot version 1.
  repo_.timestamp.version = 3;
  repo_.timestamp.meta["snapshot.json"].version = 1;
  fetcher_.overrides["metadata/timestamp.json"] =
      repo_.Sign(tuf::ToJson(repo_.timestamp), "timestamp");
  Status st = Refresh();
  EXPECT_EQ(st.code(), StatusCode::kVerificationFailed) << st.ToString();
  EXPECT_NE(st.message().find("rollback"), std::string::npos) << st.message();
  EXPECT_EQ(LocalVersion("snapshot"), 2);
}

TEST_F(UpdaterTest, targets_rollback_in_a_new_snapshot_is_rejected) {
  Advance();  // targets 2
  ASSERT_TRUE(Refresh().ok());
  repo_.targets.version = 1;  // the snapshot now lists targets version 1
  ++repo_.snapshot.version;
  ++repo_.timestamp.version;
  repo_.Publish();
  Status st = Refresh();
  EXPECT_EQ(st.code(), StatusCode::kVerificationFailed) << st.ToString();
  EXPECT_NE(st.message().find("targets.json at version 1"), std::string::npos) << st.message();
}

TEST_F(UpdaterTest, targets_version_mismatch_with_snapshot_is_rejected) {
  repo_.snapshot_meta_hashes = false;  // only the version ties snapshot and targets together
  Advance();
  // Served as 2.targets.json, signed by the targets key, but its version is 3.
  tuf::Targets other = repo_.targets;
  other.version = 3;
  fetcher_.overrides["metadata/2.targets.json"] = repo_.Sign(tuf::ToJson(other), "targets");
  Status st = Refresh();
  EXPECT_EQ(st.code(), StatusCode::kVerificationFailed) << st.ToString();
  EXPECT_NE(st.message().find("version 3 differs from the version 2"), std::string::npos)
      << st.message();
  EXPECT_EQ(LocalVersion("targets"), 0);
}

TEST_F(UpdaterTest, expired_timestamp_is_rejected) {
  clock_.Set(repo_.timestamp.expires);  // expired at exactly `expires`
  Status st = Refresh();
  EXPECT_EQ(st.code(), StatusCode::kVerificationFailed) << st.ToString();
  EXPECT_NE(st.message().find("timestamp.json: expired"), std::string::npos) << st.message();
  EXPECT_EQ(LocalVersion("snapshot"), 0);
}

TEST_F(UpdaterTest, expired_final_root_is_rejected) {
  clock_.Set(repo_.root.expires + 1);
  Status st = Refresh();
  EXPECT_NE(st.message().find("root.json (final): expired"), std::string::npos) << st.message();
}

TEST_F(UpdaterTest, root_rotation_requires_both_thresholds) {
  const tuf::SigningKey old_key = repo_.keys["root"][0];
  repo_.RotateKey("root");
  repo_.root.version = 2;
  repo_.PublishRoot();  // signed by the new key only: the old root's threshold is not met
  Status st = Refresh();
  EXPECT_EQ(st.code(), StatusCode::kVerificationFailed) << st.ToString();
  EXPECT_NE(st.message().find("by the trusted root's keys"), std::string::npos) << st.message();

  // Signed by the old key only: the new root's own threshold is not met.
  Result<std::string> only_old = tuf::SignEnvelope(tuf::ToJson(repo_.root), {&old_key});
  ASSERT_TRUE(only_old.ok());
  repo_.files["metadata/2.root.json"] = only_old.value();
  st = Refresh();
  EXPECT_NE(st.message().find("by its own keys"), std::string::npos) << st.message();
  EXPECT_EQ(LocalVersion("root"), 1);

  repo_.PublishRoot({&old_key});  // both
  ASSERT_TRUE(Refresh().ok()) << Refresh().ToString();
  EXPECT_EQ(LocalVersion("root"), 2);
}

TEST_F(UpdaterTest, root_rotation_skipping_a_version_is_rejected) {
  const tuf::SigningKey old_key = repo_.keys["root"][0];
  repo_.root.version = 3;
  repo_.PublishRoot();
  repo_.files["metadata/2.root.json"] = repo_.files["metadata/3.root.json"];
  Status st = Refresh();
  EXPECT_EQ(st.code(), StatusCode::kVerificationFailed) << st.ToString();
  EXPECT_NE(st.message().find("root version 3 does not follow the trusted version 1"),
            std::string::npos)
      << st.message();
  EXPECT_EQ(LocalVersion("root"), 1);
}

TEST_F(UpdaterTest, root_chain_is_followed_to_the_newest_version) {
  for (int64_t v = 2; v <= 4; ++v) {
    const tuf::SigningKey old_key = repo_.keys["root"][0];
    repo_.RotateKey("root");
    repo_.root.version = v;
    repo_.PublishRoot({&old_key});
  }
  ASSERT_TRUE(Refresh().ok()) << Refresh().ToString();
  EXPECT_EQ(LocalVersion("root"), 4);
  EXPECT_EQ(fetcher_.requests["metadata/5.root.json"], 1);  // the 404 that ends the chain
}

TEST_F(UpdaterTest, fast_forward_attack_recovery_after_key_rotation) {
  // An attacker holding the timestamp key publishes version 1000: the client trusts it.
  repo_.timestamp.version = 1000;
  repo_.Publish();
  ASSERT_TRUE(Refresh().ok());
  ASSERT_EQ(LocalVersion("timestamp"), 1000);
  // The repository rotates the timestamp key in root v2 and goes on at version 2.
  const tuf::SigningKey old_root = repo_.keys["root"][0];
  repo_.RotateKey("timestamp");
  repo_.root.version = 2;
  repo_.PublishRoot({&old_root});
  repo_.timestamp.version = 2;
  repo_.Publish();
  ASSERT_TRUE(Refresh().ok()) << Refresh().ToString();
  EXPECT_EQ(LocalVersion("timestamp"), 2);
}

TEST_F(UpdaterTest, duplicate_key_signatures_count_once) {
  repo_.root.roles["timestamp"].threshold = 2;  // one key, listed once, signing twice
  repo_.root.version = 2;
  repo_.PublishRoot({&repo_.keys["root"][0]});
  Result<tuf::Envelope> env = tuf::ParseEnvelope(repo_.files["metadata/timestamp.json"], "ts");
  ASSERT_TRUE(env.ok());
  std::vector<tuf::Signature> twice = {env.value().signatures[0], env.value().signatures[0]};
  Result<std::string> doubled = tuf::SerializeEnvelope(env.value().signed_json, twice);
  ASSERT_TRUE(doubled.ok());
  fetcher_.overrides["metadata/timestamp.json"] = doubled.value();
  Status st = Refresh();
  EXPECT_EQ(st.code(), StatusCode::kVerificationFailed) << st.ToString();
  EXPECT_NE(st.message().find("has 1 valid signature(s)"), std::string::npos) << st.message();
}

TEST_F(UpdaterTest, mix_and_match_snapshot_is_rejected) {
  // A validly signed snapshot of the right version, but not the one the timestamp lists.
  tuf::Snapshot other = repo_.snapshot;
  other.expires += 1;  // same length, other bytes
  fetcher_.overrides["metadata/1.snapshot.json"] = repo_.Sign(tuf::ToJson(other), "snapshot");
  Status st = Refresh();
  EXPECT_EQ(st.code(), StatusCode::kVerificationFailed) << st.ToString();
  EXPECT_NE(st.message().find("snapshot.json: sha256"), std::string::npos) << st.message();
  EXPECT_EQ(LocalVersion("snapshot"), 0);
}

TEST_F(UpdaterTest, endless_data_is_cut_at_the_length_cap) {
  fetcher_.overrides["metadata/timestamp.json"] = std::string(1 << 20, ' ');
  Status st = Refresh();
  EXPECT_EQ(st.code(), StatusCode::kOutOfRange) << st.ToString();
  EXPECT_EQ(fetcher_.caps["metadata/timestamp.json"], 16384);
  // A fetcher that ignores the cap is still stopped by the updater.
  fetcher_.ignore_cap = true;
  EXPECT_EQ(Refresh().code(), StatusCode::kOutOfRange);
  fetcher_.ignore_cap = false;
  fetcher_.overrides.clear();
  // The snapshot's cap is its signed length; a target's is its signed length.
  ASSERT_TRUE(Refresh().ok());
  EXPECT_EQ(fetcher_.caps["metadata/1.snapshot.json"],
            static_cast<int64_t>(repo_.files["metadata/1.snapshot.json"].size()));
  for (auto& [path, bytes] : repo_.files) {
    if (path.rfind("targets/", 0) == 0) fetcher_.overrides[path] = bytes + "more and more";
  }
  EXPECT_EQ(Download("files/a.txt").status().code(), StatusCode::kOutOfRange);
}

TEST_F(UpdaterTest, target_with_wrong_hash_is_rejected) {
  for (auto& [path, bytes] : repo_.files) {
    if (path.rfind("targets/", 0) == 0) fetcher_.overrides[path] = "HELLO, device";  // same length
  }
  Result<std::string> bytes = Download("files/a.txt");
  EXPECT_EQ(bytes.status().code(), StatusCode::kVerificationFailed) << bytes.status().ToString();
  EXPECT_NE(bytes.status().message().find("sha256"), std::string::npos);
}

TEST_F(UpdaterTest, target_cache_is_checked_by_hash) {
  Updater updater(Config(), &fetcher_, &clock_);
  Result<FoundTarget> t = updater.GetTargetInfo("files/a.txt");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  const std::string local = dir_ + "/a.txt";
  EXPECT_FALSE(updater.IsCached(t.value(), local));
  ASSERT_TRUE(WriteFileAtomic(local, std::string("hello, device")).ok());
  EXPECT_TRUE(updater.IsCached(t.value(), local));
  ASSERT_TRUE(WriteFileAtomic(local, std::string("hello, DEVICE")).ok());
  EXPECT_FALSE(updater.IsCached(t.value(), local));
}

TEST_F(UpdaterTest, repository_without_consistent_snapshots_is_read_by_plain_names) {
  const tuf::SigningKey old_root = repo_.keys["root"][0];
  repo_.root.consistent_snapshot = false;
  repo_.root.version = 2;
  repo_.PublishRoot({&old_root});
  Advance();
  Result<std::string> bytes = Download("files/a.txt");
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  EXPECT_EQ(fetcher_.requests["metadata/snapshot.json"], 1);
  EXPECT_EQ(fetcher_.requests["metadata/targets.json"], 1);
  EXPECT_EQ(fetcher_.requests["targets/files/a.txt"], 1);
  EXPECT_EQ(fetcher_.requests["metadata/2.snapshot.json"], 0);
}

TEST_F(UpdaterTest, unknown_target_is_not_found) {
  EXPECT_EQ(Download("files/none.txt").status().code(), StatusCode::kNotFound);
}

// targets -> a (terminating, *.txt), b (*.txt): only b lists the file.
TEST_F(UpdaterTest, delegation_terminating_stops_search) {
  repo_.Delegate("targets", "a", {"*.txt"}, /*terminating=*/true);
  repo_.Delegate("targets", "b", {"*.txt"}, /*terminating=*/false);
  repo_.AddTarget("b", "file.txt", "from b");
  Advance();
  EXPECT_EQ(Download("file.txt").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(fetcher_.requests["metadata/2.a.json"], 1);
  EXPECT_EQ(fetcher_.requests["metadata/2.b.json"], 0);

  repo_.targets.delegations->roles[0].terminating = false;
  Advance();
  Result<std::string> bytes = Download("file.txt");
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  EXPECT_EQ(bytes.value(), "from b");
}

TEST_F(UpdaterTest, delegated_role_signed_by_the_wrong_key_is_rejected) {
  repo_.Delegate("targets", "team", {"models/team/*"}, false);
  repo_.AddTarget("team", "models/team/v.json", "{}");
  repo_.keys["team"] = {tuf::SigningKey::Generate().value()};  // not the delegated key
  Advance();
  Status st = Download("models/team/v.json").status();
  EXPECT_EQ(st.code(), StatusCode::kVerificationFailed) << st.ToString();
  EXPECT_NE(st.message().find("role team has 0 valid signature"), std::string::npos)
      << st.message();
}

TEST_F(UpdaterTest, delegated_role_named_like_a_top_level_role_is_rejected) {
  tuf::DelegatedRole role;
  role.name = "timestamp";
  role.keyids = {repo_.keys["targets"][0].keyid()};
  role.paths = std::vector<std::string>{"*"};
  repo_.targets.delegations = tuf::Delegations{};
  repo_.targets.delegations->keys[role.keyids[0]] = repo_.keys["targets"][0].PublicKey();
  repo_.targets.delegations->roles.push_back(role);
  Advance();
  Status st = Download("files/a.txt").status();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
  EXPECT_NE(st.message().find("may not be named \"timestamp\""), std::string::npos) << st.message();
  EXPECT_EQ(LocalVersion("timestamp"), 2);  // the trusted timestamp file is the real one
}

TEST_F(UpdaterTest, delegation_cycle_and_depth_are_bounded) {
  // targets -> r1 -> r2 -> r3 -> r4, and r4 delegates back to r1; only r4 lists the file.
  repo_.Delegate("targets", "r1", {"*"}, false);
  for (int i = 2; i <= 4; ++i) {
    repo_.Delegate("r" + std::to_string(i - 1), "r" + std::to_string(i), {"*"}, false);
  }
  tuf::DelegatedRole back;
  back.name = "r1";
  back.keyids = {repo_.keys["r1"][0].keyid()};
  back.paths = std::vector<std::string>{"*"};
  repo_.delegated["r4"].delegations = tuf::Delegations{};
  repo_.delegated["r4"].delegations->keys[back.keyids[0]] = repo_.keys["r1"][0].PublicKey();
  repo_.delegated["r4"].delegations->roles.push_back(back);
  repo_.AddTarget("r4", "deep.txt", "deep");
  Advance();
  EXPECT_EQ(Download("missing.txt").status().code(), StatusCode::kNotFound);  // cycle ends
  EXPECT_EQ(fetcher_.requests["metadata/2.r1.json"], 1);
  ASSERT_TRUE(Download("deep.txt").ok());
  UpdaterConfig shallow = Config();
  shallow.max_delegations = 2;  // targets, r1, r2 at most
  Updater updater(shallow, &fetcher_, &clock_);
  Result<FoundTarget> t = updater.GetTargetInfo("deep.txt");
  EXPECT_EQ(t.status().code(), StatusCode::kNotFound) << t.status().ToString();
}

TEST_F(UpdaterTest, path_hash_prefix_delegation_finds_target) {
  const std::string path = "bins/blob.bin";
  const std::string digest = tuf::Sha256Hex(path);
  tuf::DelegatedRole& role = repo_.Delegate("targets", "prefixed", {}, false);
  role.paths.reset();
  role.path_hash_prefixes = std::vector<std::string>{digest.substr(0, 2)};
  repo_.AddTarget("prefixed", path, "binned");
  Advance();
  Result<std::string> bytes = Download(path);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  EXPECT_EQ(bytes.value(), "binned");
}

TEST_F(UpdaterTest, hash_bin_delegation_finds_target) {
  // TAP 15 succinct roles: 16 bins "bin-0".."bin-f", one key for all.
  const tuf::SigningKey bins_key = tuf::SigningKey::Generate().value();
  SuccinctRoles succinct{{bins_key.keyid()}, 1, 4, "bin"};
  repo_.targets.delegations = tuf::Delegations{};
  repo_.targets.delegations->keys[bins_key.keyid()] = bins_key.PublicKey();
  repo_.targets.delegations->unrecognized["succinct_roles"] = {
      {"keyids", succinct.keyids}, {"threshold", 1}, {"bit_length", 4}, {"name_prefix", "bin"}};
  const std::string path = "data/file-17.bin";
  const std::string bin = succinct.RoleForTarget(path);
  for (int i = 0; i < 16; ++i) {
    char name[8];
    std::snprintf(name, sizeof(name), "bin-%x", i);
    repo_.delegated[name].expires = kNow + 90 * kDay;
    repo_.keys[name] = {bins_key};
  }
  repo_.AddTarget(bin, path, "in its bin");
  Advance();
  Result<std::string> bytes = Download(path);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  EXPECT_EQ(bytes.value(), "in its bin");
  EXPECT_EQ(fetcher_.requests["metadata/2." + bin + ".json"], 1);
  int bins_fetched = 0;
  for (auto& [p, n] : fetcher_.requests) bins_fetched += p.find(".bin-") != std::string::npos;
  EXPECT_EQ(bins_fetched, 1);  // only the target's bin
}

TEST(DelegationPatterns, star_does_not_cross_a_slash) {
  EXPECT_TRUE(PathPatternMatches("models/mlp/*", "models/mlp/cpu.r1.json"));
  EXPECT_FALSE(PathPatternMatches("models/mlp/*", "models/mlp/x/cpu.r1.json"));
  EXPECT_FALSE(PathPatternMatches("models/*", "models/mlp/cpu.r1.json"));
  EXPECT_TRUE(PathPatternMatches("*/*.json", "models/a.json"));
  EXPECT_TRUE(PathPatternMatches("file?.[a-c]xt", "file1.bxt"));
  EXPECT_FALSE(PathPatternMatches("file?.[!a-c]xt", "file1.bxt"));
  EXPECT_TRUE(PathPatternMatches("a*", "a"));
}

TEST(SuccinctRolesTest, bins_cover_the_hash_space) {
  SuccinctRoles s{{}, 1, 8, "b"};
  EXPECT_TRUE(s.IsDelegatedRole("b-00"));
  EXPECT_TRUE(s.IsDelegatedRole("b-ff"));
  EXPECT_FALSE(s.IsDelegatedRole("b-100"));
  EXPECT_FALSE(s.IsDelegatedRole("c-00"));
  const std::string digest = tuf::Sha256Hex("x");
  EXPECT_EQ(s.RoleForTarget("x"), "b-" + digest.substr(0, 2));
}

}  // namespace
}  // namespace mota::trust
