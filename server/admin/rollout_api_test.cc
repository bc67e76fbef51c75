// The rollout admin API and the telemetry endpoint over real HTTP (loopback, port 0): tokens,
// status codes that name the problem, automatic halts visible through GET, and batches refused
// whole.
#include "server/admin/rollout_api.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "manifests/lib/rollout/bucket.h"
#include "server/http/server.h"
#include "server/http/test_client.h"
#include "server/repository/rollout_test_util.h"
#include "tests/support/test_dir.h"

namespace mota::server::admin {
namespace {

namespace fs = std::filesystem;
namespace repo = mota::server::repository;
using Json = nlohmann::json;
using repo::rollout_testing::kNow;
using repo::rollout_testing::TestRepo;

constexpr char kToken[] = "test-admin-token-0123456789";

std::string Outcome(int device, const std::string& device_class, bool ok) {
  const std::string hash = rollout::InstallIdHash("device-" + std::to_string(device)).value();
  return StrCat(R"({"type":"update_outcome","model":"mlp","release":2,"variant":"cpu-fp32",)",
                R"("device_class":")", device_class, R"(","install_id_hash":")", hash,
                R"(","outcome":")", ok ? "success\"}" : "failure\",\"stage\":\"activate\"}");
}

std::string Batch(const std::vector<std::string>& events) {
  std::string body = R"({"events":[)";
  for (size_t i = 0; i < events.size(); ++i) body += (i ? "," : "") + events[i];
  return body + "]}";
}

class RolloutApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test_support::PerTestDir("mota_rollout_api");
    Result<TestRepo> r =
        TestRepo::Create((dir_ / "repo").string(), "mlp", {{1, false}, {2, false}});
    ASSERT_TRUE(r.ok()) << r.status().message();
    repo_.emplace(std::move(r).value());
    manager_ = std::make_unique<repo::RolloutManager>(repo::RolloutConfig{
        .repo = (dir_ / "repo").string(), .keys = {repo_->snapshot, repo_->timestamp}});
    store_ = repo::TelemetryStore::Open((dir_ / "server.db").string()).value();
    const repo::FailurePolicy policy{.max_failure_rate = 0.1, .min_devices = 10};
    auto clock = [] { return kNow; };
    rollouts_ = std::make_unique<RolloutApi>(manager_.get(), store_.get(),
                                             AdminToken::FromString(kToken).value(),
                                             RolloutApiOptions{.clock = clock, .policy = policy});
    telemetry_ = std::make_unique<TelemetryApi>(
        store_.get(), manager_.get(),
        TelemetryApiOptions{.policy = policy,
                            .limits = {.max_body_bytes = 64 * 1024, .max_events = 50},
                            .clock = clock});
    http::Router router;
    RegisterRolloutRoutes(router, rollouts_.get());
    RegisterTelemetryRoute(router, telemetry_.get());
    server_ = std::make_unique<http::Server>(std::move(router), http::ServerOptions{.port = 0});
    ASSERT_TRUE(server_->Start().ok());
    rollouts_->AttachMetrics(server_->metrics());
    telemetry_->AttachMetrics(server_->metrics());
  }
  void TearDown() override {
    server_->Stop(std::chrono::seconds(2));
    fs::remove_all(dir_);
  }

  http::testing::ParsedResponse Call(const std::string& method, const std::string& target,
                                     const std::string& body = "",
                                     const std::string& token = kToken) {
    http::testing::TestConnection c(server_->port());
    EXPECT_TRUE(c.connected());
    std::string head = method + " " + target + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n";
    if (!token.empty()) head += "Authorization: Bearer " + token + "\r\n";
    if (method == "POST") head += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    c.Send(head + "\r\n" + body);
    std::optional<http::testing::ParsedResponse> r = c.Read();
    EXPECT_TRUE(r.has_value()) << method << " " << target;
    return r.value_or(http::testing::ParsedResponse{});
  }
  Json Show() {
    http::testing::ParsedResponse r = Call("GET", "/v1/admin/rollouts/mlp");
    EXPECT_EQ(r.status, 200) << r.body;
    return Json::parse(r.body, nullptr, false);
  }

  fs::path dir_;
  std::optional<TestRepo> repo_;
  std::unique_ptr<repo::RolloutManager> manager_;
  std::unique_ptr<repo::TelemetryStore> store_;
  std::unique_ptr<RolloutApi> rollouts_;
  std::unique_ptr<TelemetryApi> telemetry_;
  std::unique_ptr<http::Server> server_;
};

