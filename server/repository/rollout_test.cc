// Server-side rollouts read as behaviours and attacks: what an admin call may change, what it is
// refused, and that what it writes is what a device verifies and decides on.
#include "server/repository/rollout.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "manifests/lib/rollout/bucket.h"
#include "manifests/lib/rollout/decide.h"
#include "server/repository/rollout_test_util.h"
#include "server/storage/atomic_file.h"
#include "tests/support/test_dir.h"

namespace mota::server::repository {
namespace {

namespace fs = std::filesystem;
using rollout_testing::kNow;
using rollout_testing::TestRepo;

class RolloutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test_support::PerTestDir("mota_rollout");
    Result<TestRepo> repo = TestRepo::Create(dir_.string(), "mlp", {{1, false}, {2, false}});
    ASSERT_TRUE(repo.ok()) << repo.status().message();
    repo_.emplace(std::move(repo).value());
    manager_.emplace(
        RolloutConfig{.repo = dir_.string(), .keys = {repo_->snapshot, repo_->timestamp}});
  }
  void TearDown() override { fs::remove_all(dir_); }

  Result<RolloutResult> Percent(int64_t release, int64_t bp, bool reset = false) {
    return manager_->Apply({.model = "mlp",
                            .release = release,
                            .action = RolloutAction::kSetPercent,
                            .basis_points = bp,
                            .reset = reset},
                           kNow);
  }
  Result<RolloutResult> Do(RolloutAction action, int64_t release, std::string reason = "") {
    return manager_->Apply(
        {.model = "mlp", .release = release, .action = action, .reason = std::move(reason)}, kNow);
  }
  std::string Timestamp() const {
    return storage::ReadFileToString((dir_ / "metadata/timestamp.json").string()).value();
  }
  // What a device with `id` on `installed` decides from the repository as it is now.
  int64_t DeviceTakes(const std::string& id, int64_t installed) {
    Result<RolloutView> view = manager_->View("mlp");
    EXPECT_TRUE(view.ok()) << view.status().message();
    rollout::DecideInput in;
    in.model = "mlp";
    in.rollout = view->rollout ? &*view->rollout : nullptr;
    for (const auto& [n, r] : view->releases) in.releases.push_back({n, r.revoked});
    in.install_id = id;
    in.installed_release = installed;
    Result<rollout::Decision> d = rollout::Decide(in);
    EXPECT_TRUE(d.ok()) << d.status().message();
    return d->release;
  }

  fs::path dir_;
  std::optional<TestRepo> repo_;
  std::optional<RolloutManager> manager_;
};

TEST_F(RolloutTest, staged_rollout_is_signed_listed_in_snapshot_and_reaches_devices_in_bucket) {
  ASSERT_TRUE(repo_->Publish({{1, false}, {2, false}, {3, false}}).ok());
  Result<RolloutResult> r = Percent(3, 1000);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->versions.rollout, 1);
  // The first document keeps releases 1 and 2 offered to everybody, holds unlisted ones.
  ASSERT_EQ(r->rollout.releases.size(), 3u);
  EXPECT_EQ(r->rollout.releases[1].basis_points, rollout::kBuckets);
  EXPECT_EQ(r->rollout.unlisted, rollout::Unlisted::kHold);
  // LoadRolloutView verifies the document through snapshot and the root's snapshot role.
  Result<RolloutView> view = manager_->View("mlp");
  ASSERT_TRUE(view.ok()) << view.status().message();
  ASSERT_TRUE(view->rollout.has_value());
  EXPECT_EQ(view->rollout->Find(3)->basis_points, 1000);
  int in = 0, out = 0;
  for (int i = 0; i < 200; ++i) {
    const std::string id = "device-" + std::to_string(i);
    const bool inside = rollout::InRollout(rollout::Bucket(id, "mlp").value(), 1000);
    EXPECT_EQ(DeviceTakes(id, 2), inside ? 3 : 2) << id;
    (inside ? in : out)++;
  }
  EXPECT_GT(in, 0);
  EXPECT_GT(out, 0);
}

TEST_F(RolloutTest, rollout_naming_unsigned_release_is_rejected) {
  const std::string before = Timestamp();
  Result<RolloutResult> r = Percent(7, 10000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("release 7 of mlp is not signed by its publisher "
                                      "(signed releases: 1, 2)"),
            std::string::npos)
      << r.status().message();
  EXPECT_EQ(Timestamp(), before) << "nothing may be written";
}

