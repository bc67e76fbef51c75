// The download layer against nginx serving a repository mirror (a plain static file server, as a
// CDN or an app's own mirror would be): download, Range resume, and a second run that needs
// nothing. Skipped where nginx is not installed.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "delivery/fetch/chunk_downloader.h"
#include "delivery/fetch/store_files.h"
#include "manifests/lib/bundle/test_util.h"

namespace mota::fetch {
namespace {

namespace fs = std::filesystem;

std::string FindNginx() {
  for (const char* p : {"/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"})
    if (::access(p, X_OK) == 0) return p;
  return "";
}

// A port that was free a moment ago (nginx cannot report the port it picked).
uint16_t FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool PortOpen(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

class NginxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string nginx = FindNginx();
    if (nginx.empty()) GTEST_SKIP() << "nginx is not installed (scripts/setup.sh installs it)";
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
    const std::string p = dir_ + "/nginx";
    fs::create_directories(p + "/logs");
    port_ = FreePort();
    std::ofstream conf(p + "/nginx.conf");
    if (::geteuid() == 0) conf << "user root;\n";  // workers must read the test's temp files
    conf << "worker_processes 1;\npid " << p << "/nginx.pid;\nerror_log " << p
         << "/logs/error.log;\nevents { worker_connections 64; }\nhttp {\n  access_log off;\n";
    for (const char* t : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"})
      conf << "  " << t << "_temp_path " << p << "/" << t << ";\n";
    conf << "  server { listen 127.0.0.1:" << port_ << "; root " << dir_ << "/repo; }\n}\n";
    conf.close();
    pid_ = ::fork();
    if (pid_ == 0) {
      int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, 1);
      ::dup2(null, 2);
      ::execl(nginx.c_str(), nginx.c_str(), "-p", p.c_str(), "-c", (p + "/nginx.conf").c_str(),
              "-g", "daemon off;", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 500 && !PortOpen(port_); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_TRUE(PortOpen(port_)) << "nginx did not start on port " << port_;
  }
  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGQUIT);
      ::waitpid(pid_, nullptr, 0);
    }
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  std::unique_ptr<ChunkDownloader> Make() {
    DownloadOptions o;
    o.base_url = "http://127.0.0.1:" + std::to_string(port_);
    o.store_dir = dir_ + "/store";
    auto d = ChunkDownloader::Create(std::move(o));
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return std::move(d).value();
  }

  std::string dir_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
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
