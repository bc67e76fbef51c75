// The download layer against the real update server's static routes (server/http, as `mota serve`
// runs them), in-process on 127.0.0.1 port 0: full download, resume with Range, and a second run
// that needs nothing. (Tests may link the server; libmota never does.)
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "delivery/fetch/chunk_downloader.h"
#include "delivery/fetch/http_fetcher.h"
#include "delivery/fetch/store_files.h"
#include "manifests/lib/bundle/test_util.h"
#include "server/http/server.h"
#include "server/http/static_files.h"
#include "tests/support/test_dir.h"

namespace mota::fetch {
namespace {

namespace fs = std::filesystem;
namespace http = mota::server::http;

class MotaServeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test_support::PerTestDir("mota_fetch_serve").string();
    fs::create_directories(dir_);
    model_ = bundle::testing::MakeModel({600000, 3000, 90000}, 7);
    packed_ = bundle::testing::Pack(model_);
    fs::create_directories(dir_ + "/repo/blobs");
    fs::create_directories(dir_ + "/repo/metadata");
    for (size_t i = 0; i < packed_.frames.size(); ++i) {
      std::ofstream(dir_ + "/repo/blobs/" + packed_.index.chunks[i].sha256, std::ios::binary)
          .write(reinterpret_cast<const char*>(packed_.frames[i].data()),
                 static_cast<std::streamsize>(packed_.frames[i].size()));
    }
    std::ofstream(dir_ + "/repo/metadata/timestamp.json") << R"({"signed":{}})";
    http::Router router;
    http::RegisterStaticRoutes(router, {.repo = dir_ + "/repo"});
    server_ = std::make_unique<http::Server>(std::move(router), http::ServerOptions{});
    ASSERT_TRUE(server_->Start().ok());
    base_ = "http://" + server_->address();
  }
  void TearDown() override {
    server_->Stop(std::chrono::seconds(1));
    fs::remove_all(dir_);
  }
  std::unique_ptr<ChunkDownloader> Make() {
    DownloadOptions o;
    o.base_url = base_;
    o.store_dir = dir_ + "/store";
    auto d = ChunkDownloader::Create(std::move(o));
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return std::move(d).value();
  }

  std::string dir_, base_;
  std::vector<uint8_t> model_;
  bundle::testing::Packed packed_;
  std::unique_ptr<http::Server> server_;
};

TEST_F(MotaServeTest, downloads_assembles_and_second_run_sends_no_request) {
  auto d = Make();
  auto stats = d->Download(packed_.index, dir_ + "/out.mota");
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(ReadWholeFile(dir_ + "/out.mota", 1 << 30).value(), model_);
  EXPECT_EQ(stats->blobs_downloaded, packed_.index.chunks.size());
  auto again = d->Download(packed_.index, dir_ + "/out.mota");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->requests, 0);
  EXPECT_EQ(again->blobs_present, packed_.index.chunks.size());
}

TEST_F(MotaServeTest, partial_chunk_is_resumed_with_a_range_the_server_honours) {
  const bundle::ChunkRef& first = packed_.index.chunks[1];
  fs::create_directories(dir_ + "/store/blobs");
  const auto& frame = packed_.frames[1];
  std::ofstream(dir_ + "/store/blobs/" + first.zstd_sha256 + ".part", std::ios::binary)
      .write(reinterpret_cast<const char*>(frame.data()), 777);
  auto stats = Make()->Download(packed_.index, dir_ + "/out.mota");
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->resumed, 1);
  EXPECT_EQ(stats->restarted, 0);
  EXPECT_EQ(stats->bytes_received + 777, [&] {
    uint64_t sum = 0;
    for (const auto& c : packed_.index.chunks) sum += c.zstd_size;
    return sum;
  }());
  EXPECT_EQ(ReadWholeFile(dir_ + "/out.mota", 1 << 30).value(), model_);
}

TEST_F(MotaServeTest, metadata_fetcher_reads_files_and_maps_missing_to_not_found) {
  auto fetcher = HttpFetcher::Create({});
  ASSERT_TRUE(fetcher.ok());
  auto body = (*fetcher)->Fetch(base_ + "/metadata/timestamp.json", 1000);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(*body, R"({"signed":{}})");
  EXPECT_EQ((*fetcher)->Fetch(base_ + "/metadata/2.root.json", 1000).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ((*fetcher)->Fetch(base_ + "/metadata/timestamp.json", 5).status().code(),
            StatusCode::kOutOfRange);
}

}  // namespace
}  // namespace mota::fetch
