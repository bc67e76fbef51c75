// The device client end to end: bundles made by the packager from the shared MLP, a signed
// repository, the real server/http static routes on a loopback port (port 0), and a Client
// updating a data directory of its own per test.
#include "delivery/client/client.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <set>

#include "delivery/client/client_test_util.h"
#include "delivery/fetch/chunk_downloader.h"
#include "delivery/install/activate.h"

namespace mota::client {
namespace {

using testing::kModel;
using testing::Repo;
using testing::TestServer;
namespace fs = std::filesystem;

// Packaged once per test process: release 1, release 2 with a changed head, and release 1 with
// a variant whose self-test fails.
fs::path g_fixtures;
fs::path R1() { return g_fixtures / "r1"; }
fs::path R2() { return g_fixtures / "r2"; }
fs::path Broken() { return g_fixtures / "broken"; }
fs::path Broken2() { return g_fixtures / "broken2"; }

conditions::DeviceFacts Facts() {
  conditions::DeviceFacts f;
  f.arch = "x86_64";
  f.os = "linux";
  f.cores = 2;
  f.ram_mb = 4096;
  return f;
}

uint64_t WireBytesOf(const std::vector<fetch::BlobWant>& blobs) {
  uint64_t sum = 0;
  for (const auto& b : blobs) sum += b.zstd_size;
  return sum;
}

class ClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/mota_client_fixtures_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    g_fixtures = tmpl;
    const std::string mlp = std::string(MOTA_SHARED_DIR) + "/models/mlp_784_256_10.onnx";
    ASSERT_TRUE(testing::PackageMlp(mlp, 1, R1()).ok());
    ASSERT_TRUE(testing::WriteMlpWithChangedHead(g_fixtures / "mlp_head.onnx").ok());
    Status s = testing::PackageMlp((g_fixtures / "mlp_head.onnx").string(), 2, R2());
    ASSERT_TRUE(s.ok()) << s.ToString();
    fs::copy(R1(), Broken(), fs::copy_options::recursive);
    s = testing::AddBrokenVariant(Broken());
    ASSERT_TRUE(s.ok()) << s.ToString();
    fs::copy(R2(), Broken2(), fs::copy_options::recursive);
    s = testing::AddBrokenVariant(Broken2());
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  static void TearDownTestSuite() { fs::remove_all(g_fixtures); }

  void SetUp() override {
    char tmpl[] = "/tmp/mota_client_test_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto repo = Repo::Init(dir_ / "repo");
    ASSERT_TRUE(repo.ok()) << repo.status().ToString();
    repo_ = std::make_unique<Repo>(std::move(repo).value());
    server_ = std::make_unique<TestServer>(dir_ / "repo");
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    server_.reset();
    fs::remove_all(dir_);
  }

  ClientConfig Config(const std::string& url) {
    ClientConfig c;
    c.data_dir = (dir_ / "data").string();
    c.server_url = url;
    c.trusted_root = repo_->root_path();
    c.device = Facts();
    c.install_id = "client-test-install";
    c.http.connect_timeout = std::chrono::milliseconds(2000);
    c.max_attempts = 2;
    c.http.stall_time = std::chrono::seconds(5);
    return c;
  }
  std::unique_ptr<Client> Make(ClientConfig c) {
    auto client = Client::Create(std::move(c));
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(client).value() : nullptr;
  }
  std::unique_ptr<Client> Make() { return Make(Config(server_->url())); }

