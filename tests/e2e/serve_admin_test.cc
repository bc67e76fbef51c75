// The update server as a backend team runs it: the real `mota serve` with the admin API and the
// SQLite store, `mota publish`, `mota rollout`, device telemetry that halts a bad release, and
// readers that never see a half-published repository while releases go out.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "server/http/test_client.h"
#include "tests/e2e/e2e_util.h"

namespace mota::e2e {
namespace {

using server::http::testing::Get;

const std::string kMota = MOTA_CLI_PATH;
const std::string kModel = std::string(MOTA_SHARED_DIR) + "/models/mlp_784_256_10.onnx";

class ServeAdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("serve_admin_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    for (const char* k : {"root", "targets", "snapshot", "timestamp", "team"}) {
      MustRun({kMota, "keygen", "-o", Key(k).substr(0, Key(k).size() - 4)});
    }
    std::ofstream(dir_ / "deploy.yaml")
        << "model: mlp\nversion: \"1.0\"\nsource: " << kModel
        << "\ninputs:\n  input: [1, 784]\nvariants:\n"
           "  - id: cpu-fp32\n    backend: cpu\n    precision: fp32\n    priority: 1\n";
    MustRun({kMota, "package", (dir_ / "deploy.yaml").string(), "-o", Staging()});
    MustRun({kMota, "repo", "init", "--repo", Repo(), "--root-key", Key("root"), "--threshold",
             "1", "--targets-key", Key("targets"), "--snapshot-key", Key("snapshot"),
             "--timestamp-key", Key("timestamp")});
    std::ofstream(Token()) << "e2e-admin-token-0123456789abcdef\n";
    ::chmod(Token().c_str(), 0600);
    std::ofstream(dir_ / "wrong.token") << "not-the-token\n";
    ::chmod((dir_ / "wrong.token").c_str(), 0600);
    serve_pid_ = Spawn({kMota, "serve", "--repo", Repo(), "--listen", "127.0.0.1:0", "--threads",
                        "2", "--log", (dir_ / "serve.log").string(), "--token-file", Token(),
                        "--snapshot-key", Key("snapshot"), "--timestamp-key", Key("timestamp"),
                        "--database", (dir_ / "server.sqlite").string(), "--min-devices", "2"},
                       dir_ / "serve.out", dir_ / "serve.err");
    port_ = WaitForServePort(dir_ / "serve.out", std::chrono::seconds(10));
    ASSERT_NE(port_, 0) << "mota serve did not start: " << Slurp(dir_ / "serve.err");
    url_ = "http://127.0.0.1:" + std::to_string(port_);
  }

  void TearDown() override {
    if (serve_pid_ > 0) {
      EXPECT_EQ(Terminate(serve_pid_), 0) << Slurp(dir_ / "serve.err");
    }
    if (!HasFailure()) fs::remove_all(dir_);
  }

  std::string Key(const std::string& name) const { return (dir_ / "keys" / (name + ".key")).string(); }
  std::string Repo() const { return (dir_ / "repo").string(); }
  std::string Staging() const { return (dir_ / "staging").string(); }
  std::string Token() const { return (dir_ / "admin.token").string(); }

  int Mota(const std::vector<std::string>& args, std::string* log) {
    std::vector<std::string> argv = {kMota};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunProcess(argv, dir_, log);
  }
  void MustRun(const std::vector<std::string>& argv) {
    std::string log;
    ASSERT_EQ(RunProcess(argv, dir_, &log), 0) << argv[1] << ": " << log;
  }
  void Publish(bool next_release) {
    std::vector<std::string> args = {"publish", Staging(), "--server", url_, "--token-file",
                                     Token(), "--key", Key("team"), "--targets-key",
                                     Key("targets")};
    if (next_release) args.push_back("--next-release");
    std::string log;
    ASSERT_EQ(Mota(args, &log), 0) << log;
  }
  nlohmann::json GetJson(const std::string& target) {
    auto r = Get(port_, target);
    if (!r || r->status != 200) return nullptr;
    return nlohmann::json::parse(r->body, nullptr, false);
  }

  fs::path dir_;
  pid_t serve_pid_ = -1;
  uint16_t port_ = 0;
  std::string url_;
};

std::string FailureBatch(int devices) {
  nlohmann::json events = nlohmann::json::array();
  for (int i = 0; i < devices; ++i) {
    events.push_back({{"type", "update_outcome"}, {"model", "mlp"}, {"release", 1},
                      {"variant", "cpu-fp32"}, {"device_class", "android-arm64-mali"},
                      {"install_id_hash", std::string(64, static_cast<char>('a' + i))},
                      {"outcome", "failure"}, {"stage", "selftest"}});
  }
  return nlohmann::json{{"events", events}}.dump();
}