TEST_F(RolloutTest, percent_only_grows_unless_reset) {
  ASSERT_TRUE(Percent(2, 2000).ok());
  Result<RolloutResult> lower = Percent(2, 1000);
  ASSERT_FALSE(lower.ok());
  EXPECT_NE(lower.status().message().find("is at 20%; 10% would take devices out"),
            std::string::npos)
      << lower.status().message();
  Result<RolloutResult> same = Percent(2, 2000);
  ASSERT_FALSE(same.ok());
  EXPECT_NE(same.status().message().find("nothing to change"), std::string::npos);
  Result<RolloutResult> reset = Percent(2, 1000, /*reset=*/true);
  ASSERT_TRUE(reset.ok()) << reset.status().message();
  EXPECT_EQ(reset->versions.rollout, 2);
  EXPECT_FALSE(Percent(2, 10001).ok());
}

TEST_F(RolloutTest, halted_release_is_not_offered_until_resumed) {
  ASSERT_TRUE(Percent(2, 10000).ok());
  EXPECT_EQ(DeviceTakes("d", 1), 2);
  ASSERT_TRUE(Do(RolloutAction::kHalt, 2, "crash reports from class x").ok());
  EXPECT_EQ(DeviceTakes("d", 1), 1);
  EXPECT_EQ(DeviceTakes("d", 2), 2) << "a device on the halted release stays";
  EXPECT_EQ(manager_->View("mlp")->rollout->Find(2)->reason, "crash reports from class x");
  Result<RolloutResult> twice = Do(RolloutAction::kHalt, 2);
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.status().message().find("is halted"), std::string::npos);
  Result<RolloutResult> percent = Percent(2, 10000);
  ASSERT_FALSE(percent.ok());
  EXPECT_NE(percent.status().message().find("resume it first"), std::string::npos);
  ASSERT_TRUE(Do(RolloutAction::kResume, 2).ok());
  EXPECT_EQ(DeviceTakes("d", 1), 2);
}

TEST_F(RolloutTest, revocation_is_final_and_never_moves_devices_back) {
  ASSERT_TRUE(Percent(2, 10000).ok());
  ASSERT_TRUE(Do(RolloutAction::kRevoke, 2, "bad accuracy").ok());
  EXPECT_EQ(DeviceTakes("d", 0), 1);
  EXPECT_EQ(DeviceTakes("d", 2), 2) << "only the publisher's key may move a device down";
  EXPECT_FALSE(Do(RolloutAction::kResume, 2).ok());
  EXPECT_FALSE(Do(RolloutAction::kRevoke, 2).ok());
  Result<RolloutResult> percent = Percent(2, 10000, /*reset=*/true);
  ASSERT_FALSE(percent.ok());
  EXPECT_NE(percent.status().message().find("revocation is final"), std::string::npos);
}

TEST_F(RolloutTest, release_revoked_by_its_publisher_cannot_be_rolled_out) {
  ASSERT_TRUE(repo_->Publish({{1, false}, {2, true}}).ok());
  Result<RolloutResult> r = Percent(2, 500);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("revoked by its publisher"), std::string::npos);
}

TEST_F(RolloutTest, wrong_online_key_is_refused_before_anything_is_written) {
  const std::string before = Timestamp();
  RolloutManager wrong({.repo = dir_.string(), .keys = {repo_->team, repo_->timestamp}});
  Result<RolloutResult> r = wrong.Apply({.model = "mlp", .release = 2, .basis_points = 100}, kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("does not satisfy root's 'snapshot' role"), std::string::npos)
      << r.status().message();
  EXPECT_EQ(Timestamp(), before);
  EXPECT_FALSE(fs::exists(dir_ / "metadata/1.mlp.rollout.json"));
}

TEST_F(RolloutTest, a_later_publish_keeps_the_rollout_and_holds_the_new_release) {
  ASSERT_TRUE(Percent(2, 5000).ok());
  ASSERT_TRUE(repo_->Publish({{1, false}, {2, false}, {3, false}}).ok());
  Result<RolloutView> view = manager_->View("mlp");
  ASSERT_TRUE(view.ok()) << view.status().message();
  ASSERT_TRUE(view->rollout.has_value());
  EXPECT_EQ(view->rollout->Find(3), nullptr);
  EXPECT_NE(DeviceTakes("d", 0), 3) << "release 3 waits for its own rollout";
}

TEST_F(RolloutTest, when_conditions_are_validated_and_stored) {
  Result<RolloutResult> bad = manager_->Apply(
      {.model = "mlp", .release = 2, .basis_points = 100, .when = rollout::Json{{"os", 5}}}, kNow);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("when.os"), std::string::npos) << bad.status().message();
  Result<RolloutResult> ok =
      manager_->Apply({.model = "mlp",
                       .release = 2,
                       .basis_points = 100,
                       .when = rollout::Json{{"os", rollout::Json::array({"android"})}}},
                      kNow);
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(manager_->View("mlp")->rollout->Find(2)->when->os, std::vector<std::string>{"android"});
}