  fs::path dir_;
  std::unique_ptr<Repo> repo_;
  std::unique_ptr<TestServer> server_;
};

TEST_F(ClientTest, first_update_installs_the_highest_priority_variant_that_fits) {
  ASSERT_TRUE(repo_->Add(R1()).ok());
  auto client = Make();
  uint64_t last_done = 0, last_total = 0;
  UpdateOptions o;
  o.progress = [&](const UpdateProgress& p) {
    EXPECT_EQ(p.model, kModel);
    EXPECT_GE(p.bytes_done, last_done);  // never goes backwards
    last_done = p.bytes_done;
    last_total = p.bytes_total;
  };
  auto r = client->Update(kModel, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->changed);
  EXPECT_EQ(r->release, 1);
  EXPECT_EQ(r->variant, "cpu-fp16");  // priority 20 over cpu-fp32's 10
  EXPECT_EQ(r->backend, "auto");
  EXPECT_GT(r->bytes_total, 0u);
  EXPECT_EQ(r->bytes_downloaded, r->bytes_total);
  EXPECT_EQ(last_done, last_total);
  EXPECT_EQ(last_total, r->bytes_total);
  ASSERT_EQ(r->attempts.size(), 1u);
  EXPECT_EQ(r->attempts[0].outcome, "installed");
  auto active = client->Active(kModel);
  ASSERT_TRUE(active.ok()) << active.status().ToString();
  EXPECT_TRUE(fs::exists(active->path));
  EXPECT_EQ(active->variant, "cpu-fp16");
  auto index = testing::StagedIndex(R1(), "cpu-fp16", 1);
  EXPECT_EQ(active->sha256, index->sha256);
  // The install record keeps the chosen target's backend parameters (the self-test ran with
  // them; mota_model_open_installed opens with them).
  auto store = install::InstallStore::Open((dir_ / "data").string(), kModel);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(store->active()->params.precision, "fp16");
  EXPECT_EQ(active->params, store->active()->params);  // what mota_model_open passes
}

TEST_F(ClientTest, second_update_with_nothing_new_downloads_zero_bytes) {
  ASSERT_TRUE(repo_->Add(R1()).ok());
  auto client = Make();
  ASSERT_TRUE(client->Update(kModel).ok());
  auto again = client->Update(kModel);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_FALSE(again->changed);
  EXPECT_EQ(again->bytes_downloaded, 0u);
  EXPECT_EQ(again->variant, "cpu-fp16");
  ASSERT_EQ(again->attempts.size(), 1u);
  EXPECT_EQ(again->attempts[0].outcome, "already active");
  auto check = client->Check(kModel);
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  EXPECT_FALSE(check->update_available);
}

TEST_F(ClientTest, new_release_with_changed_last_layer_downloads_only_changed_chunks) {
  ASSERT_TRUE(repo_->Add(R1()).ok());
  auto client = Make();
  ASSERT_TRUE(client->Update(kModel).ok());
  ASSERT_TRUE(repo_->Add(R2()).ok());
  auto check = client->Check(kModel);
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  EXPECT_TRUE(check->update_available);
  auto r = client->Update(kModel);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->changed);
  EXPECT_EQ(r->release, 2);
  // Exactly the blobs release 2 has and release 1 had not: the head's chunk and self-test data.
  auto old_index = testing::StagedIndex(R1(), "cpu-fp16", 1);
  auto new_index = testing::StagedIndex(R2(), "cpu-fp16", 2);
  std::set<std::string> had;
  for (const auto& b : fetch::BlobsOf(*old_index, true)) had.insert(b.sha256);
  std::vector<fetch::BlobWant> changed;
  for (const auto& b : fetch::BlobsOf(*new_index, true)) {
    if (!had.contains(b.sha256)) changed.push_back(b);
  }
  ASSERT_FALSE(changed.empty());
  EXPECT_EQ(r->bytes_downloaded, WireBytesOf(changed));
  EXPECT_EQ(r->blobs_downloaded, changed.size());
  std::printf(
      "release 2 (changed head): %llu of %llu bytes downloaded (%.2f%%), %zu blobs\n",
      static_cast<unsigned long long>(r->bytes_downloaded),
      static_cast<unsigned long long>(r->bytes_total),
      100.0 * static_cast<double>(r->bytes_downloaded) / static_cast<double>(r->bytes_total),
      r->blobs_downloaded);
  EXPECT_LT(r->bytes_downloaded * 10, r->bytes_total)
      << r->bytes_downloaded << " of " << r->bytes_total << " bytes";
  auto status = client->Status(kModel);
  ASSERT_TRUE(status->previous.has_value());  // release 1 kept for rollback
  EXPECT_EQ(status->previous->release, 1);
}

