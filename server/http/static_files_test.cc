// Static repository serving over a real server: Range (206/416/resume), ETag + If-None-Match,
// Cache-Control, HEAD, and path traversal attacks that must never reach a file outside the repo.
#include "server/http/static_files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <atomic>
#include <fstream>
#include <map>
#include <thread>
#include <random>

#include "manifests/lib/bundle/sha256.h"
#include "server/http/server.h"
#include "server/http/test_client.h"

namespace mota::server::http {
namespace {

namespace fs = std::filesystem;
using testing::Get;

TEST(ParseRangeTest, forms_of_a_single_byte_range) {
  ByteRange r;
  ASSERT_EQ(ParseRange("bytes=0-9", 100, &r), RangeResult::kSatisfiable);
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.length, 10u);
  ASSERT_EQ(ParseRange("bytes=90-", 100, &r), RangeResult::kSatisfiable);  // open-ended
  EXPECT_EQ(r.first, 90u);
  EXPECT_EQ(r.length, 10u);
  ASSERT_EQ(ParseRange("bytes=-30", 100, &r), RangeResult::kSatisfiable);  // suffix
  EXPECT_EQ(r.first, 70u);
  EXPECT_EQ(r.length, 30u);
  ASSERT_EQ(ParseRange("bytes=-300", 100, &r), RangeResult::kSatisfiable);  // longer suffix
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.length, 100u);
  ASSERT_EQ(ParseRange("bytes=50-5000", 100, &r), RangeResult::kSatisfiable);  // clipped end
  EXPECT_EQ(r.length, 50u);
}

TEST(ParseRangeTest, unsatisfiable_and_ignored_ranges) {
  ByteRange r;
  EXPECT_EQ(ParseRange("bytes=100-", 100, &r), RangeResult::kUnsatisfiable);
  EXPECT_EQ(ParseRange("bytes=-0", 100, &r), RangeResult::kUnsatisfiable);
  EXPECT_EQ(ParseRange("bytes=0-", 0, &r), RangeResult::kUnsatisfiable);
  // Malformed, other units and several ranges: ignored (the whole file is sent).
  EXPECT_EQ(ParseRange("bytes=9-1", 100, &r), RangeResult::kNone);
  EXPECT_EQ(ParseRange("items=0-1", 100, &r), RangeResult::kNone);
  EXPECT_EQ(ParseRange("bytes=0-1,5-6", 100, &r), RangeResult::kNone);
  EXPECT_EQ(ParseRange("bytes=a-b", 100, &r), RangeResult::kNone);
  EXPECT_EQ(ParseRange("bytes=-", 100, &r), RangeResult::kNone);
}

TEST(CacheControlTest, immutable_for_versioned_files_short_for_timestamp_and_root) {
  const std::string immutable = "public, max-age=31536000, immutable";
  EXPECT_EQ(CacheControlFor("blobs/ab", 60), immutable);
  EXPECT_EQ(CacheControlFor("targets/models/m/x.json", 60), immutable);
  EXPECT_EQ(CacheControlFor("metadata/12.snapshot.json", 60), immutable);
  EXPECT_EQ(CacheControlFor("metadata/timestamp.json", 60), "public, max-age=60");
  EXPECT_EQ(CacheControlFor("metadata/root.json", 30), "public, max-age=30");
}

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::path(::testing::TempDir()) /
            ("static_files_test_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    repo_ = base_ / "repo";
    for (const char* d : {"metadata", "targets/models/m", "blobs"}) fs::create_directories(repo_ / d);
    std::mt19937 rng(7);
    blob_.resize(300000);
    for (char& c : blob_) c = static_cast<char>(rng());
    blob_name_ = bundle::Sha256Hex({reinterpret_cast<const uint8_t*>(blob_.data()), blob_.size()});
    Write(repo_ / "blobs" / blob_name_, blob_);
    Write(repo_ / "metadata" / "timestamp.json", R"({"signed":{"version":1}})");
    Write(repo_ / "metadata" / "3.snapshot.json", R"({"signed":{"version":3}})");
    Write(repo_ / "metadata" / ".timestamp.json.tmp", "half-written");
    Write(repo_ / "targets" / "models" / "m" / "abc.cpu.r1.json", "{}");
    Write(base_ / "secret", "SECRET");  // outside the repository
    Router router;
    RegisterStaticRoutes(router, {.repo = repo_.string(), .mutable_max_age_seconds = 60});
    server_ = std::make_unique<Server>(std::move(router), ServerOptions{});
    ASSERT_TRUE(server_->Start().ok());
    port_ = server_->port();
  }
  void TearDown() override {
    server_.reset();
    fs::remove_all(base_);
  }
  static void Write(const fs::path& p, const std::string& bytes) {
    std::ofstream(p, std::ios::binary) << bytes;
  }
  std::string BlobUrl() const { return "/blobs/" + blob_name_; }

  fs::path base_, repo_;
  std::string blob_, blob_name_;
  std::unique_ptr<Server> server_;
  uint16_t port_ = 0;
};

