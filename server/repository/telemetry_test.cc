// Telemetry read as behaviours and attacks: malformed or oversized batches are refused whole and
// name what was wrong; a release failing on some device class halts its rollout by itself, with
// the reason in the signed document; one noisy device cannot halt a rollout.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <tuple>

#include "manifests/lib/rollout/bucket.h"
#include "server/repository/rollout_test_util.h"
#include "server/repository/telemetry_event.h"
#include "server/repository/telemetry_store.h"
#include "tests/support/test_dir.h"

namespace mota::server::repository {
namespace {

namespace fs = std::filesystem;
using rollout_testing::kNow;
using rollout_testing::TestRepo;

std::string Hash(int device) {
  return rollout::InstallIdHash("device-" + std::to_string(device)).value();
}

std::string Outcome(int device, const std::string& device_class, bool ok, int64_t release = 2) {
  return StrCat(R"({"type":"update_outcome","model":"mlp","release":)", release,
                R"(,"variant":"cpu-fp32","device_class":")", device_class,
                R"(","install_id_hash":")", Hash(device), R"(","outcome":")",
                ok ? "success\"}" : "failure\",\"stage\":\"selftest\"}");
}

std::string Batch(const std::vector<std::string>& events) {
  std::string body = R"({"events":[)";
  for (size_t i = 0; i < events.size(); ++i) body += (i ? "," : "") + events[i];
  return body + "]}";
}

TEST(TelemetryBatch, every_event_type_parses) {
  const std::string common =
      R"("model":"mlp","release":3,"variant":"cpu-int8","device_class":"android-arm64.a6",)"
      R"("install_id_hash":")" +
      Hash(1) + "\"";
  Result<std::vector<TelemetryEvent>> events = ParseTelemetryBatch(Batch({
      "{\"type\":\"update_outcome\"," + common + ",\"outcome\":\"success\"}",
      "{\"type\":\"selftest_failure\"," + common + ",\"detail\":\"output 0 off by 0.3\"}",
      "{\"type\":\"fallback\"," + common + ",\"from_variant\":\"vulkan-fp16\"}",
      "{\"type\":\"latency\"," + common + ",\"runs\":200,\"p50_us\":8,\"p90_us\":9,\"p99_us\":12}",
  }));
  ASSERT_TRUE(events.ok()) << events.status().message();
  ASSERT_EQ(events->size(), 4u);
  EXPECT_EQ((*events)[1].detail, "output 0 off by 0.3");
  EXPECT_EQ((*events)[3].p99_us, 12);
}

TEST(TelemetryBatch, malformed_telemetry_names_the_field) {
  const std::string ok = Outcome(1, "a", true);
  struct Case {
    std::string body, named;
  };
  const Case cases[] = {
      {"{\"events\":[" + ok + "," + Outcome(2, "Bad Class", true) + "]}",
       "events[1].device_class: 'Bad Class'"},
      {Batch({R"({"type":"update_outcome","model":"mlp","release":"2"})"}), "events[0].release"},
      {Batch({R"({"type":"update_outcome","model":"mlp","release":2})"}), "events[0].variant"},
      {Batch({R"({"type":"crash"})"}), "events[0].type: 'crash'"},
      {Batch({ok.substr(0, ok.size() - 1) + R"(,"colour":"red"})"}), "events[0].colour"},
      {Batch({Outcome(1, "a", true).replace(ok.find("success"), 7, "failure")}),
       "events[0].stage: missing"},
      {R"({"events":{}})", "events: expected an array"},
      {R"({"evnts":[]})", "evnts: unknown field"},
      {R"({"events":[)", "telemetry batch"},
  };
  for (const Case& c : cases) {
    Result<std::vector<TelemetryEvent>> r = ParseTelemetryBatch(c.body);
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(c.named), std::string::npos)
        << "want '" << c.named << "' in: " << r.status().message();
  }
  std::string bad_hash = ok;
  bad_hash.replace(bad_hash.find(Hash(1)), 64, std::string(64, 'G'));
  Result<std::vector<TelemetryEvent>> r = ParseTelemetryBatch(Batch({bad_hash}));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("events[0].install_id_hash"), std::string::npos);
}

class TelemetryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test_support::PerTestDir("mota_telemetry");
    Result<TestRepo> repo =
        TestRepo::Create((dir_ / "repo").string(), "mlp", {{1, false}, {2, false}});
    ASSERT_TRUE(repo.ok()) << repo.status().message();
    repo_.emplace(std::move(repo).value());
    manager_.emplace(RolloutConfig{.repo = (dir_ / "repo").string(),
                                   .keys = {repo_->snapshot, repo_->timestamp}});
    Result<std::unique_ptr<TelemetryStore>> store =
        TelemetryStore::Open((dir_ / "server.db").string());
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::move(store).value();
    ASSERT_TRUE(manager_->Apply({.model = "mlp", .release = 2, .basis_points = 5000}, kNow).ok());
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Parses, stores and judges a batch the way POST /v1/telemetry does.
  Result<std::vector<HaltAction>> Receive(const std::vector<std::string>& events) {
    MOTA_ASSIGN_OR_RETURN(std::vector<TelemetryEvent> parsed, ParseTelemetryBatch(Batch(events)));
    MOTA_RETURN_IF_ERROR(store_->Insert(parsed, kNow));
    return HaltOnBreach(*store_, *manager_, parsed, policy_, kNow);
  }
  const rollout::ReleaseRollout& Release2() {
    view_ = manager_->View("mlp").value();
    return *view_->rollout->Find(2);
  }

  fs::path dir_;
  std::optional<TestRepo> repo_;
  std::optional<RolloutManager> manager_;
  std::unique_ptr<TelemetryStore> store_;
  std::optional<RolloutView> view_;
  FailurePolicy policy_{.max_failure_rate = 0.10, .min_devices = 20};
};