TEST_F(ClientTest, failing_selftest_marks_variant_bad_reports_it_and_installs_the_next) {
  ASSERT_TRUE(repo_->Add(Broken()).ok());
  ClientConfig c = Config(server_->url());
  c.telemetry = true;
  c.telemetry_batch_size = 1;  // send at the end of the update
  auto client = Make(std::move(c));
  auto r = client->Update(kModel);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->attempts.size(), 2u);
  EXPECT_EQ(r->attempts[0].variant, "cpu-broken");
  EXPECT_EQ(r->attempts[0].outcome, "selftest failed");
  EXPECT_NE(r->attempts[0].reason.find("output"), std::string::npos) << r->attempts[0].reason;
  EXPECT_EQ(r->attempts[1].variant, "cpu-fp16");
  EXPECT_EQ(r->attempts[1].outcome, "installed");
  EXPECT_EQ(r->variant, "cpu-fp16");
  auto status = client->Status(kModel);
  ASSERT_EQ(status->bad_variants.size(), 1u);
  EXPECT_EQ(status->bad_variants[0].variant, "cpu-broken");
  // Remembered: the next update does not try it again.
  auto again = client->Update(kModel);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_FALSE(again->changed);
  // The server's own parser accepted every batch: self-test failure, fallback, outcomes.
  EXPECT_TRUE(r->telemetry_error.empty()) << r->telemetry_error;
  EXPECT_EQ(server_->telemetry_rejected(), 0);
  std::string all;
  for (const std::string& e : server_->telemetry()) all += e + "\n";
  EXPECT_NE(all.find("\"type\":\"selftest_failure\""), std::string::npos) << all;
  EXPECT_NE(all.find("\"from_variant\":\"cpu-broken\""), std::string::npos) << all;
  EXPECT_NE(all.find("\"outcome\":\"success\""), std::string::npos) << all;
  EXPECT_EQ(all.find("client-test-install"), std::string::npos) << "the install id is never sent";
}

TEST_F(ClientTest, old_version_stays_active_until_a_variant_of_the_new_release_passes) {
  ASSERT_TRUE(repo_->Add(R1()).ok());
  auto client = Make();
  ASSERT_TRUE(client->Update(kModel).ok());
  ASSERT_TRUE(repo_->Add(Broken2()).ok());  // release 2: cpu-broken (fails) before cpu-fp16
  std::vector<int64_t> active_while_fetching_next;
  UpdateOptions o;
  o.progress = [&](const UpdateProgress& p) {
    if (p.variant != "cpu-fp16") return;
    // What an app opening the model now would get (another process reading the store).
    auto store = install::InstallStore::Open((dir_ / "data").string(), kModel);
    ASSERT_TRUE(store.ok());
    active_while_fetching_next.push_back(store->active() ? store->active()->release : 0);
  };
  auto r = client->Update(kModel, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->attempts.size(), 2u);
  EXPECT_EQ(r->attempts[0].outcome, "selftest failed");
  EXPECT_EQ(r->release, 2);
  EXPECT_EQ(r->variant, "cpu-fp16");
  ASSERT_FALSE(active_while_fetching_next.empty());
  for (int64_t release : active_while_fetching_next) EXPECT_EQ(release, 1);
}

TEST_F(ClientTest, cancel_mid_download_returns_cancelled_and_a_later_update_resumes) {
  ASSERT_TRUE(repo_->Add(R1()).ok());
  ClientConfig c = Config(server_->url());
  c.max_in_flight = 1;
  auto client = Make(std::move(c));
  std::atomic<bool> cancel{false};
  UpdateOptions o;
  o.cancel = &cancel;
  o.progress = [&](const UpdateProgress& p) {
    if (p.bytes_done > 0) cancel = true;  // as an app's cancel button would, mid-download
  };
  auto r = client->Update(kModel, o);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(IsCancelled(r.status())) << r.status().ToString();
  std::printf("%s\n", r.status().ToString().c_str());
  EXPECT_EQ(client->Active(kModel).status().code(), StatusCode::kNotFound);
  auto resumed = client->Update(kModel);
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  EXPECT_TRUE(resumed->changed);
  EXPECT_LT(resumed->bytes_downloaded, resumed->bytes_total);  // what arrived before is kept
  std::printf("after cancel: %llu of %llu bytes downloaded\n",
              static_cast<unsigned long long>(resumed->bytes_downloaded),
              static_cast<unsigned long long>(resumed->bytes_total));
  EXPECT_TRUE(client->Active(kModel).ok());
}

