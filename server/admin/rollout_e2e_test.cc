// `mota rollout` (a child process, libcurl) against the rollout admin API served in this process
// on a free loopback port, as an operator would use it.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "server/admin/rollout_api.h"
#include "server/http/server.h"
#include "server/repository/rollout_test_util.h"
#include "tests/support/test_dir.h"

#ifndef MOTA_CLI_PATH
#error "MOTA_CLI_PATH must name the built mota binary"
#endif

namespace mota::server::admin {
namespace {

namespace fs = std::filesystem;
namespace repo = mota::server::repository;
using repo::rollout_testing::kNow;
using repo::rollout_testing::TestRepo;

constexpr char kToken[] = "e2e-admin-token-0123456789";

struct CliRun {
  int code = -1;
  std::string output;  // stdout and stderr
};

class RolloutCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test_support::PerTestDir("mota_rollout_cli");
    Result<TestRepo> r =
        TestRepo::Create((dir_ / "repo").string(), "mlp", {{1, false}, {2, false}});
    ASSERT_TRUE(r.ok()) << r.status().message();
    repo_.emplace(std::move(r).value());
    std::ofstream(dir_ / "token") << kToken << "\n";
    ::chmod((dir_ / "token").c_str(), 0600);
    manager_ = std::make_unique<repo::RolloutManager>(repo::RolloutConfig{
        .repo = (dir_ / "repo").string(), .keys = {repo_->snapshot, repo_->timestamp}});
    store_ = repo::TelemetryStore::Open((dir_ / "server.db").string()).value();
    api_ = std::make_unique<RolloutApi>(manager_.get(), store_.get(),
                                        AdminToken::FromString(kToken).value(),
                                        RolloutApiOptions{.clock = [] { return kNow; }});
    http::Router router;
    RegisterRolloutRoutes(router, api_.get());
    server_ = std::make_unique<http::Server>(std::move(router), http::ServerOptions{.port = 0});
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    server_->Stop(std::chrono::seconds(2));
    fs::remove_all(dir_);
  }

  CliRun Mota(const std::string& args, const std::string& token_file = "") {
    const std::string cmd = std::string(MOTA_CLI_PATH) + " rollout mlp --server http://127.0.0.1:" +
                            std::to_string(server_->port()) + " --token-file " +
                            (token_file.empty() ? (dir_ / "token").string() : token_file) + " " +
                            args + " 2>&1";
    CliRun run;
    FILE* pipe = ::popen(cmd.c_str(), "r");
    if (pipe == nullptr) return run;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) run.output.append(buf, n);
    const int status = ::pclose(pipe);
    run.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return run;
  }

  fs::path dir_;
  std::optional<TestRepo> repo_;
  std::unique_ptr<repo::RolloutManager> manager_;
  std::unique_ptr<repo::TelemetryStore> store_;
  std::unique_ptr<RolloutApi> api_;
  std::unique_ptr<http::Server> server_;
};

TEST_F(RolloutCliTest, operator_stages_halts_and_sees_why) {
  CliRun r = Mota("--release 2 --percent 12.5 --when '{\"os\":[\"android\"]}'");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("mlp release 2: active at 12.5% (rollout version 1"), std::string::npos)
      << r.output;
  r = Mota("--release 2 --halt --reason 'crashes on class x'");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("mlp release 2: halted at 12.5%"), std::string::npos) << r.output;
  r = Mota("");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("release 2    halted   12.5%  when {\"os\":[\"android\"]}"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("why: crashes on class x"), std::string::npos) << r.output;
}

TEST_F(RolloutCliTest, refusals_reach_the_operator_with_the_servers_reason) {
  ASSERT_EQ(Mota("--release 2 --percent 50").code, 0);
  CliRun r = Mota("--release 2 --percent 10");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("answered 409: mlp release 2 is at 50%; 10% would take devices out"),
            std::string::npos)
      << r.output;
  std::ofstream(dir_ / "wrong") << "wrong-token-0123456789";
  r = Mota("", (dir_ / "wrong").string());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("answered 401: wrong bearer token"), std::string::npos) << r.output;
  r = Mota("--release 2 --percent 10 --halt");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("exactly one of --percent, --halt"), std::string::npos) << r.output;
  r = Mota("--release 2 --percent 101");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("percent '101'"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace mota::server::admin
