// `mota client select` as a user runs it: a repository built by `mota package` + `mota repo`,
// trust refreshed by the TUF client over the directory, the table of every variant with its
// reason, JSON output, failed-before variants, no match, and tampered metadata refused.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "tests/support/run_tool.h"

namespace mota {
namespace {

namespace fs = std::filesystem;

using test_support::Slurp;

std::string Device(const std::string& file) {
  return (fs::path(MOTA_SOURCE_DIR) / "manifests/devices" / file).string();
}

class ClientSelectCli : public ::testing::Test {
 protected:
  // One repository for the suite: packaging is the slow part.
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() /
                        ("mota_client_select_" + std::to_string(::getpid())));
    fs::remove_all(*dir_);
    fs::create_directories(*dir_ / "keys");
    for (const char* k : {"root", "targets", "snapshot", "timestamp"}) {
      ASSERT_EQ(Mota("keygen -o '" + (*dir_ / "keys" / k).string() + "'"), 0) << out_ << err_;
    }
    std::ofstream(*dir_ / "deploy.yaml")
        << "model: mlp\nversion: \"1.0\"\nsource: " << MOTA_SHARED_DIR
        << "/models/mlp_784_256_10.onnx\ninputs:\n  input: [1, 784]\nvariants:\n"
           "  - id: arm-fp32\n    backend: cpu\n    precision: fp32\n    priority: 100\n"
           "    requires:\n      arch: [arm64]\n"
           "  - id: x86-fp32\n    backend: cpu\n    precision: fp32\n    priority: 50\n"
           "    requires:\n      arch: [x86_64]\n"
           "  - id: any-fp32\n    backend: cpu\n    precision: fp32\n    priority: 1\n"
           "    requires:\n      arch: [arm64, x86_64]\n      min_ram_mb: 1024\n"
           "quirks:\n  - when:\n      soc: [SM6225]\n    deny: [arm-fp32]\n"
           "    reason: \"wrong results on this SoC (test quirk)\"\n";
    ASSERT_EQ(Mota("package '" + (*dir_ / "deploy.yaml").string() + "' -o '" + Staging() + "'"), 0)
        << out_ << err_;
    ASSERT_EQ(Mota("repo init --repo '" + Repo() + "' --root-key '" + Key("root") +
                   "' --threshold 1 --targets-key '" + Key("targets") + "' --snapshot-key '" +
                   Key("snapshot") + "' --timestamp-key '" + Key("timestamp") + "'"),
              0)
        << out_ << err_;
    ASSERT_EQ(Mota("repo add '" + Staging() + "' --repo '" + Repo() + "' --targets-key '" +
                   Key("targets") + "' --snapshot-key '" + Key("snapshot") + "' --timestamp-key '" +
                   Key("timestamp") + "'"),
              0)
        << out_ << err_;
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }

  static std::string Key(const std::string& name) {
    return (*dir_ / "keys" / (name + ".key")).string();
  }
  static std::string Repo() { return (*dir_ / "repo").string(); }
  static std::string Staging() { return (*dir_ / "staging").string(); }
  static int Mota(const std::string& args) {
    test_support::ToolResult r = test_support::RunTool(MOTA_CLI_PATH, args, *dir_);
    out_ = r.out;
    err_ = r.err;
    return r.exit_code;
  }
  static int Select(const std::string& args) {
    return Mota("client select mlp --repo '" + Repo() + "' " + args);
  }

  static fs::path* dir_;
  static std::string out_, err_;
};
fs::path* ClientSelectCli::dir_ = nullptr;
std::string ClientSelectCli::out_, ClientSelectCli::err_;

TEST_F(ClientSelectCli, explain_prints_every_variant_with_why_it_was_taken_or_rejected) {
  ASSERT_EQ(
      Select("--profile '" + Device("x86_64-desktop-ryzen-rtx3060-linux.json") + "' --explain"), 0)
      << out_ << err_;
  EXPECT_NE(out_.find("x86-fp32"), std::string::npos) << out_;
  EXPECT_NE(out_.find("TAKEN: fits; highest priority (50)"), std::string::npos) << out_;
  EXPECT_NE(out_.find("rejected: arch x86_64 is not one of arm64"), std::string::npos) << out_;
  EXPECT_NE(out_.find("rejected: fits, but priority 1 is below x86-fp32 (50)"), std::string::npos)
      << out_;
  EXPECT_NE(out_.find("chosen: take x86-fp32 of release 1"), std::string::npos) << out_;
  // With --metadata-dir the verified metadata persists there (the next run's rollback anchor).
  const fs::path meta = *dir_ / "trusted";
  ASSERT_EQ(Select("--profile '" + Device("x86_64-desktop-ryzen-rtx3060-linux.json") +
                   "' --metadata-dir '" + meta.string() + "'"),
            0)
      << err_;
  for (const char* f :
       {"root.json", "timestamp.json", "snapshot.json", "targets.json", "mlp.json"}) {
    EXPECT_TRUE(fs::exists(meta / f)) << f;
  }
}

TEST_F(ClientSelectCli, a_quirk_denies_the_arm_variant_on_its_soc_with_the_reason) {
  ASSERT_EQ(
      Select("--profile '" + Device("qualcomm-sm6225-adreno610-android11.json") + "' --explain"), 0)
      << out_ << err_;
  EXPECT_NE(out_.find("denied by a quirk: wrong results on this SoC (test quirk)"),
            std::string::npos)
      << out_;
  EXPECT_NE(out_.find("chosen: take any-fp32"), std::string::npos) << out_;
  // Another arm64 phone is not denied.
  ASSERT_EQ(Select("--profile '" + Device("qualcomm-sm8550-adreno740-android14.json") + "'"), 0);
  EXPECT_NE(out_.find("take arm-fp32 of release 1"), std::string::npos) << out_;
}