TEST_F(ClientTest, server_down_gives_unavailable_and_the_active_model_stays) {
  ASSERT_TRUE(repo_->Add(R1()).ok());
  auto client = Make();
  ASSERT_TRUE(client->Update(kModel).ok());
  auto before = client->Active(kModel);
  server_->Stop();
  auto r = client->Update(kModel);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
  auto after = client->Active(kModel);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->sha256, before->sha256);
  EXPECT_TRUE(fs::exists(after->path));
}

TEST_F(ClientTest, rollback_to_a_lower_release_is_refused_and_the_active_one_stays) {
  ASSERT_TRUE(repo_->Add(R1()).ok());
  fs::copy(dir_ / "repo", dir_ / "old_repo", fs::copy_options::recursive);  // release 1 only
  ASSERT_TRUE(repo_->Add(R2()).ok());
  ASSERT_TRUE(Make()->Update(kModel).ok());
  TestServer old_server(dir_ / "old_repo");  // an attacker or a stale mirror replays the past
  ASSERT_TRUE(old_server.Start().ok());
  auto stale = Make(Config(old_server.url()))->Update(kModel);
  ASSERT_FALSE(stale.ok());  // the TUF client refuses the older metadata
  std::printf("replayed repository: %s\n", stale.status().ToString().c_str());
  EXPECT_EQ(Make()->Active(kModel)->release, 2);
  // Even with the trusted metadata lost (a fresh TUF state), the install store's release holds.
  fs::remove_all(dir_ / "data/metadata");
  auto fresh = Make(Config(old_server.url()))->Update(kModel);
  ASSERT_FALSE(fresh.ok());
  std::printf("fresh trust, old repository: %s\n", fresh.status().ToString().c_str());
  EXPECT_EQ(fresh.status().code(), StatusCode::kFailedPrecondition) << fresh.status().ToString();
  EXPECT_NE(fresh.status().message().find("rollback refused"), std::string::npos)
      << fresh.status().ToString();
  auto active = Make()->Active(kModel);
  ASSERT_TRUE(active.ok());
  EXPECT_EQ(active->release, 2);
}

TEST_F(ClientTest, revoked_active_release_lets_the_device_move_down) {
  ASSERT_TRUE(repo_->Add(R1()).ok());
  ASSERT_TRUE(repo_->Add(R2()).ok());
  auto client = Make();
  ASSERT_TRUE(client->Update(kModel).ok());
  ASSERT_TRUE(repo_->Revoke(2).ok());
  auto r = client->Update(kModel);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->changed);
  EXPECT_EQ(r->release, 1);
  // The revoked release is gone for good: not kept as the previous version to roll back to.
  auto status = client->Status(kModel);
  ASSERT_TRUE(status.ok()) << status.status().ToString();
  EXPECT_FALSE(status->previous.has_value());
  EXPECT_EQ(client->RollBack(kModel, "crashes").code(), StatusCode::kFailedPrecondition);
}