TEST_F(RolloutApiTest, admin_sets_a_percentage_and_sees_it) {
  http::testing::ParsedResponse r =
      Call("POST", "/v1/admin/rollouts/mlp",
           R"({"release":2,"action":"percent","basis_points":1000,"when":{"os":["android"]}})");
  ASSERT_EQ(r.status, 200) << r.body;
  Json body = Json::parse(r.body);
  EXPECT_EQ(body["rollout_version"], 1);
  Json shown = Show();
  ASSERT_EQ(shown["releases"].size(), 2u);
  EXPECT_EQ(shown["releases"][0]["release"], 2);
  EXPECT_EQ(shown["releases"][0]["percent"], "10%");
  EXPECT_EQ(shown["releases"][0]["when"]["os"][0], "android");
  EXPECT_EQ(shown["releases"][1]["percent"], "100%");
  EXPECT_EQ(store_->RecentAudit(10).value().size(), 2u) << "POST and GET are both audited";
  // The metric counts the change.
  http::testing::ParsedResponse metrics = Call("GET", "/metrics");
  EXPECT_NE(metrics.body.find("mota_rollout_events_total{event=\"percent\"} 1"), std::string::npos);
}

TEST_F(RolloutApiTest, missing_or_wrong_token_is_401_and_nothing_changes) {
  const std::string change = R"({"release":2,"action":"percent","basis_points":1000})";
  EXPECT_EQ(Call("POST", "/v1/admin/rollouts/mlp", change, "").status, 401);
  EXPECT_EQ(Call("POST", "/v1/admin/rollouts/mlp", change, "wrong-token-0123456789").status, 401);
  EXPECT_EQ(Call("GET", "/v1/admin/rollouts/mlp", "", "").status, 401);
  EXPECT_FALSE(fs::exists(dir_ / "repo/metadata/1.mlp.rollout.json"));
  std::vector<repo::AuditEntry> audit = store_->RecentAudit(10).value();
  ASSERT_EQ(audit.size(), 3u);
  EXPECT_EQ(audit[0].detail, "refused: token");
}

TEST_F(RolloutApiTest, refusals_say_what_was_wrong_with_the_right_status) {
  struct Case {
    std::string target, body;
    int status;
    std::string named;
  };
  const Case cases[] = {
      {"/v1/admin/rollouts/mlp", R"({"release":9,"action":"percent","basis_points":10})", 409,
       "release 9 of mlp is not signed by its publisher"},
      {"/v1/admin/rollouts/mlp", R"({"release":2,"action":"percent","basis_points":10001})", 400,
       "basis_points: expected an integer from 0 to 10000"},
      {"/v1/admin/rollouts/mlp", R"({"release":2,"action":"pause"})", 400, "action: 'pause'"},
      {"/v1/admin/rollouts/mlp", R"({"release":2,"action":"halt","colour":1})", 400,
       "colour: unknown field"},
      {"/v1/admin/rollouts/mlp", R"({"release":2,"action":"resume"})", 409,
       "only a halted release resumes"},
      {"/v1/admin/rollouts/nope", R"({"release":2,"action":"halt"})", 404, "'nope'"},
      {"/v1/admin/rollouts/..%2Fetc", R"({"release":2,"action":"halt"})", 400,
       "is not a model name"},
  };
  for (const Case& c : cases) {
    http::testing::ParsedResponse r = Call("POST", c.target, c.body);
    EXPECT_EQ(r.status, c.status) << c.body << " -> " << r.body;
    EXPECT_NE(r.body.find(c.named), std::string::npos) << "want '" << c.named << "' in " << r.body;
  }
  EXPECT_FALSE(fs::exists(dir_ / "repo/metadata/1.mlp.rollout.json"));
}

TEST_F(RolloutApiTest, telemetry_over_http_halts_the_rollout_and_get_shows_why) {
  ASSERT_EQ(Call("POST", "/v1/admin/rollouts/mlp",
                 R"({"release":2,"action":"percent","basis_points":5000})")
                .status,
            200);
  std::vector<std::string> events;
  for (int i = 0; i < 8; ++i) events.push_back(Outcome(i, "phone-x", true));
  for (int i = 8; i < 11; ++i) events.push_back(Outcome(i, "phone-x", false));
  http::testing::ParsedResponse r = Call("POST", "/v1/telemetry", Batch(events), "");
  ASSERT_EQ(r.status, 200) << r.body;
  Json body = Json::parse(r.body);
  EXPECT_EQ(body["stored"], 11);
  ASSERT_EQ(body["halted"].size(), 1u) << r.body;
  Json shown = Show();
  const Json& r2 = shown["releases"][0];
  EXPECT_EQ(r2["state"], "halted");
  EXPECT_EQ(r2["reason"],
            "auto: failure rate 27.3% (3 of 11 devices) on device class phone-x > 10.0% "
            "threshold (minimum 10 devices)");
  ASSERT_EQ(r2["classes"].size(), 1u);
  EXPECT_EQ(r2["classes"][0]["failed_devices"], 3);
  EXPECT_EQ(r2["classes"][0]["over_threshold"], true);
  EXPECT_EQ(r2["variants"][0]["variant"], "cpu-fp32");
}

