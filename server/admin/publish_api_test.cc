// The publishing admin API through the router: tokens, bodies, status codes, nothing stored on
// refusal.
#include "server/admin/publish_api.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/beast/http/fields.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "server/repository/publish_request.h"
#include "server/repository/publish_test_util.h"
#include "server/repository/repo_state.h"

namespace mota::server::admin {
namespace {

namespace fs = std::filesystem;
namespace rt = repository::testing;
using nlohmann::json;

constexpr char kToken[] = "s3cret-admin-token-0123456789";

class PublishApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    repo_ = rt::FreshDir("admin");
    rt::InitRepo(repo_, keys_);
    publisher_ = std::make_unique<repository::Publisher>(repo_, keys_.Online());
    api_ = std::make_unique<PublishApi>(
        publisher_.get(), AdminToken::FromString(kToken).value(),
        PublishApiOptions{.log = log_ = std::tmpfile(), .clock = [] { return rt::kNow; }});
    RegisterPublishRoutes(router_, api_.get());
    chunks_ = {rt::MakeChunk("chunk one"), rt::MakeChunk("chunk two")};
  }
  void TearDown() override {
    std::fclose(log_);
    fs::remove_all(repo_);
  }

  http::Response Call(const std::string& method, const std::string& path, const std::string& body,
                      const std::string& token = kToken) {
    boost::beast::http::fields headers;
    if (!token.empty()) headers.set("Authorization", "Bearer " + token);
    http::Request r;
    r.method = method;
    r.target = r.path = path;
    r.headers = &headers;
    r.body = body;
    r.remote_address = "127.0.0.1:1";
    http::Router::Match m = router_.Find(method, path);
    EXPECT_NE(m.route, nullptr) << method << " " << path;
    EXPECT_LE(body.size(), m.route->options.max_body_bytes);
    return m.route->handler(r);
  }
  std::string LogText() {
    std::fflush(log_);
    std::rewind(log_);
    std::string text;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), log_)) > 0) text.append(buf, n);
    return text;
  }

  rt::TestKeys keys_ = rt::TestKeys::Make();
  std::string repo_;
  FILE* log_ = nullptr;
  std::unique_ptr<repository::Publisher> publisher_;
  std::unique_ptr<PublishApi> api_;
  http::Router router_;
  std::vector<rt::Chunk> chunks_;
};

TEST_F(PublishApiTest, missing_or_wrong_token_is_401_and_stores_nothing) {
  for (const std::string token :
       {"", "wrong-token-of-some-length", "s3cret-admin-token-012345678"}) {
    EXPECT_EQ(Call("PUT", "/v1/admin/blobs/" + chunks_[0].name, chunks_[0].frame, token).status,
              401);
    const std::string body = repository::PublishRequestToJson(
        rt::MakeRequest(keys_, {.chunks = chunks_, .targets_version = 2}));
    EXPECT_EQ(Call("POST", "/v1/admin/publish", body, token).status, 401);
    EXPECT_EQ(Call("POST", "/v1/admin/blobs/missing", R"({"blobs":[]})", token).status, 401);
  }
  EXPECT_TRUE(fs::is_empty(repo_ + "/blobs"));
  EXPECT_EQ(repository::LoadRepoState(repo_, {.now = rt::kNow})->timestamp.version, 1);
  const std::string log = LogText();
  EXPECT_NE(log.find("refused: token"), std::string::npos);
  EXPECT_EQ(log.find(kToken), std::string::npos) << "the token must never be logged";
}

TEST_F(PublishApiTest, upload_only_missing_blobs_then_publish) {
  json ask = {{"blobs", {chunks_[0].name, chunks_[1].name}}};
  http::Response missing = Call("POST", "/v1/admin/blobs/missing", ask.dump());
  ASSERT_EQ(missing.status, 200) << missing.body;
  EXPECT_EQ(json::parse(missing.body)["missing"].size(), 2u);
  EXPECT_EQ(Call("PUT", "/v1/admin/blobs/" + chunks_[0].name, chunks_[0].frame).status, 201);
  EXPECT_EQ(Call("PUT", "/v1/admin/blobs/" + chunks_[0].name, chunks_[0].frame).status, 200);
  missing = Call("POST", "/v1/admin/blobs/missing", ask.dump());
  EXPECT_EQ(json::parse(missing.body)["missing"], json::array({chunks_[1].name}));
  const std::string body = repository::PublishRequestToJson(
      rt::MakeRequest(keys_, {.chunks = chunks_, .targets_version = 2}));
  http::Response refused = Call("POST", "/v1/admin/publish", body);
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_NE(refused.body.find(chunks_[1].name), std::string::npos) << refused.body;
  EXPECT_EQ(Call("PUT", "/v1/admin/blobs/" + chunks_[1].name, chunks_[1].frame).status, 201);
  http::Response ok = Call("POST", "/v1/admin/publish", body);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(json::parse(ok.body)["timestamp_version"], 2);
  EXPECT_NE(LogText().find("published demo release 1"), std::string::npos);
}

TEST_F(PublishApiTest, blob_body_that_does_not_match_its_name_is_400_and_not_stored) {
  http::Response r = Call("PUT", "/v1/admin/blobs/" + chunks_[0].name, chunks_[1].frame);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find(chunks_[1].name), std::string::npos) << r.body;
  EXPECT_EQ(Call("PUT", "/v1/admin/blobs/..%2F..%2Fetc", chunks_[0].frame).status, 400);
  EXPECT_TRUE(fs::is_empty(repo_ + "/blobs"));
}

TEST_F(PublishApiTest, malformed_publish_bodies_are_400_with_the_field_named) {
  http::Response r = Call("POST", "/v1/admin/publish", "{not json");
  EXPECT_EQ(r.status, 400);
  r = Call("POST", "/v1/admin/publish", R"({"model":"demo","target_files":{}})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("delegated_role"), std::string::npos) << r.body;
  r = Call("POST", "/v1/admin/blobs/missing", R"({"blobs":["../x"]})");
  EXPECT_EQ(r.status, 400);
}

TEST_F(PublishApiTest, undelegated_signer_is_422) {
  for (const rt::Chunk& c : chunks_) {
    ASSERT_EQ(Call("PUT", "/v1/admin/blobs/" + c.name, c.frame).status, 201);
  }
  const std::string body = repository::PublishRequestToJson(rt::MakeRequest(
      keys_, {.chunks = chunks_, .role_signer = &keys_.stranger, .targets_version = 2}));
  http::Response r = Call("POST", "/v1/admin/publish", body);
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(repository::LoadRepoState(repo_, {.now = rt::kNow})->timestamp.version, 1);
}

TEST_F(PublishApiTest, token_file_readable_by_others_or_too_short_is_refused) {
  const std::string path = repo_ + "/token";
  std::ofstream(path) << kToken << "\n";
  ::chmod(path.c_str(), 0644);
  EXPECT_FALSE(AdminToken::FromFile(path).ok());
  ::chmod(path.c_str(), 0600);
  Result<AdminToken> t = AdminToken::FromFile(path);
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_TRUE(t->Matches(kToken));
  EXPECT_FALSE(t->Matches(""));
  EXPECT_FALSE(AdminToken::FromString("short").ok());
}

}  // namespace
}  // namespace mota::server::admin
