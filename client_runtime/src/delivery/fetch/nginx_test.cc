// The download layer against nginx serving a repository mirror (a plain static file server, as a
// CDN or an app's own mirror would be): download, Range resume, and a second run that needs
// nothing. Skipped where nginx is not installed.
#include "tests/support/nginx.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "delivery/fetch/chunk_downloader.h"
#include "delivery/fetch/store_files.h"
#include "manifests/lib/bundle/test_util.h"

namespace mota::fetch {
namespace {

namespace fs = std::filesystem;

class NginxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (test_support::FindNginx().empty()) {
      GTEST_SKIP() << "nginx is not installed (scripts/setup.sh installs it)";
    }
    char tmpl[] = "/tmp/mota_fetch_nginx_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    model_ = bundle::testing::MakeModel({500000, 2000, 80000}, 3);
    packed_ = bundle::testing::Pack(model_);
    fs::create_directories(dir_ + "/repo/blobs");
    for (size_t i = 0; i < packed_.frames.size(); ++i) {
      std::ofstream(dir_ + "/repo/blobs/" + packed_.index.chunks[i].sha256, std::ios::binary)
          .write(reinterpret_cast<const char*>(packed_.frames[i].data()),
                 static_cast<std::streamsize>(packed_.frames[i].size()));
    }
    Status started = nginx_.Start(
        {.prefix = dir_ + "/nginx", .server = "server { listen 8080; root " + dir_ + "/repo; }"});
    ASSERT_TRUE(started.ok()) << started.ToString();
  }
  void TearDown() override {
    nginx_.Stop();
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  std::unique_ptr<ChunkDownloader> Make() {
    DownloadOptions o;
    o.base_url = nginx_.base_url();
    o.store_dir = dir_ + "/store";
    auto d = ChunkDownloader::Create(std::move(o));
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return std::move(d).value();
  }

  std::string dir_;
  test_support::NginxServer nginx_;
  std::vector<uint8_t> model_;
  bundle::testing::Packed packed_;
};

TEST_F(NginxTest, mirror_download_resumes_with_range_and_second_run_needs_nothing) {
  const bundle::ChunkRef& c = packed_.index.chunks[1];
  fs::create_directories(dir_ + "/store/blobs");
  std::ofstream(dir_ + "/store/blobs/" + c.zstd_sha256 + ".part", std::ios::binary)
      .write(reinterpret_cast<const char*>(packed_.frames[1].data()), 4096);
  auto d = Make();
  auto stats = d->Download(packed_.index, dir_ + "/out.mota");
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->resumed, 1);
  EXPECT_EQ(stats->restarted, 0);
  EXPECT_EQ(ReadWholeFile(dir_ + "/out.mota", 1 << 30).value(), model_);
  auto again = d->Download(packed_.index, dir_ + "/out.mota");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->requests, 0);
}

TEST_F(NginxTest, blob_missing_from_the_mirror_is_not_found_naming_the_chunk) {
  fs::remove(dir_ + "/repo/blobs/" + packed_.index.chunks[0].sha256);
  auto stats = Make()->Download(packed_.index, dir_ + "/out.mota");
  ASSERT_EQ(stats.status().code(), StatusCode::kNotFound) << stats.status().ToString();
  EXPECT_NE(stats.status().message().find("chunk 0"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ + "/out.mota"));
}

}  // namespace
}  // namespace mota::fetch
