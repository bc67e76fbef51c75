// End to end over HTTP: the server (static tree + publishing API) runs in this process on a free
// loopback port; `mota publish` runs as a child process against it, as a publisher would.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "manifests/lib/tuf/target_custom.h"
#include "manifests/lib/tuf/verify.h"
#include "server/admin/publish_api.h"
#include "server/http/server.h"
#include "server/http/static_files.h"
#include "server/repository/publish_test_util.h"
#include "server/repository/repo_state.h"
#include "server/storage/atomic_file.h"

#ifndef MOTA_CLI_PATH
#error "MOTA_CLI_PATH must name the built mota binary"
#endif

namespace mota::server::admin {
namespace {

namespace fs = std::filesystem;
namespace rt = repository::testing;
using nlohmann::json;

void WriteFile(const std::string& path, const std::string& bytes, mode_t mode = 0644) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
  ::chmod(path.c_str(), mode);
}

// A `mota package`-shaped staging folder: staging.json, targets/<path>, blobs/<sha256>.
void WriteStaging(const std::string& dir, int64_t release, const std::vector<rt::Chunk>& chunks) {
  const std::string index = rt::MakeIndex(chunks);
  tuf::VariantTarget v;
  v.model = "demo";
  v.release = release;
  v.version = "1.0";
  v.variant = "cpu-fp32";
  v.backend = "cpu";
  v.precision = "fp32";
  v.min_runtime_version = "0.1.0";
  const std::string path = tuf::VariantTargetPath("demo", "cpu-fp32", release);
  json staging = {{"model", "demo"}, {"release", release}, {"targets", json::object()}};
  staging["targets"][path] = {{"custom", tuf::ToJson(v)},
                              {"hashes", {{"sha256", tuf::Sha256Hex(index)}}},
                              {"length", index.size()}};
  WriteFile(dir + "/staging.json", staging.dump());
  WriteFile(dir + "/targets/" + path, index);
  for (const rt::Chunk& c : chunks) WriteFile(dir + "/blobs/" + c.name, c.frame);
}

class PublishEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    work_ = rt::FreshDir("e2e");
    repo_ = work_ + "/repo";
    rt::InitRepo(repo_, keys_);
    ASSERT_TRUE(keys_.team.SavePrivate(work_ + "/team.key").ok());
    ASSERT_TRUE(keys_.targets.SavePrivate(work_ + "/targets.key").ok());
    WriteFile(work_ + "/token", "e2e-admin-token-abcdef0123456789\n", 0600);
    WriteFile(work_ + "/wrong-token", "not-the-admin-token-0123456789\n", 0600);
    publisher_ = std::make_unique<repository::Publisher>(repo_, keys_.Online());
    log_ = std::tmpfile();
    api_ = std::make_unique<PublishApi>(
        publisher_.get(), AdminToken::FromFile(work_ + "/token").value(),
        PublishApiOptions{.log = log_, .clock = [] { return rt::kNow; }});
    http::Router router;
    http::RegisterStaticRoutes(router, {.repo = repo_});
    RegisterPublishRoutes(router, api_.get());
    server_ = std::make_unique<http::Server>(std::move(router), http::ServerOptions{.port = 0});
    api_->AttachMetrics(server_->metrics());
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    server_->Stop(std::chrono::seconds(2));
    std::fclose(log_);
    fs::remove_all(work_);
  }

  // Runs `mota publish` and returns its exit code; its output goes to `*output`.
  int Publish(const std::string& staging, const std::string& token_file, const std::string& extra,
              std::string* output) {
    const std::string out = work_ + "/publish.out";
    const std::string cmd = std::string(MOTA_CLI_PATH) + " publish " + staging +
                            " --server http://" + server_->address() + " --token-file " +
                            token_file + " --key " + work_ + "/team.key --now " +
                            std::to_string(rt::kNow) + " " + extra + " > " + out + " 2>&1";
    const int rc = std::system(cmd.c_str());
    Result<std::string> text = storage::ReadFileToString(out);
    *output = text.ok() ? text.value() : "";
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  }

  rt::TestKeys keys_ = rt::TestKeys::Make();
  std::string work_, repo_;
  FILE* log_ = nullptr;
  std::unique_ptr<repository::Publisher> publisher_;
  std::unique_ptr<PublishApi> api_;
  std::unique_ptr<http::Server> server_;
};

TEST_F(PublishEndToEndTest, publish_over_http_then_the_served_repository_verifies) {
  const rt::Chunk shared = rt::MakeChunk(std::string(5000, 'w') + "shared weights");
  WriteStaging(work_ + "/r1", 1, {shared, rt::MakeChunk("head v1")});
  std::string out;
  ASSERT_EQ(
      Publish(work_ + "/r1", work_ + "/token", "--targets-key " + work_ + "/targets.key", &out), 0)
      << out;
  EXPECT_NE(out.find("2 of 2 blob(s) uploaded"), std::string::npos) << out;

  // Release 2 shares a chunk: only the new one travels. --next-release relabels staged release 1.
  WriteStaging(work_ + "/r2", 1, {shared, rt::MakeChunk("head v2")});
  ASSERT_EQ(Publish(work_ + "/r2", work_ + "/token", "--next-release", &out), 0) << out;
  EXPECT_NE(out.find("release 2"), std::string::npos) << out;
  EXPECT_NE(out.find("1 of 2 blob(s) uploaded"), std::string::npos) << out;

  Result<repository::RepoState> s = repository::LoadRepoState(
      repo_, {.now = rt::kNow, .check_expiry = true, .check_target_files = true});
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->models.at("demo").targets.size(), 2u);
  EXPECT_EQ(s->models.at("demo").version, 2);
  EXPECT_EQ(s->timestamp.version, 3);
  // The offline tool's verifier agrees: a served repository is a valid `mota repo`.
  const std::string verify = std::string(MOTA_CLI_PATH) + " repo verify --repo " + repo_ +
                             " --now " + std::to_string(rt::kNow) + " > /dev/null 2>&1";
  EXPECT_EQ(std::system(verify.c_str()), 0) << verify;

  // The same staged release again: refused by the client before anything is sent.
  ASSERT_EQ(Publish(work_ + "/r2", work_ + "/token", "", &out), 1) << out;
  EXPECT_NE(out.find("--next-release"), std::string::npos) << out;
}

TEST_F(PublishEndToEndTest, wrong_token_gets_401_and_nothing_is_stored) {
  WriteStaging(work_ + "/r1", 1, {rt::MakeChunk("chunk")});
  std::string out;
  EXPECT_EQ(Publish(work_ + "/r1", work_ + "/wrong-token",
                    "--targets-key " + work_ + "/targets.key", &out),
            1);
  EXPECT_NE(out.find("401"), std::string::npos) << out;
  EXPECT_TRUE(fs::is_empty(repo_ + "/blobs"));
  EXPECT_EQ(repository::LoadRepoState(repo_, {.now = rt::kNow})->timestamp.version, 1);
}

}  // namespace
}  // namespace mota::server::admin
