// `mota serve` over a repository and nginx over its `mota mirror export` serve the same bytes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "server/http/test_client.h"
#include "tests/e2e/e2e_util.h"
#include "tests/support/nginx.h"

namespace mota::e2e {
namespace {

namespace fs = std::filesystem;
using server::http::testing::Get;
using server::http::testing::ParsedResponse;

const std::string kMota = MOTA_CLI_PATH;
const std::string kModel = std::string(MOTA_SHARED_DIR) + "/models/mlp_784_256_10.onnx";

class MirrorNginxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (test_support::FindNginx().empty())
      GTEST_SKIP() << "nginx is not installed (scripts/setup.sh installs it)";
    dir_ = fs::path(::testing::TempDir()) / ("mirror_nginx_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "keys");
    BuildRepository();
  }

  void TearDown() override {
    Terminate(serve_pid_);
    nginx_.Stop();
    if (!HasFailure()) fs::remove_all(dir_);
  }

  void MustRun(const std::vector<std::string>& argv) {
    std::string log;
    ASSERT_EQ(RunProcess(argv, dir_, &log), 0) << argv[1] << ": " << log;
  }

  void BuildRepository() {
    std::string keys[4] = {"root", "targets", "snapshot", "timestamp"};
    for (const std::string& k : keys)
      MustRun({kMota, "keygen", "-o", (dir_ / "keys" / k).string()});
    std::ofstream(dir_ / "deploy.yaml")
        << "model: mlp\nversion: \"1.0\"\nsource: " << kModel
        << "\ninputs:\n  input: [1, 784]\nvariants:\n"
           "  - id: cpu-fp32\n    backend: cpu\n    precision: fp32\n    priority: 1\n";
    MustRun({kMota, "package", (dir_ / "deploy.yaml").string(), "-o", (dir_ / "staging").string()});
    auto key = [&](const std::string& k) { return (dir_ / "keys" / (k + ".key")).string(); };
    MustRun({kMota, "repo", "init", "--repo", Repo().string(), "--root-key", key("root"),
             "--threshold", "1", "--targets-key", key("targets"), "--snapshot-key", key("snapshot"),
             "--timestamp-key", key("timestamp")});
    MustRun({kMota, "repo", "add", (dir_ / "staging").string(), "--repo", Repo().string(),
             "--targets-key", key("targets"), "--snapshot-key", key("snapshot"), "--timestamp-key",
             key("timestamp")});
    MustRun({kMota, "mirror", "export", "--repo", Repo().string(), "-o", Mirror().string()});
  }

  void StartServe() {
    serve_pid_ = Spawn({kMota, "serve", "--repo", Repo().string(), "--listen", "127.0.0.1:0",
                        "--threads", "2", "--log", (dir_ / "serve.log").string()},
                       dir_ / "serve.out", dir_ / "serve.err");
    serve_port_ = WaitForServePort(dir_ / "serve.out", std::chrono::seconds(10));
    if (serve_port_ != 0) return;
    FAIL() << "mota serve did not report its port: " << Slurp(dir_ / "serve.err");
  }

  // nginx over the mirror with the export's own example server block.
  void StartNginx() {
    Status s = nginx_.Start({.prefix = dir_ / "nginx",
                             .server = Slurp(Mirror() / "nginx.conf.example"),
                             .worker_connections = 128,
                             .access_log = true});
    ASSERT_TRUE(s.ok()) << s.ToString();
    nginx_port_ = nginx_.port();
  }

  fs::path Repo() const { return dir_ / "repo"; }
  fs::path Mirror() const { return dir_ / "mirror"; }

