// A model's targets and rollout document read from the TUF client's verified state, on a
// simulated repository (delivery/trust's TestRepo): every release's variants, the rollout the
// snapshot lists and its checks, and the choice Select makes from them.
#include "delivery/select/model_targets.h"

#include <gtest/gtest.h>

#include "base/file.h"
#include "delivery/select/select.h"
#include "delivery/trust/test_repo_test_util.h"

namespace mota::select {
namespace {

namespace tt = trust::testing;

class ModelTargetsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tt::MakeTempDir("select_meta");
    repo_.Delegate("targets", "mlp", {"models/mlp/*"}, true);
    for (int64_t release : {1, 2}) {
      AddVariant(release, "cpu-fp32", 10);
      AddVariant(release, "cpu-fast", 50);
    }
    repo_.PublishRoot();
  }

  void AddVariant(int64_t release, const std::string& id, int64_t priority) {
    tuf::VariantTarget v;
    v.model = "mlp";
    v.release = release;
    v.version = "1.0";
    v.variant = id;
    v.backend = "cpu";
    v.precision = "fp32";
    v.priority = priority;
    v.min_runtime_version = "0.1.0";
    const std::string path = tuf::VariantTargetPath("mlp", id, release);
    repo_.AddTarget("mlp", path, "{}");
    repo_.TargetsOf("mlp").targets[path].custom = tuf::ToJson(v);
  }

  // Lists a rollout document in snapshot, signed by `role`'s keys.
  void PublishRollout(const rollout::Rollout& doc, const std::string& role = "snapshot") {
    const std::string bytes = repo_.Sign(rollout::ToJson(doc), role);
    repo_.files["metadata/" + rollout::RolloutFileName("mlp", doc.version)] = bytes;
    tuf::MetaFile meta;
    meta.version = doc.version;
    meta.length = static_cast<int64_t>(bytes.size());
    meta.hashes["sha256"] = tuf::Sha256Hex(bytes);
    repo_.snapshot.meta[rollout::RolloutMetaName("mlp")] = meta;
  }

  rollout::Rollout Doc(rollout::State second) {
    rollout::Rollout doc;
    doc.model = "mlp";
    doc.version = 1;
    doc.expires = tt::kNow + tt::kDay;
    for (int64_t release : {1, 2}) {
      rollout::ReleaseRollout e;
      e.release = release;
      e.basis_points = 10000;
      e.state = release == 2 ? second : rollout::State::kActive;
      doc.releases.push_back(e);
    }
    return doc;
  }

  Result<ModelTargets> Load() {
    if (!WriteFileAtomic(dir_ + "/root.json", repo_.RootBytes()).ok()) return Internal("root");
    trust::UpdaterConfig config{
        .metadata_dir = dir_, .metadata_url = tt::kMetadataUrl, .target_url = tt::kTargetUrl};
    trust::Updater updater(config, &fetcher_, &clock_);
    return LoadModelTargets(updater, fetcher_, tt::kMetadataUrl, "mlp", 0, clock_.Now());
  }

  tt::TestRepo repo_;
  tt::RepoFetcher fetcher_{&repo_};
  trust::FixedClock clock_{tt::kNow};
  std::string dir_;
};

TEST_F(ModelTargetsTest, every_release_is_read_and_a_target_without_valid_custom_is_skipped) {
  repo_.AddTarget("mlp", "models/mlp/broken.r2.json", "{}");  // no custom at all
  repo_.Publish();
  Result<ModelTargets> m = Load();
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->targets.size(), 4u) << (m->skipped.size() > 1 ? m->skipped[1] : "");
  EXPECT_FALSE(m->rollout.has_value());
  ASSERT_EQ(m->skipped.size(), 1u);
  EXPECT_EQ(m->skipped[0], "models/mlp/broken.r2.json: no custom metadata");
  SelectInput in{.model = "mlp", .targets = m->targets, .install_id = "id-1"};
  in.device.runtime_version = "0.1.0";
  Result<Selection> s = Select(in);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->release, 2);
  EXPECT_EQ(s->variant, "cpu-fast");
}