TEST_F(TelemetryTest, telemetry_batch_over_the_limit_is_rejected_and_nothing_stored) {
  std::vector<std::string> events;
  for (int i = 0; i < 11; ++i) events.push_back(Outcome(i, "a", false));
  const TelemetryLimits count_limit{.max_events = 10};
  Result<std::vector<TelemetryEvent>> r = ParseTelemetryBatch(Batch(events), count_limit);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(r.status().message().find("11 events, the limit is 10"), std::string::npos);
  const std::string body = Batch(events);
  r = ParseTelemetryBatch(body, {.max_body_bytes = body.size() - 1});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(r.status().message().find(std::to_string(body.size()) + " bytes"), std::string::npos);
  // One bad event in an otherwise good batch: the batch is refused whole.
  events.push_back(R"({"type":"update_outcome"})");
  EXPECT_FALSE(Receive(events).ok());
  EXPECT_EQ(store_->EventCount().value(), 0);
}

TEST_F(TelemetryTest, failure_rate_over_threshold_halts_the_rollout) {
  std::vector<std::string> events;
  for (int i = 0; i < 40; ++i) events.push_back(Outcome(i, "class-good", true));
  for (int i = 100; i < 118; ++i) events.push_back(Outcome(i, "class-bad", true));
  for (int i = 200; i < 203; ++i) events.push_back(Outcome(i, "class-bad", false));
  Result<std::vector<HaltAction>> halted = Receive(events);
  ASSERT_TRUE(halted.ok()) << halted.status().message();
  ASSERT_EQ(halted->size(), 1u);
  EXPECT_EQ((*halted)[0].breach.device_class, "class-bad");
  const rollout::ReleaseRollout& r2 = Release2();
  EXPECT_EQ(r2.state, rollout::State::kHalted);
  EXPECT_EQ(r2.reason,
            "auto: failure rate 14.3% (3 of 21 devices) on device class class-bad > 10.0% "
            "threshold (minimum 20 devices)");
  // More failures on a halted release halt nothing again.
  halted = Receive({Outcome(300, "class-bad", false)});
  ASSERT_TRUE(halted.ok());
  EXPECT_TRUE(halted->empty());
}

TEST_F(TelemetryTest, resumed_release_is_judged_on_reports_after_the_resume) {
  std::vector<std::string> bad;
  for (int i = 0; i < 20; ++i) bad.push_back(Outcome(i, "c", i >= 15));
  ASSERT_EQ(Receive(bad)->size(), 1u);
  ASSERT_TRUE(
      manager_->Apply({.model = "mlp", .release = 2, .action = RolloutAction::kResume}, kNow).ok());
  ASSERT_TRUE(store_->MarkResumed("mlp", 2).ok());
  // One more success: the old failures alone would halt it again at once.
  Result<std::vector<HaltAction>> halted = Receive({Outcome(50, "c", true)});
  ASSERT_TRUE(halted.ok()) << halted.status().message();
  EXPECT_TRUE(halted->empty());
  EXPECT_EQ(Release2().state, rollout::State::kActive);
  // New failures after the resume halt it again.
  std::vector<std::string> worse;
  for (int i = 100; i < 120; ++i) worse.push_back(Outcome(i, "c", i >= 110));
  halted = Receive(worse);
  ASSERT_TRUE(halted.ok()) << halted.status().message();
  ASSERT_EQ(halted->size(), 1u);
  EXPECT_NE(halted->front().breach.reason.find("(10 of 21 devices)"), std::string::npos)
      << halted->front().breach.reason;
}

TEST_F(TelemetryTest, too_few_devices_do_not_halt) {
  std::vector<std::string> events;
  for (int i = 0; i < 10; ++i) events.push_back(Outcome(i, "c", false));
  Result<std::vector<HaltAction>> halted = Receive(events);
  ASSERT_TRUE(halted.ok()) << halted.status().message();
  EXPECT_TRUE(halted->empty());
  EXPECT_EQ(Release2().state, rollout::State::kActive);
}

