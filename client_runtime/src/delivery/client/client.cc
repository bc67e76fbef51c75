// Client set-up, local state (Active, Status, RollBack) and telemetry. The update path (Check,
// Update) is in update.cc.
#include "delivery/client/client.h"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <unordered_set>

#include "base/file.h"
#include "delivery/client/client_impl.h"
#include "delivery/client/local_repo.h"
#include "delivery/fetch/http_fetcher.h"
#include "delivery/fetch/store_budget.h"
#include "delivery/fetch/store_files.h"
#include "device/profiler.h"
#include "manifests/lib/rollout/bucket.h"

namespace mota::client {
namespace {

namespace fs = std::filesystem;

// Partial downloads no cached index wants, or untouched this long, are abandoned.
constexpr std::chrono::hours kPartialMaxAge{24 * 7};
constexpr std::chrono::milliseconds kTelemetryTimeout{15000};

std::string TrimSlashes(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

Status CheckConfig(const ClientConfig& c) {
  if (c.data_dir.empty()) return InvalidArgument("ClientConfig.data_dir is empty: give a folder");
  const std::string& u = c.server_url;
  if (u.rfind("http://", 0) != 0 && u.rfind("https://", 0) != 0 && u.rfind(kFileScheme, 0) != 0) {
    return InvalidArgument("ClientConfig.server_url '", u,
                           "': expected http://, https:// or file:///path");
  }
  if (c.max_in_flight < 1 || c.max_attempts < 1) {
    return InvalidArgument("ClientConfig.max_in_flight ", c.max_in_flight, " / max_attempts ",
                           c.max_attempts, ": each must be >= 1");
  }
  if (c.assemble_threads < 0 || c.assemble_threads > 64) {
    return InvalidArgument("ClientConfig.assemble_threads ", c.assemble_threads,
                           ": expected 0..64 (0: on the downloading thread)");
  }
  // The rollout bucket needs a valid id; checked here so Update cannot fail on it later.
  return rollout::InstallIdHash(c.install_id)
      .status()
      .WithContext("ClientConfig.install_id (1..256 bytes, random per app install)");
}

std::string DefaultDeviceClass(const conditions::DeviceFacts& f) {
  std::string text =
      (f.os.empty() ? "unknown" : f.os) + "-" + (f.arch.empty() ? "unknown" : f.arch);
  return SanitizeDeviceClass(text);
}

// One call at a time per Client (client.h): an overlapping call is refused, never interleaved.
class CallGuard {
 public:
  CallGuard(std::atomic<const char*>& busy, const char* call) : busy_(busy) {
    const char* expected = nullptr;
    if (busy_.compare_exchange_strong(expected, call)) {
      held_ = true;
    } else {
      status_ = FailedPrecondition("Client::", call, " while Client::", expected,
                                   " runs on the same client: calls must not overlap (one at a ",
                                   "time per Client; only the cancel flag may be set meanwhile)");
    }
  }
  ~CallGuard() {
    if (held_) busy_.store(nullptr);
  }
  const Status& status() const { return status_; }

 private:
  std::atomic<const char*>& busy_;
  bool held_ = false;
  Status status_;
};

}  // namespace

Status CancelledStatus(const std::string& model, const Status& cause) {
  return CancelledError("cancelled: update of '", model, "' stopped by the app (",
                        cause.message(), "); partial downloads are kept and resumed");
}

bool IsCancelled(const mota::Status& status) { return status.code() == StatusCode::kCancelled; }

std::string RunBackendFor(const std::string& target_backend) {
  return target_backend == "cpu" ? "auto" : target_backend;
}

// ---- Impl: set-up ----

Status ClientCore::Init() {
  const std::string url = TrimSlashes(config_.server_url);
  is_file_ = url.rfind(kFileScheme, 0) == 0;
  if (is_file_) repo_dir_ = url.substr(sizeof(kFileScheme) - 1);
  base_url_ = url;
  metadata_url_ = url + "/metadata";
  target_url_ = url + "/targets";
  metadata_dir_ = config_.data_dir + "/metadata";
  store_dir_ = config_.data_dir + "/store";
  index_dir_ = config_.data_dir + "/indexes";
  clock_ = config_.clock != nullptr ? config_.clock : &system_clock_;
  for (const std::string& dir : {metadata_dir_, store_dir_ + "/blobs", index_dir_,
                                 config_.data_dir + "/models", config_.data_dir + "/telemetry"}) {
    MOTA_RETURN_IF_ERROR(fetch::MakeDirs(dir));
  }
  MOTA_RETURN_IF_ERROR(InstallTrustedRoot());
  if (config_.telemetry) {
    MOTA_ASSIGN_OR_RETURN(std::string id_hash, rollout::InstallIdHash(config_.install_id));
    const std::string device_class = config_.device_class.empty()
                                         ? DefaultDeviceClass(facts_)
                                         : SanitizeDeviceClass(config_.device_class);
    MOTA_ASSIGN_OR_RETURN(
        TelemetryQueue q,
        TelemetryQueue::Open(config_.data_dir + "/telemetry/queue.json",
                             config_.telemetry_queue_limit, device_class, std::move(id_hash)));
    telemetry_.emplace(std::move(q));
  }
  CleanAtStart();
  return Status::Ok();
}

Status ClientCore::InstallTrustedRoot() {
  const std::string anchor = metadata_dir_ + "/root.json";
  if (fs::exists(anchor)) return Status::Ok();
  if (config_.trusted_root.empty()) {
    return InvalidArgument("ClientConfig.trusted_root is empty and ", anchor,
                           " does not exist: give the root.json the app ships (a client never ",
                           "trusts the first root a server sends)");
  }
  MOTA_ASSIGN_OR_RETURN(std::vector<uint8_t> root, ReadFile(config_.trusted_root));
  return WriteFileAtomic(anchor, root);
}

// What a crash may have left: InstallStore::Open removes each model's temp and orphan files;
// partial chunk downloads are kept when a cached index still wants them (resumed by the next
// Update), else removed once stale.
void ClientCore::CleanAtStart() {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(config_.data_dir + "/models", ec)) {
    if (entry.is_directory(ec)) {
      install::InstallStore::Open(config_.data_dir, entry.path().filename().string())
          .status()
          .IgnoreError();  // a model with a corrupt record reports it on its own calls
    }
  }
  std::unordered_set<std::string> wanted;
  for (const std::string& file : CachedIndexFiles()) {
    Result<std::vector<uint8_t>> text = ReadFile(file);
    if (!text.ok()) continue;
    Result<bundle::VariantIndex> index =
        bundle::ParseIndex(std::string(text->begin(), text->end()));
    if (!index.ok()) continue;
    wanted.merge(fetch::StoreNamesOf(fetch::BlobsOf(*index, true)).parts);
  }
  fetch::CleanPartials(store_dir_, wanted, kPartialMaxAge).status().IgnoreError();
}

std::vector<std::string> ClientCore::CachedIndexFiles() const {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : fs::recursive_directory_iterator(index_dir_, ec)) {
    if (entry.is_regular_file(ec) && entry.path().extension() == ".json") {
      files.push_back(entry.path().string());
    }
  }
  return files;
}