TEST_F(RolloutTest, rollout_documents_are_re_signed_before_they_expire) {
  ASSERT_TRUE(Percent(2, 3000).ok());  // document and snapshot: 7 days, timestamp: 1 day
  constexpr int64_t kDay = 24 * 3600;
  constexpr int64_t kHour = 3600;
  Result<RolloutManager::Refreshed> none = manager_->RefreshExpiring(kNow + kHour, 6 * kHour);
  ASSERT_TRUE(none.ok()) << none.status().message();
  EXPECT_FALSE(none->wrote) << "everything valid for more than 6 hours: nothing to do";
  // 20 hours later the timestamp is within the margin: a new snapshot and timestamp only.
  Result<RolloutManager::Refreshed> ts = manager_->RefreshExpiring(kNow + 20 * kHour, 6 * kHour);
  ASSERT_TRUE(ts.ok()) << ts.status().message();
  EXPECT_TRUE(ts->wrote);
  EXPECT_TRUE(ts->models.empty());
  // Six days and 20 hours later the document is within the margin too.
  const int64_t later = kNow + 6 * kDay + 20 * kHour;
  Result<RolloutManager::Refreshed> done = manager_->RefreshExpiring(later, 6 * kHour);
  ASSERT_TRUE(done.ok()) << done.status().message();
  EXPECT_EQ(done->models, std::vector<std::string>{"mlp"});
  Result<RolloutView> view = manager_->View("mlp");
  ASSERT_TRUE(view.ok()) << view.status().message();
  EXPECT_EQ(view->rollout->version, 2);
  EXPECT_EQ(view->rollout->expires, later + 7 * kDay);
  EXPECT_EQ(view->timestamp.expires, later + kDay);
  EXPECT_EQ(view->rollout->Find(2)->basis_points, 3000) << "content unchanged";
}

// Rollout changes, refreshes and publishes from several threads all rewrite snapshot and
// timestamp; under the shared write lock none is lost: the final snapshot lists the last role
// version and the last rollout document, and every write got its own snapshot version.
TEST_F(RolloutTest, concurrent_writers_of_snapshot_lose_nothing) {
  constexpr int kEach = 5;
  ASSERT_TRUE(Percent(2, 100).ok());  // the document exists before the refreshes start
  const int64_t snapshot_before = manager_->View("mlp")->snapshot.version;
  std::atomic<int> failures{0};
  std::thread rollouts([&] {
    for (int i = 2; i <= kEach + 1; ++i) {
      if (!Percent(2, i * 100).ok()) ++failures;
    }
  });
  std::thread refreshes([&] {
    for (int i = 0; i < kEach; ++i) {
      // A margin beyond every expiry: each call writes.
      Result<RolloutManager::Refreshed> r = manager_->RefreshExpiring(kNow, 400LL * 24 * 3600);
      if (!r.ok() || !r->wrote) ++failures;
    }
  });
  std::thread publishes([&] {
    for (int i = 0; i < kEach; ++i) {
      Result<RepositoryWriteLock> lock = RepositoryWriteLock::Acquire(dir_.string());
      if (!lock.ok() || !repo_->Publish({{1, false}, {2, false}}).ok()) ++failures;
    }
  });
  rollouts.join();
  refreshes.join();
  publishes.join();
  ASSERT_EQ(failures.load(), 0);
  Result<RolloutView> view = manager_->View("mlp");
  ASSERT_TRUE(view.ok()) << view.status().message();
  EXPECT_EQ(view->snapshot.version, snapshot_before + 3 * kEach);
  EXPECT_EQ(view->snapshot.meta.at("mlp.json").version, 1 + kEach);
  ASSERT_TRUE(view->rollout.has_value());
  EXPECT_EQ(view->rollout->Find(2)->basis_points, (kEach + 1) * 100);
  EXPECT_EQ(view->rollout->version, 1 + 2 * kEach) << "every change and refresh signed a version";
}

TEST_F(RolloutTest, rollout_file_edited_on_disk_is_refused_and_nothing_is_written) {
  ASSERT_TRUE(Percent(2, 1000).ok());
  const fs::path file = dir_ / "metadata/1.mlp.rollout.json";
  std::string bytes = storage::ReadFileToString(file.string()).value();
  bytes.replace(bytes.find("\"basis_points\":1000"), 19, "\"basis_points\":9000");
  ASSERT_TRUE(storage::WriteFileAtomic(file.string(), bytes).ok());
  const std::string before = Timestamp();
  Result<RolloutResult> r = Percent(2, 2000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kVerificationFailed);
  EXPECT_NE(r.status().message().find("1.mlp.rollout.json: sha256"), std::string::npos)
      << r.status().message();
  EXPECT_EQ(Timestamp(), before);
}

TEST_F(RolloutTest, unknown_model_is_not_found) {
  Result<RolloutResult> r =
      manager_->Apply({.model = "other", .release = 1, .basis_points = 100}, kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("'other'"), std::string::npos);
}

}  // namespace
}  // namespace mota::server::repository