TEST_F(TelemetryTest, one_device_repeating_failures_counts_once) {
  std::vector<std::string> events;
  for (int i = 0; i < 30; ++i) events.push_back(Outcome(i, "c", true));
  for (int i = 0; i < 100; ++i) events.push_back(Outcome(999, "c", false));
  Result<std::vector<HaltAction>> halted = Receive(events);
  ASSERT_TRUE(halted.ok()) << halted.status().message();
  EXPECT_TRUE(halted->empty()) << "1 failed device of 31 is 3.2%";
  std::vector<GroupStats> stats = store_->Stats("mlp", 2, true).value();
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].devices, 31);
  EXPECT_EQ(stats[0].failed_devices, 1);
  EXPECT_EQ(stats[0].failures, 100);
}

TEST_F(TelemetryTest, admin_calls_are_audited) {
  ASSERT_TRUE(store_
                  ->Audit({.time = kNow,
                           .remote = "127.0.0.1:1",
                           .method = "POST",
                           .path = "/v1/admin/rollouts/mlp",
                           .action = "halt",
                           .detail = "release 2",
                           .status = 200})
                  .ok());
  std::vector<AuditEntry> audit = store_->RecentAudit(10).value();
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].action, "halt");
  EXPECT_EQ(audit[0].status, 200);
}

}  // namespace
}  // namespace mota::server::repository

namespace mota::server::repository {
namespace {

// The aggregates kept on insert (judged per class, shown per variant and class) agree with
// counting the reports directly: random devices repeating successes and failures over several
// classes, variants, releases and batches.
TEST(TelemetryStoreTest, kept_aggregates_match_counting_the_reports) {
  const fs::path db =
      fs::temp_directory_path() / ("mota_judge_" + std::to_string(getpid()) + ".db");
  fs::remove(db);
  std::unique_ptr<TelemetryStore> store = TelemetryStore::Open(db.string()).value();
  struct Ref {
    std::set<int> devices, failed;
    int64_t successes = 0, failures = 0;
  };
  std::map<std::tuple<int64_t, std::string, std::string>, Ref>
      by_variant;  // release, class, variant
  std::map<std::pair<int64_t, std::string>, Ref> by_class;
  std::mt19937 rng(5);
  for (int batch = 0; batch < 20; ++batch) {
    std::vector<std::string> events;
    for (int i = 0; i < 50; ++i) {
      const int device = rng() % 80;
      const std::string cls = std::string("class-") + char('a' + rng() % 3);
      const bool ok = rng() % 4 != 0;
      const int64_t release = 2 + rng() % 2;
      const std::string variant = rng() % 2 ? "cpu-fp32" : "cpu-int8";
      std::string e = Outcome(device, cls, ok, release);
      e.replace(e.find("cpu-fp32"), 8, variant);
      events.push_back(e);
      for (Ref* r : {&by_variant[{release, cls, variant}], &by_class[{release, cls}]}) {
        r->devices.insert(device);
        if (!ok) r->failed.insert(device);
        (ok ? r->successes : r->failures)++;
      }
    }
    ASSERT_TRUE(store->Insert(ParseTelemetryBatch(Batch(events)).value(), kNow).ok());
  }
  const std::vector<GroupStats> groups = store->Stats("mlp", 0, true).value();
  for (const GroupStats& g : groups) {
    const Ref& r = by_variant.at({g.release, g.device_class, g.variant});
    EXPECT_EQ(g.devices, int64_t(r.devices.size())) << g.device_class << " " << g.variant;
    EXPECT_EQ(g.failed_devices, int64_t(r.failed.size()));
    EXPECT_EQ(g.successes, r.successes);
    EXPECT_EQ(g.failures, r.failures);
  }
  EXPECT_EQ(groups.size(), by_variant.size());
  for (int64_t release : {2, 3}) {
    std::vector<GroupStats> judged = store->JudgeTotals("mlp", release).value();
    std::vector<GroupStats> shown = store->Stats("mlp", release, false).value();
    ASSERT_EQ(judged.size(), 3u);
    ASSERT_EQ(shown.size(), 3u);
    for (size_t i = 0; i < judged.size(); ++i) {
      const Ref& r = by_class.at({release, judged[i].device_class});
      EXPECT_EQ(judged[i].devices, int64_t(r.devices.size())) << judged[i].device_class;
      EXPECT_EQ(judged[i].failed_devices, int64_t(r.failed.size())) << judged[i].device_class;
      EXPECT_EQ(shown[i].devices, judged[i].devices);
      EXPECT_EQ(shown[i].failures, r.failures);
    }
  }
  // After a resume the judged devices start over; the event counts stay.
  ASSERT_TRUE(store->MarkResumed("mlp", 2).ok());
  EXPECT_TRUE(store->JudgeTotals("mlp", 2)->empty());
  std::vector<GroupStats> after = store->Stats("mlp", 2, false).value();
  ASSERT_EQ(after.size(), 3u);
  EXPECT_EQ(after[0].devices, 0);
  EXPECT_EQ(after[0].failures, by_class.at({2, after[0].device_class}).failures);
  store.reset();
  fs::remove(db);
}

}  // namespace
}  // namespace mota::server::repository