TEST_F(ClientTest, every_release_revoked_uninstalls_the_model_and_active_says_why) {
  ASSERT_TRUE(repo_->Add(R1()).ok());
  ASSERT_TRUE(repo_->Add(R2()).ok());
  auto client = Make();
  ASSERT_TRUE(client->Update(kModel).ok());
  const std::string models = (dir_ / "data/models/mlp").string();
  ASSERT_TRUE(repo_->Revoke(1).ok());
  ASSERT_TRUE(repo_->Revoke(2).ok());
  auto check = client->Check(kModel);
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  EXPECT_TRUE(check->update_available) << "Check must say an update would uninstall it";
  auto r = client->Update(kModel);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->changed);
  EXPECT_EQ(r->release, 0);
  EXPECT_NE(r->uninstalled.find("release 2 (cpu-fp16) was revoked"), std::string::npos)
      << r->uninstalled;
  EXPECT_NE(r->uninstalled.find("every release of the model is revoked"), std::string::npos)
      << r->uninstalled;
  ASSERT_FALSE(r->attempts.empty());
  EXPECT_EQ(r->attempts.back().outcome, "uninstalled");
  auto active = client->Active(kModel);
  ASSERT_EQ(active.status().code(), StatusCode::kNotFound) << active.status().ToString();
  EXPECT_NE(active.status().message().find("uninstalled: release 2 (cpu-fp16) was revoked"),
            std::string::npos)
      << active.status().message();
  auto status = client->Status(kModel);
  ASSERT_TRUE(status.ok());
  EXPECT_FALSE(status->active.has_value());
  EXPECT_FALSE(status->previous.has_value());
  EXPECT_EQ(status->uninstalled, r->uninstalled);
  for (const auto& e : fs::directory_iterator(models))
    EXPECT_NE(e.path().extension(), ".mota") << e.path() << " stayed";
  // The next update has nothing to install and says so; the model stays uninstalled.
  auto again = client->Update(kModel);
  EXPECT_EQ(again.status().code(), StatusCode::kIncompatible) << again.status().ToString();
  EXPECT_EQ(Make()->Active(kModel).status().code(), StatusCode::kNotFound);
}

TEST_F(ClientTest, deleted_active_file_is_reinstalled_from_the_store_by_the_next_update) {
  ASSERT_TRUE(repo_->Add(R1()).ok());
  auto client = Make();
  ASSERT_TRUE(client->Update(kModel).ok());
  auto before = client->Active(kModel);
  ASSERT_TRUE(before.ok());
  fs::remove(before->path);
  EXPECT_EQ(client->Active(kModel).status().code(), StatusCode::kDataLoss);
  auto check = client->Check(kModel);
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  EXPECT_TRUE(check->update_available) << "Check must say an update would repair the file";
  auto r = client->Update(kModel);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->changed);
  EXPECT_TRUE(r->repaired);
  EXPECT_EQ(r->release, 1);
  EXPECT_EQ(r->variant, "cpu-fp16");
  EXPECT_EQ(r->blobs_downloaded, 0u);  // every chunk was still in the store
  ASSERT_EQ(r->attempts.size(), 1u);
  EXPECT_EQ(r->attempts[0].outcome, "repaired");
  EXPECT_NE(r->attempts[0].reason.find("is missing"), std::string::npos) << r->attempts[0].reason;
  auto after = client->Active(kModel);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  auto index = testing::StagedIndex(R1(), "cpu-fp16", 1);
  EXPECT_TRUE(install::VerifyWholeFile(after->path, index->sha256, index->size).ok());
}

TEST_F(ClientTest, damaged_active_file_is_repaired_from_the_server_instead_of_already_active) {
  ASSERT_TRUE(repo_->Add(R1()).ok());
  auto client = Make();
  ASSERT_TRUE(client->Update(kModel).ok());
  auto before = client->Active(kModel);
  ASSERT_TRUE(before.ok());
  {
    std::fstream f(before->path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(1000);
    f.put('\x5a');
  }
  fs::remove_all(dir_ / "data/store/blobs");  // and the chunks are gone too: the server has them
  fs::create_directories(dir_ / "data/store/blobs");
  auto r = client->Update(kModel);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->repaired);
  EXPECT_GT(r->blobs_downloaded, 0u);
  ASSERT_EQ(r->attempts.size(), 1u);
  EXPECT_EQ(r->attempts[0].outcome, "repaired");
  EXPECT_NE(r->attempts[0].reason.find("is damaged"), std::string::npos) << r->attempts[0].reason;
  auto index = testing::StagedIndex(R1(), "cpu-fp16", 1);
  EXPECT_TRUE(install::VerifyWholeFile(before->path, index->sha256, index->size).ok());
  auto again = client->Update(kModel);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_FALSE(again->changed);
  EXPECT_EQ(again->attempts[0].outcome, "already active");
}