std::string ClientCore::IndexPath(const std::string& model, int64_t release,
                                  const std::string& variant) const {
  return StrCat(index_dir_, "/", model, "/", release, "-", variant, ".json");
}

Result<Session> ClientCore::Open(const std::atomic<bool>* cancel) {
  Session s;
  if (config_.fetcher != nullptr) {
    s.fetcher = config_.fetcher;
  } else if (is_file_) {
    s.owned = std::make_unique<FileFetcher>();
  } else {
    fetch::HttpOptions http = config_.http;
    http.cancel = cancel;
    MOTA_ASSIGN_OR_RETURN(s.owned, fetch::HttpFetcher::Create(std::move(http)));
  }
  if (s.fetcher == nullptr) s.fetcher = s.owned.get();
  trust::UpdaterConfig uc{
      .metadata_dir = metadata_dir_, .metadata_url = metadata_url_, .target_url = target_url_};
  uc.profile = {.check_key_ids = true, .strict_delegated_paths = true};
  s.updater = std::make_unique<trust::Updater>(std::move(uc), s.fetcher, clock_);
  return s;
}

Result<fetch::DownloadStats> ClientCore::Obtain(const bundle::VariantIndex& index,
                                                const std::string& path, const std::string& model,
                                                const std::string& variant,
                                                const UpdateOptions& options, bool* assembled) {
  *assembled = false;
  auto progress = [&](const fetch::Progress& p) {
    if (options.progress) options.progress({model, variant, p.bytes_done, p.bytes_total});
  };
  if (is_file_) {
    return CopyLocalBlobs(repo_dir_, store_dir_, fetch::BlobsOf(index, true), progress,
                          options.cancel);
  }
  fetch::DownloadOptions o;
  o.base_url = base_url_;
  o.store_dir = store_dir_;
  o.http = config_.http;
  o.http.cancel = options.cancel;
  o.max_in_flight = config_.max_in_flight;
  o.max_attempts = config_.max_attempts;
  o.assemble_threads = config_.assemble_threads;
  o.progress = progress;
  o.policy = config_.policy;
  MOTA_ASSIGN_OR_RETURN(std::unique_ptr<fetch::ChunkDownloader> d,
                        fetch::ChunkDownloader::Create(std::move(o)));
  MOTA_ASSIGN_OR_RETURN(fetch::DownloadStats stats, d->Download(index, path));
  *assembled = true;
  return stats;
}