  test_support::NginxServer nginx_;
  fs::path dir_;
  pid_t serve_pid_ = -1;
  uint16_t serve_port_ = 0, nginx_port_ = 0;
};

TEST_F(MirrorNginxTest, serve_and_nginx_give_identical_bytes_and_range_resume_works) {
  ASSERT_NO_FATAL_FAILURE(StartServe());
  ASSERT_NO_FATAL_FAILURE(StartNginx());

  // Every metadata file, target file and blob of the mirror, from both servers.
  size_t files = 0, blobs = 0;
  fs::path largest_blob;
  for (const char* dir : {"metadata", "targets", "blobs"}) {
    for (const auto& e : fs::recursive_directory_iterator(Mirror() / dir)) {
      if (!e.is_regular_file()) continue;
      const std::string url = "/" + fs::relative(e.path(), Mirror()).string();
      const std::string bytes = Slurp(e.path());
      auto ours = Get(serve_port_, url), theirs = Get(nginx_port_, url);
      ASSERT_TRUE(ours && theirs) << url;
      ASSERT_EQ(ours->status, 200) << url << ": " << ours->body;
      ASSERT_EQ(theirs->status, 200) << url << ": " << theirs->body;
      EXPECT_TRUE(ours->body == theirs->body) << url << " differs between mota serve and nginx";
      EXPECT_TRUE(ours->body == bytes) << url << " differs from the mirror's file";
      EXPECT_EQ(ours->Header("cache-control"), theirs->Header("cache-control")) << url;
      ++files;
      if (std::string(dir) == "blobs") {
        ++blobs;
        if (largest_blob.empty() || fs::file_size(e.path()) > fs::file_size(largest_blob)) {
          largest_blob = e.path();
        }
      }
    }
  }
  EXPECT_GE(files, 8u);
  ASSERT_GT(blobs, 0u);
  EXPECT_EQ(Get(serve_port_, "/metadata/timestamp.json")->Header("cache-control"),
            "public, max-age=60");

  // Resume: the first part from one server, the rest from the other, and from each alone.
  const std::string name = largest_blob.filename().string();
  const uint64_t size = fs::file_size(largest_blob);
  const uint64_t half = size / 2;
  for (auto [first_port, second_port] :
       {std::pair{serve_port_, serve_port_}, std::pair{nginx_port_, nginx_port_},
        std::pair{serve_port_, nginx_port_}, std::pair{nginx_port_, serve_port_}}) {
    auto a =
        Get(first_port, "/blobs/" + name, "Range: bytes=0-" + std::to_string(half - 1) + "\r\n");
    auto b = Get(second_port, "/blobs/" + name, "Range: bytes=" + std::to_string(half) + "-\r\n");
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->status, 206);
    EXPECT_EQ(b->status, 206);
    EXPECT_EQ(a->Header("content-range"),
              "bytes 0-" + std::to_string(half - 1) + "/" + std::to_string(size));
    EXPECT_EQ(b->Header("content-range"), "bytes " + std::to_string(half) + "-" +
                                              std::to_string(size - 1) + "/" +
                                              std::to_string(size));
    EXPECT_EQ(Sha256(a->body + b->body), Sha256(Slurp(largest_blob)))
        << "ports " << first_port << " then " << second_port;
  }
  // Both refuse a range past the end the same way.
  auto ours = Get(serve_port_, "/blobs/" + name, "Range: bytes=" + std::to_string(size) + "-\r\n");
  auto theirs =
      Get(nginx_port_, "/blobs/" + name, "Range: bytes=" + std::to_string(size) + "-\r\n");
  ASSERT_TRUE(ours && theirs);
  EXPECT_EQ(ours->status, 416);
  EXPECT_EQ(theirs->status, 416);
  EXPECT_EQ(ours->Header("content-range"), theirs->Header("content-range"));

  // SIGTERM: mota serve exits 0.
  EXPECT_EQ(Terminate(serve_pid_), 0) << Slurp(dir_ / "serve.err");
  serve_pid_ = -1;
  EXPECT_NE(Slurp(dir_ / "serve.log").find("\"route\":\"blobs\",\"status\":206"),
            std::string::npos);
}

TEST_F(MirrorNginxTest, export_refuses_a_non_empty_output_unless_forced) {
  std::string log;
  EXPECT_EQ(
      RunProcess({kMota, "mirror", "export", "--repo", Repo().string(), "-o", Mirror().string()},
                 dir_, &log),
      1);
  EXPECT_NE(log.find("--force"), std::string::npos) << log;
  log.clear();
  EXPECT_EQ(RunProcess({kMota, "mirror", "export", "--repo", Repo().string(), "-o",
                        Mirror().string(), "--force"},
                       dir_, &log),
            0)
      << log;
}

TEST_F(MirrorNginxTest, export_refuses_a_repository_with_a_corrupt_blob) {
  fs::path blob = *fs::directory_iterator(Repo() / "blobs");
  {
    std::fstream f(blob, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(0);
    f.put('\x7f');
  }
  std::string log;
  EXPECT_EQ(RunProcess({kMota, "mirror", "export", "--repo", Repo().string(), "-o",
                        (dir_ / "mirror2").string()},
                       dir_, &log),
            1);
  EXPECT_NE(log.find(blob.filename().string()), std::string::npos) << log;
  EXPECT_FALSE(fs::exists(dir_ / "mirror2")) << "a failed export must leave nothing behind";
}

}  // namespace
}  // namespace mota::e2e
