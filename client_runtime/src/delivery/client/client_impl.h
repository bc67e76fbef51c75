// Internals of Client (client.h), shared by client.cc (set-up, local state, telemetry) and
// update.cc (Check and Update). Not part of the interface.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "delivery/client/client.h"
#include "delivery/client/telemetry.h"
#include "delivery/select/model_targets.h"
#include "delivery/trust/updater.h"
#include "manifests/lib/bundle/index.h"

namespace mota::client {

// One call's view of the repository: a fetcher that honours the call's cancel flag and a TUF
// updater over the persisted metadata.
struct Session {
  std::unique_ptr<trust::Fetcher> owned;
  trust::Fetcher* fetcher = nullptr;
  std::unique_ptr<trust::Updater> updater;
};

// A model's verified targets and rollout, after a refresh.
struct Loaded {
  select::ModelTargets targets;
};

class ClientCore {
 public:
  ClientCore(const ClientConfig& config, const conditions::DeviceFacts& facts)
      : config_(config), facts_(facts) {}

  Status Init();  // URLs, folders, trusted root, telemetry queue, crash cleanup

  Result<Session> Open(const std::atomic<bool>* cancel);
  Result<Loaded> Load(Session& session, const std::string& model);
  Result<select::Selection> Choose(const Loaded& loaded, const install::InstallStore& store,
                                   const std::string& model) const;
  // The verified variant index: from indexes/ when the cached copy matches the signed target,
  // else downloaded through the TUF client and cached.
  Result<bundle::VariantIndex> Index(Session& session, const std::string& model, int64_t release,
                                     const std::string& variant);
  // Gets a variant's bytes. Over http(s): downloads the chunks the store lacks and assembles
  // `path` while downloading (ChunkDownloader::Download: every chunk and the whole file checked
  // as written); *assembled = true, install::ActivateAssembled takes it from there. From file://:
  // copies the missing blobs into the store (checked like downloads); *assembled = false,
  // install::Activate assembles from the store.
  Result<fetch::DownloadStats> Obtain(const bundle::VariantIndex& index, const std::string& path,
                                      const std::string& model, const std::string& variant,
                                      const UpdateOptions& options, bool* assembled);
  // After an activation: drop cached indexes of versions no longer installed, then keep the
  // store inside the disk budget (blobs of installed versions are never evicted).
  void AfterActivation(const install::InstallStore& store);

  // Telemetry (no-ops when the app did not opt in). Never fail the caller.
  void Record(TelemetryEvent event);
  std::string MaybeFlush();  // flushes when a batch is full; returns the error text, if any
  Result<TelemetryFlushResult> Flush();

  Result<CheckResult> Check(const std::string& model);
  Result<UpdateResult> Update(const std::string& model, const UpdateOptions& options);

  std::string IndexPath(const std::string& model, int64_t release,
                        const std::string& variant) const;
  const std::string& data_dir() const { return config_.data_dir; }
  // The call running now (null: none), for the one-call-at-a-time rule.
  std::atomic<const char*>& busy() { return busy_; }

 private:
  Status InstallTrustedRoot();
  Status ForgetRolloutOnSnapshotKeyRotation(const trust::Updater& updater,
                                            const std::string& model);
  void CleanAtStart();
  std::vector<std::string> CachedIndexFiles() const;

  const ClientConfig& config_;
  const conditions::DeviceFacts& facts_;
  bool is_file_ = false;
  std::string repo_dir_;  // file:// only
  std::string base_url_, metadata_url_, target_url_;
  std::string metadata_dir_, store_dir_, index_dir_;
  trust::SystemClock system_clock_;
  const trust::Clock* clock_ = nullptr;
  std::optional<TelemetryQueue> telemetry_;
  std::atomic<const char*> busy_{nullptr};
};

// The cancelled status (IsCancelled) for a step stopped by the app's flag.
Status CancelledStatus(const std::string& model, const Status& cause);

}  // namespace mota::client