void ClientCore::AfterActivation(const install::InstallStore& store) {
  // The cached indexes this model still needs: its active and previous versions.
  std::unordered_set<std::string> keep;
  for (const auto* v : {&store.active(), &store.previous()}) {
    if (v->has_value())
      keep.insert(
          IndexPath(fs::path(store.dir()).filename().string(), (*v)->release, (*v)->variant));
  }
  std::error_code ec;
  const fs::path model_dir = fs::path(index_dir_) / fs::path(store.dir()).filename();
  for (const auto& entry : fs::directory_iterator(model_dir, ec)) {
    if (!keep.contains(entry.path().string())) fs::remove(entry.path(), ec);
  }
  if (config_.disk_budget_bytes == 0) return;
  std::unordered_set<std::string> referenced;  // every model's installed versions
  for (const std::string& file : CachedIndexFiles()) {
    Result<std::vector<uint8_t>> text = ReadFile(file);
    if (!text.ok()) continue;
    Result<bundle::VariantIndex> index =
        bundle::ParseIndex(std::string(text->begin(), text->end()));
    if (index.ok()) referenced.merge(fetch::StoreNamesOf(fetch::BlobsOf(*index, true)).blobs);
  }
  fetch::EvictUnreferenced(store_dir_, referenced, config_.disk_budget_bytes)
      .status()
      .IgnoreError();  // a failed eviction costs disk space, never the installed model
}

// ---- Impl: telemetry ----

void ClientCore::Record(TelemetryEvent event) {
  if (!telemetry_ || event.release < 1) return;
  telemetry_->Add(std::move(event)).IgnoreError();  // telemetry never fails an update
}

Result<TelemetryFlushResult> ClientCore::Flush() {
  TelemetryFlushResult r;
  if (!telemetry_) return r;
  if (is_file_ && !config_.telemetry_sender && config_.telemetry_url.empty()) {
    r.queued = telemetry_->size();
    r.dropped = telemetry_->dropped();
    return FailedPrecondition("telemetry: ", config_.server_url,
                              " is a file:// repository with no telemetry endpoint; set ",
                              "ClientConfig.telemetry_url (", r.queued, " events kept)");
  }
  const std::string url =
      config_.telemetry_url.empty() ? base_url_ + "/v1/telemetry" : config_.telemetry_url;
  PostFunction post = config_.telemetry_sender;
  if (!post) {
    post = [this](const std::string& u, const std::string& body) {
      fetch::HttpOptions http = config_.http;
      http.cancel = nullptr;
      // A slow telemetry endpoint must not hold the app's update call for long.
      http.request_timeout = std::min(http.request_timeout, kTelemetryTimeout);
      return CurlPost(http, u, body);
    };
  }
  const Status s = telemetry_->Flush(url, config_.telemetry_batch_size, post, &r.sent);
  r.queued = telemetry_->size();
  r.dropped = telemetry_->dropped();
  if (!s.ok()) return s;
  return r;
}

std::string ClientCore::MaybeFlush() {
  if (!telemetry_ || telemetry_->size() < config_.telemetry_batch_size) return "";
  Result<TelemetryFlushResult> r = Flush();
  return r.ok() ? "" : r.status().ToString();
}