TEST_F(ClientTest, file_url_repository_updates_with_the_same_checks) {
  ASSERT_TRUE(repo_->Add(R1()).ok());
  auto client = Make(Config("file://" + (dir_ / "repo").string()));
  auto r = client->Update(kModel);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->variant, "cpu-fp16");
  EXPECT_EQ(r->bytes_downloaded, r->bytes_total);
  // A damaged blob in the folder is refused before it reaches the store.
  ASSERT_TRUE(repo_->Add(R2()).ok());
  auto index = testing::StagedIndex(R2(), "cpu-fp16", 2);
  std::set<std::string> had;
  for (const auto& b : fetch::BlobsOf(*testing::StagedIndex(R1(), "cpu-fp16", 1), true)) {
    had.insert(b.sha256);
  }
  for (const auto& b : fetch::BlobsOf(*index, true)) {
    if (!had.contains(b.sha256)) {
      std::ofstream(dir_ / "repo/blobs" / b.sha256, std::ios::binary | std::ios::app) << "x";
      break;
    }
  }
  auto bad = client->Update(kModel);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kVerificationFailed) << bad.status().ToString();
  EXPECT_EQ(client->Active(kModel)->release, 1);
}

TEST_F(ClientTest, telemetry_send_failure_never_fails_an_update_and_is_sent_later) {
  ASSERT_TRUE(repo_->Add(R1()).ok());
  ClientConfig c = Config(server_->url());
  c.telemetry = true;
  c.telemetry_batch_size = 1;
  c.telemetry_url = server_->url() + "/no-such-endpoint";
  auto client = Make(c);
  auto r = client->Update(kModel);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->telemetry_error.empty());
  client.reset();  // the queue is on disk: a new client (a restart) sends it
  c.telemetry_url.clear();
  client = Make(c);
  auto flushed = client->FlushTelemetry();
  ASSERT_TRUE(flushed.ok()) << flushed.status().ToString();
  EXPECT_EQ(flushed->sent, 1u);
  EXPECT_EQ(flushed->queued, 0u);
  ASSERT_EQ(server_->telemetry().size(), 1u);
  EXPECT_NE(server_->telemetry()[0].find("\"update_outcome\""), std::string::npos);
}

TEST_F(ClientTest, telemetry_is_off_unless_the_app_opts_in) {
  ASSERT_TRUE(repo_->Add(Broken()).ok());
  auto client = Make();
  ASSERT_TRUE(client->Update(kModel).ok());
  auto flushed = client->FlushTelemetry();
  ASSERT_TRUE(flushed.ok());
  EXPECT_EQ(flushed->sent + flushed->queued, 0u);
  EXPECT_TRUE(server_->telemetry().empty());
}

TEST_F(ClientTest, disk_budget_evicts_blobs_no_installed_version_needs) {
  ASSERT_TRUE(repo_->Add(Broken()).ok());  // cpu-broken is downloaded, fails, cpu-fp16 stays
  ClientConfig c = Config(server_->url());
  c.disk_budget_bytes = 1;  // keep nothing but what the installed versions reference
  auto client = Make(std::move(c));
  auto r = client->Update(kModel);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->variant, "cpu-fp16");
  std::set<std::string> kept, wanted;
  for (const auto& e : fs::directory_iterator(dir_ / "data/store/blobs")) {
    kept.insert(e.path().filename().string());
  }
  for (const auto& b : fetch::BlobsOf(*testing::StagedIndex(Broken(), "cpu-fp16", 1), true)) {
    wanted.insert(b.sha256);
  }
  EXPECT_EQ(kept, wanted);  // cpu-broken's own blobs are gone, cpu-fp16's all stay
  auto active = client->Active(kModel);
  ASSERT_TRUE(active.ok());
  EXPECT_TRUE(fs::exists(active->path));
}

