// tuf_conformance_client end to end: a repository written the python-tuf way (tuf_fixture.py:
// securesystemslib signer, ed25519 / ecdsa / rsassa-pss / rsa-pkcs1v15 keys, sha256 + sha512),
// served over HTTP on a free loopback port, driven through init, refresh and download.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void Spit(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
}

class CliTest : public ::testing::Test {
 protected:
  // Key generation (RSA) takes a second or two: one repository for the whole suite.
  static void SetUpTestSuite() {
    pristine_ = fs::path(::testing::TempDir()) / ("mota_tufcli_" + std::to_string(::getpid()));
    fs::remove_all(pristine_);
    fs::create_directories(pristine_);
    const std::string cmd =
        std::string("/usr/bin/python3 ") + MOTA_TUF_FIXTURE + " generate " + pristine_.string();
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  static void TearDownTestSuite() { fs::remove_all(pristine_); }

  void SetUp() override {
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    work_ = pristine_.parent_path() / (pristine_.filename().string() + "_" + name);
    fs::remove_all(work_);
    fs::create_directories(work_);
    fs::copy(pristine_, work_ / "repo", fs::copy_options::recursive);
    StartServer();
  }
  void TearDown() override {
    if (server_ > 0) {
      ::kill(server_, SIGTERM);
      ::waitpid(server_, nullptr, 0);
    }
    fs::remove_all(work_);
  }

  void StartServer() {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    server_ = ::fork();
    if (server_ == 0) {
      ::dup2(fds[1], 1);
      ::close(fds[0]);
      const std::string dir = (work_ / "repo").string();
      ::execl("/usr/bin/python3", "python3", MOTA_TUF_FIXTURE, "serve", dir.c_str(), nullptr);
      ::_exit(127);
    }
    ::close(fds[1]);
    FILE* out = ::fdopen(fds[0], "r");
    ASSERT_TRUE(out != nullptr);
    ASSERT_EQ(std::fscanf(out, "%d", &port_), 1) << "the fixture server printed no port";
    std::fclose(out);
  }

  // Runs the client with `args`; returns its exit code.
  int Client(const std::string& args) {
    const std::string cmd =
        std::string(MOTA_TUF_CLIENT) + " " + args + " 2>>" + (work_ / "stderr.txt").string();
    const int rc = std::system(cmd.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  }
  std::string Base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string MetadataArgs() const {
    return "--metadata-dir " + (work_ / "meta").string() + " --metadata-url " + Base() +
           "/metadata";
  }
  int Init() {
    return Client("--metadata-dir " + (work_ / "meta").string() + " init " +
                  (work_ / "repo/metadata/1.root.json").string());
  }
  int Refresh() { return Client(MetadataArgs() + " refresh"); }
  int Download(const std::string& names) {
    return Client(MetadataArgs() + " " + names + " --target-base-url " + Base() +
                  "/targets --target-dir " + (work_ / "out").string() + " download");
  }
  // The served file of a target ("file.txt" -> repo/targets/<sha256>.file.txt).
  fs::path Served(const std::string& dir, const std::string& suffix) const {
    for (const auto& e : fs::directory_iterator(work_ / "repo/targets" / dir)) {
      if (e.path().filename().string().ends_with(suffix)) return e.path();
    }
    return {};
  }
  std::string Errors() const { return Slurp(work_ / "stderr.txt"); }

  static inline fs::path pristine_;
  fs::path work_;
  pid_t server_ = -1;
  int port_ = 0;
};

TEST_F(CliTest, init_refresh_and_download_from_a_python_signed_repository) {
  ASSERT_EQ(Init(), 0) << Errors();
  ASSERT_EQ(Refresh(), 0) << Errors();
  for (const char* f : {"root.json", "timestamp.json", "snapshot.json", "targets.json"}) {
    EXPECT_TRUE(fs::exists(work_ / "meta" / f)) << f;
  }
  EXPECT_EQ(Slurp(work_ / "meta/timestamp.json"), Slurp(work_ / "repo/metadata/timestamp.json"));
  ASSERT_EQ(Download("--target-name file.txt --target-name team/model.bin"), 0) << Errors();
  EXPECT_EQ(Slurp(work_ / "out/file.txt"), Slurp(Served("", ".file.txt")));
  EXPECT_EQ(Slurp(work_ / "out/team%2Fmodel.bin"), Slurp(Served("team", ".model.bin")));
  EXPECT_TRUE(fs::exists(work_ / "meta/team.json"));  // the delegated role (rsa-pkcs1v15)
}

TEST_F(CliTest, downloaded_target_is_not_downloaded_again) {
  ASSERT_EQ(Init(), 0);
  ASSERT_EQ(Download("--target-name file.txt"), 0) << Errors();
  fs::remove(Served("", ".file.txt"));  // the server no longer has it
  EXPECT_EQ(Download("--target-name file.txt"), 0) << Errors();
  fs::remove(work_ / "out/file.txt");
  EXPECT_EQ(Download("--target-name file.txt"), 1);  // now it must fetch, and cannot
}

TEST_F(CliTest, tampered_target_makes_download_exit_1) {
  ASSERT_EQ(Init(), 0);
  const fs::path served = Served("", ".file.txt");
  std::string bytes = Slurp(served);
  bytes[0] ^= 0x20;  // same length, other content
  Spit(served, bytes);
  EXPECT_EQ(Download("--target-name file.txt"), 1);
  EXPECT_NE(Errors().find("sha"), std::string::npos) << Errors();
  EXPECT_FALSE(fs::exists(work_ / "out/file.txt"));
}

TEST_F(CliTest, tampered_timestamp_makes_refresh_exit_1) {
  ASSERT_EQ(Init(), 0);
  const fs::path served = work_ / "repo/metadata/timestamp.json";
  std::string text = Slurp(served);
  const size_t at = text.find("\"version\": 1");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 12, "\"version\": 9");
  Spit(served, text);
  EXPECT_EQ(Refresh(), 1);
  EXPECT_NE(Errors().find("timestamp"), std::string::npos) << Errors();
  EXPECT_FALSE(fs::exists(work_ / "meta/timestamp.json"));
}

TEST_F(CliTest, unknown_target_and_bad_usage_exit_1) {
  ASSERT_EQ(Init(), 0);
  EXPECT_EQ(Download("--target-name nothing.txt"), 1);
  EXPECT_EQ(Client("refresh"), 1);
  EXPECT_EQ(Client(MetadataArgs() + " frobnicate"), 1);
}

}  // namespace