// ---- Client ----

Client::Client(ClientConfig config, conditions::DeviceFacts facts)
    : config_(std::move(config)), facts_(std::move(facts)) {}

Client::~Client() = default;

Result<std::unique_ptr<Client>> Client::Create(ClientConfig config) {
  MOTA_RETURN_IF_ERROR(CheckConfig(config));
  conditions::DeviceFacts facts;
  if (config.device) {
    facts = *config.device;
  } else {
    facts = device::Profiler().Facts();
  }
  if (facts.runtime_version.empty()) facts.runtime_version = device::RuntimeVersion();
  std::unique_ptr<Client> client(new Client(std::move(config), std::move(facts)));
  client->impl_ = std::make_unique<ClientCore>(client->config_, client->facts_);
  MOTA_RETURN_IF_ERROR(client->impl_->Init());
  return client;
}

Result<CheckResult> Client::Check(const std::string& model) {
  CallGuard guard(impl_->busy(), "Check");
  MOTA_RETURN_IF_ERROR(guard.status());
  return impl_->Check(model);
}

Result<UpdateResult> Client::Update(const std::string& model, const UpdateOptions& options) {
  CallGuard guard(impl_->busy(), "Update");
  MOTA_RETURN_IF_ERROR(guard.status());
  return impl_->Update(model, options);
}

Result<ModelStatus> Client::Status(const std::string& model) {
  CallGuard guard(impl_->busy(), "Status");
  MOTA_RETURN_IF_ERROR(guard.status());
  MOTA_ASSIGN_OR_RETURN(install::InstallStore store,
                        install::InstallStore::Open(config_.data_dir, model));
  ModelStatus s;
  s.model = model;
  s.active = store.active();
  s.previous = store.previous();
  s.bad_variants = store.bad_variants();
  s.uninstalled = store.uninstalled();
  if (s.active) s.active_path = store.PathOf(*s.active);
  return s;
}

Result<ActiveModel> Client::Active(const std::string& model) {
  CallGuard guard(impl_->busy(), "Active");
  MOTA_RETURN_IF_ERROR(guard.status());
  MOTA_ASSIGN_OR_RETURN(install::InstallStore store,
                        install::InstallStore::Open(config_.data_dir, model));
  if (!store.active() && !store.uninstalled().empty()) {
    return NotFound("model '", model, "' has no active version in ", store.dir(),
                    ": it was uninstalled: ", store.uninstalled());
  }
  if (!store.active()) {
    return NotFound("model '", model, "' has no active version in ", store.dir(),
                    ": run an update first");
  }
  const install::InstalledVariant& a = *store.active();
  if (!fs::is_regular_file(store.PathOf(a))) {
    return DataLoss("model '", model, "': the active file ", store.PathOf(a),
                    " named by active.json is missing (removed outside mota?); run an update");
  }
  return ActiveModel{store.PathOf(a), a.release, a.variant, a.backend, a.sha256, a.params};
}

mota::Status Client::RollBack(const std::string& model, const std::string& reason) {
  CallGuard guard(impl_->busy(), "RollBack");
  MOTA_RETURN_IF_ERROR(guard.status());
  MOTA_ASSIGN_OR_RETURN(install::InstallStore store,
                        install::InstallStore::Open(config_.data_dir, model));
  if (!store.active()) return FailedPrecondition("model '", model, "': nothing is active");
  const install::InstalledVariant failed = *store.active();
  MOTA_RETURN_IF_ERROR(store.RollBack(reason));
  impl_->Record({.type = "update_outcome",
                 .model = model,
                 .release = failed.release,
                 .variant = failed.variant,
                 .outcome = "failure",
                 .stage = "activate",
                 .detail = StrCat("rolled back to ", store.active()->release, "-",
                                  store.active()->variant, ": ", reason)});
  impl_->MaybeFlush();
  return mota::Status::Ok();
}

Result<TelemetryFlushResult> Client::FlushTelemetry() {
  CallGuard guard(impl_->busy(), "FlushTelemetry");
  MOTA_RETURN_IF_ERROR(guard.status());
  return impl_->Flush();
}

}  // namespace mota::client
