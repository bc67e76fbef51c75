// mota_client_* and mota_model_open through the C ABI, against a signed repository made by the
// packager (release 1 of "mlp": variants cpu-fp32 and cpu-fp16), served from a file:// URL or by
// the real server/http static routes on a loopback port. Fixtures: delivery/client's test
// helpers (tests only; libmota never links the packager or the server).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>

#include "api/tests/api_test_util.h"
#include "delivery/client/client_test_util.h"
#include "mota/mota.h"
#include "mota/mota.hpp"

namespace mota::api::testing {
namespace {

namespace fs = std::filesystem;
using client::testing::kModel;

fs::path g_fixtures;  // the packaged release, once per process
fs::path Release1() { return g_fixtures / "r1"; }

struct Progress {
  int calls = 0;
  uint64_t done = 0, total = 0;
  std::string model, variant;
  mota_client_t* cancel = nullptr;  // cancel on the first call when set
};

void OnProgress(void* user, const char* model, const char* variant, uint64_t done, uint64_t total) {
  auto* p = static_cast<Progress*>(user);
  ++p->calls;
  p->done = done;
  p->total = total;
  p->model = model;
  p->variant = variant;
  if (p->cancel != nullptr) mota_client_cancel(p->cancel);
}

int Refuse(void* user, uint64_t bytes) {
  *static_cast<uint64_t*>(user) = bytes;
  return 0;
}

class CApiClient : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/mota_api_client_fixtures_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    g_fixtures = tmpl;
    const std::string mlp = std::string(MOTA_SHARED_DIR) + "/models/mlp_784_256_10.onnx";
    const Status s = client::testing::PackageMlp(mlp, 1, Release1());
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  static void TearDownTestSuite() { fs::remove_all(g_fixtures); }

  void SetUp() override {
    dir_ = TempDir("client");
    auto repo = client::testing::Repo::Init(fs::path(dir_) / "repo");
    ASSERT_TRUE(repo.ok()) << repo.status().ToString();
    repo_ = std::make_unique<client::testing::Repo>(std::move(repo).value());
    const Status added = repo_->Add(Release1());
    ASSERT_TRUE(added.ok()) << added.ToString();
  }
  void TearDown() override {
    mota_client_destroy(client_);
    mota_client_config_destroy(config_);
    server_.reset();
  }

  // A config for the repository at `url` (default: file://), trusting its root.
  mota_client_config_t* Config(const std::string& url = "") {
    EXPECT_EQ(mota_client_config_create(&config_), MOTA_OK);
    const std::string u = url.empty() ? "file://" + (fs::path(dir_) / "repo").string() : url;
    EXPECT_EQ(mota_client_config_set_data_dir(config_, (dir_ + "/data").c_str()), MOTA_OK);
    EXPECT_EQ(mota_client_config_set_server_url(config_, u.c_str()), MOTA_OK);
    EXPECT_EQ(mota_client_config_set_trusted_root(config_, repo_->root_path().c_str()), MOTA_OK);
    EXPECT_EQ(mota_client_config_set_install_id(config_, "c-api-test-install"), MOTA_OK);
    return config_;
  }
  mota_client_t* Create() {
    EXPECT_EQ(mota_client_create(config_, &client_), MOTA_OK) << LastError();
    return client_;
  }
  std::string Served() {
    server_ = std::make_unique<client::testing::TestServer>(fs::path(dir_) / "repo");
    const Status s = server_->Start();
    EXPECT_TRUE(s.ok()) << s.ToString();
    return server_->url();
  }
  std::string ClientError() const { return mota_client_last_error(client_); }