TEST_F(ClientSelectCli, json_names_the_choice_and_a_failed_variant_is_skipped) {
  ASSERT_EQ(Select("--profile '" + Device("x86_64-desktop-ryzen-rtx3060-linux.json") +
                   "' --json --failed '1:x86-fp32:self-test failed'"),
            0)
      << out_ << err_;
  const nlohmann::json j = nlohmann::json::parse(out_, nullptr, false);
  ASSERT_TRUE(j.is_object()) << out_;
  EXPECT_EQ(j["variant"], "any-fp32");
  EXPECT_EQ(j["release"], 1);
  ASSERT_EQ(j["variants"].size(), 3u);
  bool seen = false;
  for (const nlohmann::json& v : j["variants"]) {
    if (v["variant"] == "x86-fp32") {
      seen = true;
      EXPECT_EQ(v["reason"], "failed on this device before: self-test failed");
    }
  }
  EXPECT_TRUE(seen) << out_;
}

TEST_F(ClientSelectCli, no_match_exits_1_naming_the_closest_variant_and_its_condition) {
  EXPECT_EQ(Select("--profile '" + Device("unisoc-sc9863a-powervr-android11-go-armv7.json") +
                   "' --explain"),
            1);
  // Every variant misses one condition; arm-fp32 has the highest priority.
  EXPECT_NE(out_.find("no match: no variant fits; the closest is arm-fp32 (release 1, priority "
                      "100): arch armv7 is not one of arm64"),
            std::string::npos)
      << out_ << err_;
}

TEST_F(ClientSelectCli, tampered_metadata_and_unknown_models_are_refused_with_the_reason) {
  EXPECT_EQ(Select("--profile '" + Device("raspberry-pi-5-v3d-linux.json") + "' --url x"), 2)
      << "--repo and --url together is a usage error: " << err_;
  EXPECT_EQ(Mota("client select resnet --repo '" + Repo() + "' --profile '" +
                 Device("raspberry-pi-5-v3d-linux.json") + "'"),
            1);
  EXPECT_NE(err_.find("delegate no role \"resnet\""), std::string::npos) << err_;
  // A copy of the repository whose model role was edited after signing.
  const fs::path bad = *dir_ / "tampered";
  fs::remove_all(bad);
  fs::copy(Repo(), bad, fs::copy_options::recursive);
  const fs::path role = bad / "metadata/1.mlp.json";
  std::string text = Slurp(role);
  const size_t at = text.find("\"priority\":50");
  ASSERT_NE(at, std::string::npos) << text.substr(0, 400);
  text.replace(at, 13, "\"priority\":99");
  std::ofstream(role, std::ios::binary | std::ios::trunc) << text;
  EXPECT_EQ(Mota("client select mlp --repo '" + bad.string() + "' --profile '" +
                 Device("raspberry-pi-5-v3d-linux.json") + "'"),
            1);
  EXPECT_NE(err_.find("mota client select: error:"), std::string::npos) << err_;
  EXPECT_NE(err_.find("mlp"), std::string::npos) << err_;
}

#ifdef MOTA_WITH_SERVER
// The same choice over HTTP from `mota serve` (the libcurl fetcher), anchored at a given root.
TEST_F(ClientSelectCli, over_http_from_mota_serve_with_a_given_root) {
  const fs::path out = *dir_ / "serve.out", pid = *dir_ / "serve.pid";
  ASSERT_EQ(std::system(("'" + std::string(MOTA_CLI_PATH) + "' serve --repo '" + Repo() +
                         "' --listen 127.0.0.1:0 >'" + out.string() + "' 2>&1 & echo $! >'" +
                         pid.string() + "'")
                            .c_str()),
            0);
  std::string url;
  for (int i = 0; i < 200 && url.empty(); ++i) {
    const std::string text = Slurp(out);
    const size_t at = text.find("http://127.0.0.1:");
    const size_t end = text.find(' ', at);
    if (at != std::string::npos && end != std::string::npos) url = text.substr(at, end - at);
    if (url.empty()) ::usleep(50000);
  }
  const std::string profile = Device("x86_64-desktop-ryzen-rtx3060-linux.json");
  const std::string root = Repo() + "/metadata/1.root.json";
  const int with_root = url.empty() ? -1
                                    : Mota("client select mlp --url " + url + " --root '" + root +
                                           "' --profile '" + profile + "'");
  const std::string with_root_out = out_ + err_;
  const int without_root =
      url.empty() ? -1 : Mota("client select mlp --url " + url + " --profile '" + profile + "'");
  std::system(("kill $(cat '" + pid.string() + "')").c_str());
  ASSERT_FALSE(url.empty()) << "mota serve did not start: " << Slurp(out);
  EXPECT_EQ(with_root, 0) << with_root_out;
  EXPECT_NE(with_root_out.find("take x86-fp32 of release 1"), std::string::npos) << with_root_out;
  // A client never trusts the first root a server sends.
  EXPECT_EQ(without_root, 1);
  EXPECT_NE(err_.find("needs --root FILE"), std::string::npos) << err_;
}
#endif

}  // namespace
}  // namespace mota