TEST_F(ServeAdminTest, failing_devices_halt_a_rollout_through_the_real_server) {
  ASSERT_NO_FATAL_FAILURE(Publish(false));
  std::string log;
  ASSERT_EQ(Mota({"rollout", "mlp", "--release", "1", "--percent", "10", "--server", url_,
                  "--token-file", Token()},
                 &log),
            0)
      << log;
  // The rollout document is signed metadata listed in the served snapshot.
  nlohmann::json timestamp = GetJson("/metadata/timestamp.json");
  ASSERT_TRUE(timestamp.is_object());
  const int64_t snapshot_version = timestamp["signed"]["meta"]["snapshot.json"]["version"];
  nlohmann::json snapshot =
      GetJson("/metadata/" + std::to_string(snapshot_version) + ".snapshot.json");
  ASSERT_TRUE(snapshot.is_object());
  ASSERT_TRUE(snapshot["signed"]["meta"].contains("mlp.rollout.json")) << snapshot.dump();
  const int64_t rollout_version = snapshot["signed"]["meta"]["mlp.rollout.json"]["version"];
  EXPECT_TRUE(GetJson("/metadata/" + std::to_string(rollout_version) + ".mlp.rollout.json")
                  .is_object());

  // A wrong token changes nothing.
  log.clear();
  EXPECT_EQ(Mota({"rollout", "mlp", "--release", "1", "--halt", "--server", url_, "--token-file",
                  (dir_ / "wrong.token").string()},
                 &log),
            1);
  EXPECT_NE(log.find("401"), std::string::npos) << log;

  // Two devices of one class fail their self-test: over the 5% threshold with 2 devices.
  auto posted = Post(port_, "/v1/telemetry", FailureBatch(2));
  ASSERT_TRUE(posted.has_value());
  EXPECT_EQ(posted->status, 200) << posted->body;
  EXPECT_NE(posted->body.find("halted"), std::string::npos) << posted->body;
  log.clear();
  ASSERT_EQ(Mota({"rollout", "mlp", "--server", url_, "--token-file", Token()}, &log), 0) << log;
  EXPECT_NE(log.find("halted"), std::string::npos) << log;
  EXPECT_NE(log.find("android-arm64-mali"), std::string::npos) << log;
  // ... and the halt is in a newer signed rollout document.
  nlohmann::json after = GetJson("/metadata/timestamp.json");
  EXPECT_GT(int64_t{after["signed"]["meta"]["snapshot.json"]["version"]}, snapshot_version);

  auto bad = Post(port_, "/v1/telemetry", R"({"events":[{"type":"update_outcome"}]})");
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->status, 400);
  EXPECT_NE(bad->body.find("events[0]"), std::string::npos) << bad->body;
}

// Follows timestamp -> snapshot -> the model's targets as a client does; false when a file the
// chain names is missing (a half-published state).
bool ChainIsComplete(uint16_t port, std::string* why) {
  auto t = Get(port, "/metadata/timestamp.json");
  if (!t || t->status != 200) return *why = "timestamp.json", false;
  auto ts = nlohmann::json::parse(t->body, nullptr, false);
  if (ts.is_discarded()) return *why = "timestamp.json is not JSON", false;
  const std::string snap = std::to_string(int64_t{ts["signed"]["meta"]["snapshot.json"]["version"]});
  auto s = Get(port, "/metadata/" + snap + ".snapshot.json");
  if (!s || s->status != 200) return *why = snap + ".snapshot.json", false;
  auto ss = nlohmann::json::parse(s->body, nullptr, false);
  if (ss.is_discarded()) return *why = "snapshot is not JSON", false;
  for (auto& [name, meta] : ss["signed"]["meta"].items()) {
    const std::string file = std::to_string(int64_t{meta["version"]}) + "." + name;
    auto m = Get(port, "/metadata/" + file);
    if (!m || m->status != 200) return *why = file, false;
  }
  return true;
}

TEST_F(ServeAdminTest, readers_never_see_a_half_published_release) {
  ASSERT_NO_FATAL_FAILURE(Publish(false));
  std::atomic<bool> stop{false};
  std::atomic<int> reads{0}, broken{0};
  std::string first_broken;
  std::thread reader([&] {
    while (!stop) {
      std::string why;
      if (ChainIsComplete(port_, &why)) {
        ++reads;
      } else if (broken++ == 0) {
        first_broken = why;
      }
    }
  });
  for (int i = 0; i < 3; ++i) ASSERT_NO_FATAL_FAILURE(Publish(true));
  stop = true;
  reader.join();
  EXPECT_EQ(broken.load(), 0) << "first missing file: " << first_broken;
  EXPECT_GT(reads.load(), 0);
  std::string log;
  EXPECT_EQ(Mota({"repo", "verify", "--repo", Repo()}, &log), 0) << log;
}

}  // namespace
}  // namespace mota::e2e