  std::string dir_;
  std::unique_ptr<client::testing::Repo> repo_;
  std::unique_ptr<client::testing::TestServer> server_;
  mota_client_config_t* config_ = nullptr;
  mota_client_t* client_ = nullptr;
};

// The whole flow an app runs: check, update with progress, open the active version, run it.
void CheckUpdateOpenRun(mota_client_t* c) {
  int available = -1;
  const char* reason = nullptr;
  ASSERT_EQ(mota_client_check(c, kModel, &available, &reason), MOTA_OK)
      << mota_client_last_error(c);
  EXPECT_EQ(available, 1);
  ASSERT_NE(reason, nullptr);
  EXPECT_NE(std::string(reason).find("cpu-"), std::string::npos) << reason;

  Progress progress;
  int changed = -1;
  ASSERT_EQ(mota_client_update(c, kModel, OnProgress, &progress, &changed), MOTA_OK)
      << mota_client_last_error(c);
  EXPECT_EQ(changed, 1);
  EXPECT_GT(progress.calls, 0);
  EXPECT_EQ(progress.model, kModel);
  EXPECT_EQ(progress.done, progress.total);
  EXPECT_GT(progress.total, 0u);

  int64_t release = 0;
  const char* variant = nullptr;
  const char* backend = nullptr;
  ASSERT_EQ(mota_client_active(c, kModel, &release, &variant, &backend), MOTA_OK);
  EXPECT_EQ(release, 1);
  EXPECT_EQ(std::string(variant), progress.variant);
  EXPECT_STREQ(backend, "auto");
  const std::string report = mota_client_last_report(c);
  EXPECT_NE(report.find("release 1 variant " + progress.variant), std::string::npos) << report;

  mota_model_t* model = nullptr;
  ASSERT_EQ(mota_model_open(c, kModel, &model), MOTA_OK) << mota_client_last_error(c);
  ASSERT_EQ(mota_model_run(model), MOTA_OK) << mota_model_last_error(model);
  const mota_tensor_t* y = nullptr;
  ASSERT_EQ(mota_model_output(model, 0, &y), MOTA_OK);
  EXPECT_EQ(mota_tensor_element_count(y), 10u);
  const std::string file = mota_model_file(model);
  EXPECT_NE(file.find("1-" + progress.variant + ".mota"), std::string::npos) << file;
  mota_model_close(model);

  // Up to date now: nothing to do, nothing downloaded.
  ASSERT_EQ(mota_client_check(c, kModel, &available, &reason), MOTA_OK);
  EXPECT_EQ(available, 0);
  ASSERT_EQ(mota_client_update(c, kModel, nullptr, nullptr, &changed), MOTA_OK);
  EXPECT_EQ(changed, 0);
}

TEST_F(CApiClient, update_from_a_file_repository_then_open_and_run_the_active_version) {
  Config();
  ASSERT_NE(Create(), nullptr);
  CheckUpdateOpenRun(client_);
}

TEST_F(CApiClient, update_from_a_loopback_server_then_open_and_run_the_active_version) {
  Config(Served());
  ASSERT_NE(Create(), nullptr);
  CheckUpdateOpenRun(client_);
}

TEST_F(CApiClient, the_installed_version_opens_without_a_client) {
  const std::string data = dir_ + "/data";
  mota_model_t* model = nullptr;
  EXPECT_EQ(mota_model_open_installed(data.c_str(), kModel, nullptr, &model), MOTA_ERR_NOT_FOUND);
  EXPECT_NE(LastError().find("run an update first"), std::string::npos) << LastError();
  EXPECT_FALSE(fs::exists(data + "/models")) << "a failed open creates nothing";
  Config();
  ASSERT_NE(Create(), nullptr);
  ASSERT_EQ(mota_client_update(client_, kModel, nullptr, nullptr, nullptr), MOTA_OK);
  mota_client_destroy(client_);
  client_ = nullptr;
  ASSERT_EQ(mota_model_open_installed(data.c_str(), kModel, nullptr, &model), MOTA_OK)
      << LastError();
  EXPECT_STRNE(mota_model_backend(model), "");
  EXPECT_EQ(mota_model_run(model), MOTA_OK) << mota_model_last_error(model);
  mota_model_close(model);
  ASSERT_EQ(mota_model_open_installed(data.c_str(), kModel, "reference", &model), MOTA_OK);
  EXPECT_STREQ(mota_model_backend(model), "reference");
  mota_model_close(model);
  EXPECT_EQ(mota_model_open_installed(data.c_str(), "../etc", nullptr, &model), MOTA_ERR_NOT_FOUND);
  EXPECT_EQ(mota_model_open_installed(nullptr, kModel, nullptr, &model), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_model_open_installed(data.c_str(), nullptr, nullptr, &model),
            MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_model_open_installed(data.c_str(), kModel, nullptr, nullptr),
            MOTA_ERR_INVALID_ARGUMENT);
}

TEST_F(CApiClient, cancel_stops_the_update_and_the_next_update_completes) {
  Config();
  ASSERT_NE(Create(), nullptr);
  Progress progress;
  progress.cancel = client_;
  int changed = -1;
  EXPECT_EQ(mota_client_update(client_, kModel, OnProgress, &progress, &changed),
            MOTA_ERR_CANCELLED)
      << ClientError();
  EXPECT_EQ(changed, 0);
  EXPECT_NE(ClientError().find("cancelled"), std::string::npos) << ClientError();
  mota_model_t* model = nullptr;
  EXPECT_EQ(mota_model_open(client_, kModel, &model), MOTA_ERR_NOT_FOUND) << "nothing activated";
  EXPECT_NE(ClientError().find("run an update first"), std::string::npos) << ClientError();
  EXPECT_EQ(model, nullptr);
  // The cancel belonged to that update: this one runs to the end.
  ASSERT_EQ(mota_client_update(client_, kModel, nullptr, nullptr, &changed), MOTA_OK)
      << ClientError();
  EXPECT_EQ(changed, 1);
}

TEST_F(CApiClient, cancel_from_another_thread_stops_a_running_update) {
  Config(Served());
  ASSERT_NE(Create(), nullptr);
  // The progress callback holds the update until the other thread's cancel has landed, so the
  // cancel is certain to arrive mid-update (no timing luck).
  struct Handshake {
    std::atomic<bool> in_progress{false}, cancelled{false};
  } h;
  std::thread canceller([&] {
    while (!h.in_progress.load()) std::this_thread::yield();
    mota_client_cancel(client_);
    h.cancelled.store(true);
  });
  auto hold = [](void* user, const char*, const char*, uint64_t, uint64_t) {
    auto* hs = static_cast<Handshake*>(user);
    hs->in_progress.store(true);
    while (!hs->cancelled.load()) std::this_thread::yield();
  };
  const mota_status_t st = mota_client_update(client_, kModel, hold, &h, nullptr);
  canceller.join();
  EXPECT_EQ(st, MOTA_ERR_CANCELLED) << ClientError();
  EXPECT_EQ(mota_client_active(client_, kModel, nullptr, nullptr, nullptr), MOTA_ERR_NOT_FOUND);
}

TEST_F(CApiClient, cancel_from_another_thread_while_no_update_runs_has_no_effect) {
  Config();
  ASSERT_NE(Create(), nullptr);
  std::thread other([this] { mota_client_cancel(client_); });
  other.join();
  mota_client_cancel(nullptr);
  int changed = 0;
  ASSERT_EQ(mota_client_update(client_, kModel, nullptr, nullptr, &changed), MOTA_OK)
      << ClientError();
  EXPECT_EQ(changed, 1);
}

TEST_F(CApiClient, a_refusing_network_policy_downloads_nothing) {
  Config(Served());
  uint64_t asked = 0;
  ASSERT_EQ(mota_client_config_set_network_policy(config_, Refuse, &asked), MOTA_OK);
  ASSERT_NE(Create(), nullptr);
  EXPECT_EQ(mota_client_update(client_, kModel, nullptr, nullptr, nullptr),
            MOTA_ERR_FAILED_PRECONDITION);
  EXPECT_NE(ClientError().find("network policy refused downloading"), std::string::npos)
      << ClientError();
  EXPECT_GT(asked, 0u);
  EXPECT_EQ(mota_client_active(client_, kModel, nullptr, nullptr, nullptr), MOTA_ERR_NOT_FOUND);
}

TEST_F(CApiClient, another_repositorys_root_is_a_verification_failure) {
  auto other = client::testing::Repo::Init(fs::path(dir_) / "other");
  ASSERT_TRUE(other.ok());
  Config();
  ASSERT_EQ(mota_client_config_set_trusted_root(config_, other->root_path().c_str()), MOTA_OK);
  ASSERT_NE(Create(), nullptr);
  int available = 0;
  EXPECT_EQ(mota_client_check(client_, kModel, &available, nullptr), MOTA_ERR_VERIFICATION_FAILED)
      << ClientError();
  EXPECT_EQ(mota_client_update(client_, kModel, nullptr, nullptr, nullptr),
            MOTA_ERR_VERIFICATION_FAILED)
      << ClientError();
  EXPECT_STREQ(mota_last_error(), mota_client_last_error(client_));
}

TEST_F(CApiClient, an_unknown_model_is_not_found) {
  Config();
  ASSERT_NE(Create(), nullptr);
  int available = 0;
  EXPECT_EQ(mota_client_check(client_, "resnet", &available, nullptr), MOTA_ERR_NOT_FOUND)
      << ClientError();
  EXPECT_NE(ClientError().find("resnet"), std::string::npos) << ClientError();
  EXPECT_EQ(mota_client_rollback(client_, kModel, "crashes"), MOTA_ERR_FAILED_PRECONDITION);
  EXPECT_NE(ClientError().find("nothing is active"), std::string::npos) << ClientError();
}

TEST_F(CApiClient, telemetry_is_off_unless_the_app_opts_in) {
  Config();
  ASSERT_NE(Create(), nullptr);
  ASSERT_EQ(mota_client_update(client_, kModel, nullptr, nullptr, nullptr), MOTA_OK);
  ASSERT_EQ(mota_client_flush_telemetry(client_), MOTA_OK) << ClientError();
  EXPECT_NE(std::string(mota_client_last_report(client_)).find("0 sent, 0 queued"),
            std::string::npos)
      << mota_client_last_report(client_);
}

TEST_F(CApiClient, the_cpp_wrapper_updates_and_opens) {
  auto config = cxx::ClientConfig::Create();
  ASSERT_TRUE(config.ok());
  ASSERT_TRUE(config->SetDataDir(dir_ + "/data").ok());
  ASSERT_TRUE(config->SetServerUrl("file://" + (fs::path(dir_) / "repo").string()).ok());
  ASSERT_TRUE(config->SetTrustedRoot(repo_->root_path()).ok());
  ASSERT_TRUE(config->SetInstallId("cpp").ok());
  EXPECT_EQ(config->SetInt(MOTA_CLIENT_OPT_MAX_IN_FLIGHT, 0).status(), MOTA_ERR_OUT_OF_RANGE);
  auto client = cxx::Client::Create(*config);
  ASSERT_TRUE(client.ok()) << client.error().ToString();
  int calls = 0;
  auto changed =
      client->Update(kModel, [&](const char*, const char*, uint64_t, uint64_t) { ++calls; });
  ASSERT_TRUE(changed.ok()) << changed.error().ToString();
  EXPECT_TRUE(*changed);
  EXPECT_GT(calls, 0);
  auto model = cxx::Model::Open(*client, kModel);
  ASSERT_TRUE(model.ok()) << model.error().ToString();
  EXPECT_TRUE(model->Run().ok());
  auto missing = cxx::Model::Open(*client, "resnet");
  EXPECT_EQ(missing.status(), MOTA_ERR_NOT_FOUND);
}

TEST(CApiClientArgs, settings_are_checked_with_their_bounds) {
  mota_client_config_t* config = nullptr;
  ASSERT_EQ(mota_client_config_create(&config), MOTA_OK);
  int64_t lo = 0, hi = 0;
  ASSERT_EQ(mota_client_option_bounds(MOTA_CLIENT_OPT_MAX_IN_FLIGHT, &lo, &hi), MOTA_OK);
  EXPECT_EQ(lo, 1);
  EXPECT_EQ(hi, 64);
  EXPECT_EQ(mota_client_config_set_int(config, MOTA_CLIENT_OPT_MAX_IN_FLIGHT, 65),
            MOTA_ERR_OUT_OF_RANGE);
  EXPECT_NE(LastError().find("MOTA_CLIENT_OPT_MAX_IN_FLIGHT is 65, expected 1..64"),
            std::string::npos)
      << LastError();
  EXPECT_EQ(mota_client_config_set_int(config, MOTA_CLIENT_OPT_TELEMETRY, 1), MOTA_OK);
  EXPECT_EQ(mota_client_config_set_int(config, static_cast<mota_client_option_t>(99), 1),
            MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_NE(LastError().find("option 99 is not a mota_client_option_t"), std::string::npos);
  EXPECT_EQ(mota_client_option_bounds(static_cast<mota_client_option_t>(0), &lo, &hi),
            MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_client_option_bounds(MOTA_CLIENT_OPT_TELEMETRY, nullptr, &hi),
            MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_client_config_set_data_dir(config, ""), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_NE(LastError().find("mota_client_config_set_data_dir: the value is empty"),
            std::string::npos);
  EXPECT_EQ(mota_client_config_set_server_url(config, nullptr), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_client_config_set_soc(config, "\x01"), MOTA_OK) << "checked at create";
  EXPECT_EQ(mota_client_config_set_data_dir(config, "/tmp/x"), MOTA_OK);
  mota_client_t* client = reinterpret_cast<mota_client_t*>(0x1);
  EXPECT_EQ(mota_client_create(config, &client), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(client, nullptr);
  EXPECT_NE(LastError().find("mota_client_create"), std::string::npos) << LastError();
  EXPECT_NE(LastError().find("SoC model"), std::string::npos) << LastError();
  mota_client_config_destroy(config);
}

TEST(CApiClientArgs, a_config_missing_required_settings_names_them) {
  mota_client_config_t* config = nullptr;
  ASSERT_EQ(mota_client_config_create(&config), MOTA_OK);
  mota_client_t* client = nullptr;
  EXPECT_EQ(mota_client_create(config, &client), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_NE(LastError().find("data_dir"), std::string::npos) << LastError();
  mota_client_config_destroy(config);
}

TEST(CApiClientArgs, every_client_function_refuses_null) {
  mota_client_config_t* config = nullptr;
  mota_client_t* client = nullptr;
  int available = 0;
  int64_t lo = 0;
  mota_model_t* model = nullptr;
  EXPECT_EQ(mota_client_config_create(nullptr), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_client_config_set_data_dir(nullptr, "/d"), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_NE(LastError().find("config is NULL"), std::string::npos) << LastError();
  EXPECT_EQ(mota_client_config_set_server_url(nullptr, "file:///r"), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_client_config_set_trusted_root(nullptr, "/r"), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_client_config_set_install_id(nullptr, "i"), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_client_config_set_device_class(nullptr, "c"), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_client_config_set_soc(nullptr, "s"), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_client_config_set_ca_file(nullptr, "/ca"), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_client_config_set_int(nullptr, MOTA_CLIENT_OPT_TELEMETRY, 1),
            MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_client_config_set_network_policy(nullptr, Refuse, nullptr),
            MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_client_option_bounds(MOTA_CLIENT_OPT_TELEMETRY, &lo, nullptr),
            MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_client_create(nullptr, &client), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_client_create(config, nullptr), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_client_check(nullptr, kModel, &available, nullptr), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_NE(LastError().find("mota_client_check: client is NULL"), std::string::npos);
  EXPECT_EQ(mota_client_update(nullptr, kModel, nullptr, nullptr, nullptr),
            MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_client_active(nullptr, kModel, nullptr, nullptr, nullptr),
            MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_client_rollback(nullptr, kModel, "r"), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_client_flush_telemetry(nullptr), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_model_open(nullptr, kModel, &model), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(mota_client_last_error(nullptr), "");
  EXPECT_STREQ(mota_client_last_report(nullptr), "");
  mota_client_cancel(nullptr);
  mota_client_destroy(nullptr);
  mota_client_config_destroy(nullptr);
}

// USERS.md: an empty model name gave a misleading "API keys are not supported" error elsewhere.
TEST_F(CApiClient, an_empty_model_name_is_said_to_be_empty_before_any_network_access) {
  Config("http://127.0.0.1:9");  // nothing listens there: a network attempt would be UNAVAILABLE
  ASSERT_NE(Create(), nullptr);
  int available = 0;
  mota_model_t* model = nullptr;
  EXPECT_EQ(mota_client_check(client_, "", &available, nullptr), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_NE(ClientError().find("mota_client_check: the model name is empty"), std::string::npos)
      << ClientError();
  EXPECT_EQ(mota_client_update(client_, "", nullptr, nullptr, nullptr), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_NE(ClientError().find("mota_client_update: the model name is empty"), std::string::npos)
      << ClientError();
  EXPECT_EQ(mota_client_active(client_, "", nullptr, nullptr, nullptr), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_client_rollback(client_, "", "r"), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_model_open(client_, "", &model), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_NE(ClientError().find("mota_model_open: the model name is empty"), std::string::npos)
      << ClientError();
}

TEST_F(CApiClient, null_names_on_a_live_client_are_refused_with_the_argument) {
  Config();
  ASSERT_NE(Create(), nullptr);
  int available = 0;
  mota_model_t* model = nullptr;
  EXPECT_EQ(mota_client_check(client_, nullptr, &available, nullptr), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_NE(ClientError().find("model is NULL"), std::string::npos) << ClientError();
  EXPECT_EQ(mota_client_check(client_, kModel, nullptr, nullptr), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_client_update(client_, nullptr, nullptr, nullptr, nullptr),
            MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_client_active(client_, nullptr, nullptr, nullptr, nullptr),
            MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_client_rollback(client_, kModel, nullptr), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_model_open(client_, nullptr, &model), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(mota_model_open(client_, kModel, nullptr), MOTA_ERR_INVALID_ARGUMENT);
  EXPECT_NE(ClientError().find("out_model is NULL"), std::string::npos) << ClientError();
}

}  // namespace
}  // namespace mota::api::testing