TEST_F(RolloutApiTest, telemetry_batch_over_the_limit_is_rejected_and_nothing_stored) {
  std::vector<std::string> events;
  for (int i = 0; i < 51; ++i) events.push_back(Outcome(i, "c", false));
  http::testing::ParsedResponse r = Call("POST", "/v1/telemetry", Batch(events), "");
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_NE(r.body.find("51 events, the limit is 50"), std::string::npos) << r.body;
  // Over the byte limit: refused by the router before the body is read.
  r = Call("POST", "/v1/telemetry", std::string(64 * 1024 + 1, ' '), "");
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(store_->EventCount().value(), 0);
}

TEST_F(RolloutApiTest, malformed_telemetry_names_the_field) {
  std::string bad = Outcome(1, "c", true);
  bad.replace(bad.find("\"release\":2"), 11, "\"release\":0");
  http::testing::ParsedResponse r =
      Call("POST", "/v1/telemetry", Batch({Outcome(0, "c", true), bad}), "");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("events[1].release: expected an integer >= 1, got 0"), std::string::npos)
      << r.body;
  EXPECT_EQ(store_->EventCount().value(), 0);
}

}  // namespace
}  // namespace mota::server::admin

namespace mota::server::admin {
namespace {

// `mota serve`'s path: everything from flags (token file, PEM keys, database), routes on a
// router, a change over HTTP; the background refresh thread stops with the admin object.
TEST(RolloutAdminTest, admin_from_flags_serves_rollouts_and_refuses_a_readable_token) {
  const fs::path dir =
      fs::temp_directory_path() / ("mota_rollout_admin_" + std::to_string(getpid()));
  fs::remove_all(dir);
  Result<TestRepo> r = TestRepo::Create((dir / "repo").string(), "mlp", {{1, false}, {2, false}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_TRUE(r->snapshot.SavePrivate((dir / "snapshot.key").string()).ok());
  ASSERT_TRUE(r->timestamp.SavePrivate((dir / "timestamp.key").string()).ok());
  std::ofstream(dir / "token") << kToken << "\n";
  fs::permissions(dir / "token", fs::perms::owner_read | fs::perms::owner_write);
  RolloutAdminFlags flags{.repo = (dir / "repo").string(),
                          .token_file = (dir / "token").string(),
                          .snapshot_key = (dir / "snapshot.key").string(),
                          .timestamp_key = (dir / "timestamp.key").string(),
                          .database = (dir / "server.db").string(),
                          .log = nullptr};
  {
    Result<std::unique_ptr<RolloutAdmin>> admin = RolloutAdmin::Create(flags);
    ASSERT_TRUE(admin.ok()) << admin.status().message();
    http::Router router;
    (*admin)->Register(router);
    http::Server server(std::move(router), http::ServerOptions{.port = 0});
    ASSERT_TRUE(server.Start().ok());
    (*admin)->AttachMetrics(server.metrics());
    http::testing::TestConnection c(server.port());
    const std::string body = R"({"release":2,"action":"percent","basis_points":100})";
    c.Send(
        "POST /v1/admin/rollouts/mlp HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
        "Authorization: Bearer " +
        std::string(kToken) + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
        body);
    std::optional<http::testing::ParsedResponse> resp = c.Read();
    ASSERT_TRUE(resp.has_value());
    EXPECT_EQ(resp->status, 200) << resp->body;
    server.Stop(std::chrono::seconds(2));
  }
  fs::permissions(dir / "token", fs::perms::group_read, fs::perm_options::add);
  Result<std::unique_ptr<RolloutAdmin>> readable = RolloutAdmin::Create(flags);
  EXPECT_FALSE(readable.ok()) << "a token others can read must be refused";
  fs::remove_all(dir);
}

}  // namespace
}  // namespace mota::server::admin