TEST_F(ModelTargetsTest,
       the_rollout_listed_in_snapshot_is_verified_and_holds_back_a_halted_release) {
  PublishRollout(Doc(rollout::State::kHalted));
  repo_.Publish();
  Result<ModelTargets> m = Load();
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_TRUE(m->rollout.has_value());
  SelectInput in{
      .model = "mlp", .targets = m->targets, .rollout = &*m->rollout, .install_id = "id-1"};
  in.device.runtime_version = "0.1.0";
  Result<Selection> s = Select(in);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->release, 1);
  EXPECT_EQ(s->variant, "cpu-fast");
}

TEST_F(ModelTargetsTest, a_rollout_signed_by_another_role_is_refused) {
  PublishRollout(Doc(rollout::State::kActive), "targets");
  repo_.Publish();
  Result<ModelTargets> m = Load();
  EXPECT_EQ(m.status().code(), StatusCode::kVerificationFailed) << m.status().ToString();
}

TEST_F(ModelTargetsTest, an_unpublished_model_is_not_found) {
  repo_.Publish();
  if (!WriteFileAtomic(dir_ + "/root.json", repo_.RootBytes()).ok()) FAIL();
  trust::UpdaterConfig config{
      .metadata_dir = dir_, .metadata_url = tt::kMetadataUrl, .target_url = tt::kTargetUrl};
  trust::Updater updater(config, &fetcher_, &clock_);
  Result<ModelTargets> m =
      LoadModelTargets(updater, fetcher_, tt::kMetadataUrl, "resnet", 0, clock_.Now());
  EXPECT_EQ(m.status().code(), StatusCode::kNotFound);
  EXPECT_NE(m.status().message().find("delegate no role \"resnet\""), std::string::npos)
      << m.status().message();
}

TEST_F(ModelTargetsTest, an_older_rollout_document_after_a_newer_one_is_a_rollback) {
  rollout::Rollout newer = Doc(rollout::State::kHalted);
  newer.version = 2;
  PublishRollout(newer);
  repo_.Publish();
  Result<ModelTargets> m = Load();
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_TRUE(PersistRollout(dir_, *m->rollout).ok());
  EXPECT_EQ(TrustedRolloutVersion(dir_, "mlp").value(), 2);
  // The online key re-lists version 1 (release 2 active) in a new snapshot. The trusted
  // snapshot refuses it (its meta versions never go down)...
  PublishRollout(Doc(rollout::State::kActive));
  repo_.BumpVersions();
  repo_.Publish();
  trust::UpdaterConfig config{
      .metadata_dir = dir_, .metadata_url = tt::kMetadataUrl, .target_url = tt::kTargetUrl};
  trust::Updater updater(config, &fetcher_, &clock_);
  m = LoadModelTargets(updater, fetcher_, tt::kMetadataUrl, "mlp", 2, clock_.Now());
  EXPECT_EQ(m.status().code(), StatusCode::kVerificationFailed) << m.status().ToString();
  EXPECT_NE(m.status().message().find("(rollback)"), std::string::npos) << m.status().message();
  // ...and so does the kept rollout version where the TUF state starts over from the root.
  config.metadata_dir = tt::MakeTempDir("select_meta_fresh");
  ASSERT_TRUE(WriteFileAtomic(config.metadata_dir + "/root.json", repo_.RootBytes()).ok());
  trust::Updater fresh(config, &fetcher_, &clock_);
  m = LoadModelTargets(fresh, fetcher_, tt::kMetadataUrl, "mlp",
                       TrustedRolloutVersion(dir_, "mlp").value(), clock_.Now());
  EXPECT_EQ(m.status().code(), StatusCode::kVerificationFailed) << m.status().ToString();
  EXPECT_NE(m.status().message().find("version 1 is lower than the trusted version 2"),
            std::string::npos)
      << m.status().message();
  // A kept file that was damaged is an error, not "no rollout trusted yet".
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/mlp.rollout.json", std::string("{")).ok());
  EXPECT_EQ(TrustedRolloutVersion(dir_, "mlp").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(TrustedRolloutVersion(dir_, "resnet").value(), 0);
}

}  // namespace
}  // namespace mota::select