TEST_F(StaticFilesTest, blob_is_served_whole_with_sha256_etag_and_immutable_cache) {
  auto r = Get(port_, BlobUrl());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, blob_);
  EXPECT_EQ(r->Header("etag"), "\"" + blob_name_ + "\"");
  EXPECT_EQ(r->Header("cache-control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(r->Header("accept-ranges"), "bytes");
  EXPECT_EQ(r->Header("content-type"), "application/octet-stream");
}

TEST_F(StaticFilesTest, range_gives_206_with_content_range) {
  auto r = Get(port_, BlobUrl(), "Range: bytes=1000-1999\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 206);
  EXPECT_EQ(r->Header("content-range"), "bytes 1000-1999/300000");
  EXPECT_EQ(r->body, blob_.substr(1000, 1000));
  auto suffix = Get(port_, BlobUrl(), "Range: bytes=-10\r\n");
  ASSERT_TRUE(suffix);
  EXPECT_EQ(suffix->status, 206);
  EXPECT_EQ(suffix->body, blob_.substr(blob_.size() - 10));
  EXPECT_EQ(suffix->Header("content-range"), "bytes 299990-299999/300000");
}

TEST_F(StaticFilesTest, resume_across_two_requests_reassembles_the_blob) {
  auto first = Get(port_, BlobUrl(), "Range: bytes=0-123456\r\n");
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 206);
  auto rest = Get(port_, BlobUrl(),
                  "Range: bytes=" + std::to_string(first->body.size()) + "-\r\nIf-Range: " +
                      first->Header("etag") + "\r\n");
  ASSERT_TRUE(rest);
  ASSERT_EQ(rest->status, 206);
  std::string whole = first->body + rest->body;
  EXPECT_EQ(bundle::Sha256Hex({reinterpret_cast<const uint8_t*>(whole.data()), whole.size()}),
            blob_name_);
}

TEST_F(StaticFilesTest, if_range_with_another_etag_sends_the_whole_file) {
  auto r = Get(port_, BlobUrl(), "Range: bytes=0-9\r\nIf-Range: \"stale\"\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body.size(), blob_.size());
}

TEST_F(StaticFilesTest, range_past_the_end_is_416_with_the_size) {
  auto r = Get(port_, BlobUrl(), "Range: bytes=300000-\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 416);
  EXPECT_EQ(r->Header("content-range"), "bytes */300000");
}

TEST_F(StaticFilesTest, if_none_match_gives_304_without_body) {
  auto first = Get(port_, "/metadata/timestamp.json");
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 200);
  std::string etag = first->Header("etag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(first->Header("cache-control"), "public, max-age=60");
  auto again = Get(port_, "/metadata/timestamp.json", "If-None-Match: \"x\", " + etag + "\r\n");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  EXPECT_EQ(again->Header("etag"), etag);
  EXPECT_TRUE(again->body.empty());
  auto blob = Get(port_, BlobUrl(), "If-None-Match: \"" + blob_name_ + "\"\r\n");
  ASSERT_TRUE(blob);
  EXPECT_EQ(blob->status, 304);
}

TEST_F(StaticFilesTest, a_renamed_timestamp_gets_a_new_etag_and_new_bytes) {
  auto first = Get(port_, "/metadata/timestamp.json");
  ASSERT_TRUE(first);
  // What a publisher does: write a temp file, rename it over timestamp.json.
  Write(repo_ / "metadata" / ".ts.tmp", R"({"signed":{"version":2}})");
  fs::rename(repo_ / "metadata" / ".ts.tmp", repo_ / "metadata" / "timestamp.json");
  auto second = Get(port_, "/metadata/timestamp.json", "If-None-Match: " +
                                                           first->Header("etag") + "\r\n");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(second->body, R"({"signed":{"version":2}})");
  EXPECT_NE(second->Header("etag"), first->Header("etag"));
}

TEST_F(StaticFilesTest, readers_never_see_a_mixed_timestamp_while_a_publisher_renames) {
  // Versions differ in length and content, so a torn read (old length, new bytes, or a mix)
  // cannot pass for a valid one.
  auto version = [](int v) {
    return R"({"signed":{"version":)" + std::to_string(v) + "}," + std::string(v % 7 * 100, 'p') +
           "}";
  };
  std::atomic<bool> done{false};
  std::thread publisher([&] {
    for (int v = 2; v < 400; ++v) {
      Write(repo_ / "metadata" / ".timestamp.json.new", version(v));
      fs::rename(repo_ / "metadata" / ".timestamp.json.new", repo_ / "metadata" / "timestamp.json");
    }
    done = true;
  });
  std::map<std::string, std::string> etag_of;  // body -> ETag: one ETag per version
  int reads = 0;
  testing::TestConnection c(port_);
  while (!done || reads < 50) {
    c.Send("GET /metadata/timestamp.json HTTP/1.1\r\nHost: t\r\n\r\n");
    auto r = c.Read();
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200);
    bool known = r->body == R"({"signed":{"version":1}})";
    for (int v = 2; v < 400 && !known; ++v) known = r->body == version(v);
    ASSERT_TRUE(known) << "torn read: " << r->body;
    auto [it, inserted] = etag_of.emplace(r->body, r->Header("etag"));
    EXPECT_EQ(it->second, r->Header("etag")) << "one version, two ETags";
    ++reads;
  }
  publisher.join();
}

TEST_F(StaticFilesTest, versioned_metadata_and_targets_are_immutable) {
  auto snap = Get(port_, "/metadata/3.snapshot.json");
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->status, 200);
  EXPECT_EQ(snap->Header("cache-control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(snap->Header("content-type"), "application/json");
  auto target = Get(port_, "/targets/models/m/abc.cpu.r1.json");
  ASSERT_TRUE(target);
  EXPECT_EQ(target->status, 200);
  EXPECT_EQ(target->body, "{}");
}

TEST_F(StaticFilesTest, large_target_file_is_streamed_with_ranges_and_a_content_etag) {
  std::string big(200000, 'x');
  for (size_t i = 0; i < big.size(); i += 7) big[i] = static_cast<char>('a' + i % 26);
  Write(repo_ / "targets" / "models" / "m" / "big.json", big);
  auto whole = Get(port_, "/targets/models/m/big.json");
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->body, big);
  auto part = Get(port_, "/targets/models/m/big.json", "Range: bytes=150000-\r\n");
  ASSERT_TRUE(part);
  EXPECT_EQ(part->status, 206);
  EXPECT_EQ(part->body, big.substr(150000));
  EXPECT_EQ(part->Header("etag"), whole->Header("etag"));
  EXPECT_EQ(whole->Header("etag").size(), 34u);  // 32 hex digits of the content's sha256, quoted
}

TEST_F(StaticFilesTest, head_sends_length_but_no_body) {
  auto r = Get(port_, BlobUrl(), "", "HEAD");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("content-length"), "300000");
  EXPECT_TRUE(r->body.empty());
}

TEST_F(StaticFilesTest, traversal_attacks_never_reach_files_outside_the_repo) {
  for (const std::string& target : std::vector<std::string>{
           "/blobs/../secret", "/metadata/../../secret", "/metadata/%2e%2e/%2e%2e/secret",
        "/metadata/%2E%2E%2F%2E%2E%2Fsecret", "/targets/models/../../../secret",
        "/metadata//etc/passwd", "/metadata/%2fetc%2fpasswd", "/metadata/timestamp.json%00",
        "/metadata/..%5c..%5csecret", "/metadata/.timestamp.json.tmp", "/metadata/%zz",
        "/targets/models", "/targets/models/m", "/blobs/secret", "/secret", "/../secret",
        "/blobs/" + std::string(64, 'A')}) {
    auto r = Get(port_, target);
    ASSERT_TRUE(r) << target;
    EXPECT_TRUE(r->status == 400 || r->status == 404) << target << " -> " << r->status;
    EXPECT_EQ(r->body.find("SECRET"), std::string::npos) << target;
    EXPECT_EQ(r->body.find("half-written"), std::string::npos) << target;
  }
}

TEST_F(StaticFilesTest, symlink_to_a_file_outside_is_not_followed) {
  fs::create_symlink(base_ / "secret", repo_ / "metadata" / "link.json");
  auto r = Get(port_, "/metadata/link.json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
}

TEST_F(StaticFilesTest, keep_alive_mixes_ranges_and_metadata_on_one_connection) {
  testing::TestConnection c(port_);
  std::string reassembled;
  for (int i = 0; i < 3; ++i) {
    c.Send("GET " + BlobUrl() + " HTTP/1.1\r\nHost: t\r\nRange: bytes=" +
           std::to_string(i * 100000) + "-" + std::to_string(i * 100000 + 99999) + "\r\n\r\n");
    auto r = c.Read();
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 206);
    reassembled += r->body;
    c.Send("GET /metadata/timestamp.json HTTP/1.1\r\nHost: t\r\n\r\n");
    auto m = c.Read();
    ASSERT_TRUE(m);
    EXPECT_EQ(m->status, 200);
  }
  EXPECT_EQ(reassembled, blob_);
}

}  // namespace
}  // namespace mota::server::http