TEST_F(ClientTest, restart_cleans_crash_leftovers_and_resumes_the_wanted_partial_download) {
  ASSERT_TRUE(repo_->Add(R1()).ok());
  {
    ClientConfig c = Config(server_->url());
    c.max_in_flight = 1;
    auto client = Make(std::move(c));
    std::atomic<bool> cancel{false};
    UpdateOptions o{.progress = [&](const UpdateProgress& p) { cancel = p.bytes_done > 0; },
                    .cancel = &cancel};
    ASSERT_TRUE(IsCancelled(client->Update(kModel, o).status()));
  }
  // What a crash leaves: a partial download no update wants, an orphan model file.
  const fs::path stray_part = dir_ / "data/store/blobs" / (std::string(64, 'a') + ".part");
  std::ofstream(stray_part) << "partial bytes of nothing";
  const fs::path orphan = dir_ / "data/models" / kModel / "7-cpu-gone.mota";
  fs::create_directories(orphan.parent_path());
  std::ofstream(orphan) << "half an install";
  std::vector<fs::path> wanted_parts;
  for (const auto& e : fs::directory_iterator(dir_ / "data/store/blobs")) {
    if (e.path().extension() == ".part" && e.path() != stray_part) wanted_parts.push_back(e.path());
  }
  auto client = Make();  // the restart
  EXPECT_FALSE(fs::exists(stray_part));
  EXPECT_FALSE(fs::exists(orphan));
  for (const fs::path& p : wanted_parts) EXPECT_TRUE(fs::exists(p)) << p;  // kept to resume
  auto r = client->Update(kModel);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_LT(r->bytes_downloaded, r->bytes_total);
}

TEST_F(ClientTest, metered_network_policy_refuses_before_any_chunk_is_requested) {
  ASSERT_TRUE(repo_->Add(R1()).ok());
  bool metered = true;
  ClientConfig c = Config(server_->url());
  c.policy = fetch::UnmeteredOnly([&] { return metered; });
  auto client = Make(std::move(c));
  auto r = client->Update(kModel);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << r.status().ToString();
  EXPECT_FALSE(IsCancelled(r.status()));
  size_t blobs = 0;
  for (const auto& e : fs::directory_iterator(dir_ / "data/store/blobs"))
    blobs += !e.path().empty();
  EXPECT_EQ(blobs, 0u);
  metered = false;
  EXPECT_TRUE(client->Update(kModel).ok());
}

TEST_F(ClientTest, overlapping_calls_on_one_client_are_refused) {
  ASSERT_TRUE(repo_->Add(R1()).ok());
  auto client = Make();
  Status inner;
  UpdateOptions o;
  o.progress = [&](const UpdateProgress&) {
    if (inner.ok()) inner = client->Active(kModel).status();
  };
  ASSERT_TRUE(client->Update(kModel, o).ok());
  EXPECT_EQ(inner.code(), StatusCode::kFailedPrecondition) << inner.ToString();
  EXPECT_TRUE(client->Active(kModel).ok());  // free again afterwards
}

TEST_F(ClientTest, assemble_threads_out_of_range_is_refused_naming_the_field) {
  ClientConfig c = Config(server_->url());
  c.assemble_threads = -1;
  auto client = Client::Create(std::move(c));
  ASSERT_EQ(client.status().code(), StatusCode::kInvalidArgument) << client.status().ToString();
  EXPECT_NE(client.status().message().find("ClientConfig.assemble_threads -1"), std::string::npos)
      << client.status().message();
}

TEST_F(ClientTest, create_without_a_trusted_root_is_refused) {
  ClientConfig c = Config(server_->url());
  c.trusted_root.clear();
  auto client = Client::Create(std::move(c));
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(client.status().message().find("trusted_root"), std::string::npos);
  c = Config("ftp://example.com/repo");
  EXPECT_EQ(Client::Create(std::move(c)).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mota::client
