// The device client's update orchestration (issue 7): what an app embeds so that the right
// variant of a model arrives, verified and self-tested, and stays usable when things go wrong.
// It ties the delivery layers together:
//
//   trust (TUF refresh) -> select (LoadModelTargets, Select with the installed release and the
//   variants that failed here) -> fetch (the variant index target, then only the chunks the store
//   lacks, assembled into the candidate file while they download: each chunk and the whole
//   file's sha256 checked as written, ChunkDownloader::Download) -> install (self-test, atomic
//   pointer switch: install::ActivateAssembled; a file:// repository goes through the store and
//   install::Activate, which assembles and hashes there)
//
// and falls back to the next variant Select offers when a self-test fails; the active version
// stays until a new one has passed.
//
// Repair: when the chosen variant is the active one, Update reads the active file in full and
// compares its sha256 with active.json's (about 25 ms per 50 MB on a desktop core; Update is
// network-bound anyway). A file deleted or damaged from outside is installed again (the same
// release and variant, from the chunk store when its chunks are intact, else the server):
// UpdateResult::repaired, attempt outcome "repaired".
//
// Revocation: a release the publisher revoked in signed metadata never stays active after an
// Update that saw the revocation. Update moves to the newest release the rollout offers (lower
// ones included; the revoked one is not kept as `previous`, so RollBack cannot return to it).
// When no other release can be installed (every release revoked, none fits this device, or the
// replacement failed), the model is uninstalled: the active pointer is cleared atomically with the
// reason, the files are removed, UpdateResult::uninstalled says why, and Active returns NOT_FOUND
// with that reason (until a later Update installs a release again). There is no opt-out, by
// choice: revocation is the publisher's signed statement that a model must not run (wrong or
// harmful outputs, a leaked or poisoned release); an app setting that outvoted it would let an old
// app build keep running exactly what its publisher withdrew. A publisher that wants devices to
// keep a working model publishes a fixed (or the old) model as a new release instead of revoking
// every release. The app is never left with a half-removed model: files are unlinked only after
// the pointer is cleared, and a model the app has open (mapped) stays readable until it closes
// it. Apps must handle NOT_FOUND from Active anyway (first start, offline).
//
//   client::ClientConfig c;
//   c.data_dir = "/data/app/mota";
//   c.server_url = "https://updates.example";   // or file:///path/to/repo
//   c.trusted_root = "/app/assets/root.json";   // shipped with the app: the trust anchor
//   c.install_id = app.InstallId();             // random, made once per install
//   MOTA_ASSIGN_OR_RETURN(auto client, client::Client::Create(std::move(c)));
//   std::atomic<bool> cancel{false};            // set from any thread to stop
//   client::UpdateOptions o{.progress = [](const client::UpdateProgress& p) { ... },
//                           .cancel = &cancel};
//   Result<client::UpdateResult> r = client->Update("mobilenet_v2", o);
//   MOTA_ASSIGN_OR_RETURN(client::ActiveModel m, client->Active("mobilenet_v2"));
//   // open m.path with m.backend (model::LoadModel, exec::CreateBackend)
//
// Data directory (ClientConfig::data_dir):
//   metadata/   trusted TUF metadata (root.json, timestamp.json, ...) and <model>.rollout.json
//   store/      the chunk store: store/blobs/<sha256> (verified zstd frames), *.part (partial
//               downloads, resumed by the next Update)
//   models/     install::InstallStore: models/<model>/{<release>-<variant>.mota, active.json,
//               bad_variants.json}
//   indexes/    verified variant indexes (<model>/<release>-<variant>.json), so a later update
//               or a restart does not download them again
//   telemetry/  queue.json: telemetry events not yet sent (bounded, on disk; see below)
//
// Server layout (manifests/spec/repository.md): <server_url>/metadata/..., <server_url>/targets/
// ..., <server_url>/blobs/<sha256>, and (telemetry) POST <server_url>/v1/telemetry. A file://
// URL names a repository directory as `mota repo` writes it (the same three folders; blobs are
// copied and checked like downloads; no telemetry endpoint).
//
// Errors (Status codes, manifests/lib/status/status.h):
//   UNAVAILABLE          the server or network failed: retry later. The active model stays.
//   VERIFICATION_FAILED  metadata or bytes failed a signature / hash / length check: nothing
//                        from them is used; the active model stays.
//   INCOMPATIBLE         no variant fits this device (the message names the closest variant
//                        and the condition it failed).
//   CANCELLED            UpdateOptions::cancel was set (IsCancelled(status) is true); partial
//                        downloads are kept and resumed by the next call.
//   RESOURCE_EXHAUSTED   the disk is full (or a quota / file size limit): nothing activated.
//   FAILED_PRECONDITION  refused by the app's NetworkPolicy, or a rollback to a lower release
//                        was refused.
//   NOT_FOUND            the repository does not have the model (or Active: nothing installed).
// Every error names the model, the release and variant tried and what failed.
//
// Threads: one call at a time per Client (the app owns threads; calls on different Clients with
// different data_dirs may run at once); an overlapping call on the same Client is refused with
// FAILED_PRECONDITION, never interleaved. Only the cancel flag may be set from another thread
// while Update runs; the progress callback is called on the calling thread. Exception-free.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "delivery/fetch/chunk_downloader.h"
#include "delivery/fetch/http_options.h"
#include "delivery/install/install_store.h"
#include "delivery/select/select.h"
#include "delivery/trust/fetcher.h"
#include "manifests/lib/conditions/conditions.h"

namespace mota::client {

// Where telemetry goes. The default posts `body` (a JSON batch) to `url` with libcurl; tests and
// apps with their own network stack inject one. A non-OK status keeps the batch queued.
using TelemetrySender = std::function<Status(const std::string& url, const std::string& body)>;

struct ClientConfig {
  // Holds metadata/, store/, models/, indexes/, telemetry/ (created when missing).
  std::string data_dir;
  // "http://host:port[/prefix]", "https://..." or "file:///abs/repo" (no trailing '/' needed).
  std::string server_url;
  // The root.json the app ships: copied to <data_dir>/metadata/root.json when that does not
  // exist yet (afterwards the persisted, possibly rotated, root is the anchor). Required on the
  // first Create for a data_dir; may be empty later.
  std::string trusted_root;
  // This device's facts for `requires`. Absent: detected once in Create (device::Profiler).
  // runtime_version, when empty, is set to this libmota's (device::RuntimeVersion()).
  std::optional<conditions::DeviceFacts> device;
  // The install id (1..256 bytes; rollout bucket, never sent: telemetry sends its hash).
  std::string install_id;
  // Telemetry's device class ([a-z0-9][a-z0-9_.-]{0,63}). Empty: "<os>-<arch>" from the facts.
  std::string device_class;
  // Timeouts, TLS, CA file. Its `cancel` is ignored: UpdateOptions::cancel is used per call.
  fetch::HttpOptions http;
  // Asked before chunks are downloaded, with the bytes needed (e.g. fetch::UnmeteredOnly).
  fetch::NetworkPolicy policy;
  int max_in_flight = 4;  // chunk transfers at once (one connection pool)
  int max_attempts = 4;   // per blob, including the first
  // Threads that decode, hash and write chunks while they download (besides the thread that
  // receives and the one that hashes frames as they arrive). 2 suits phones; on many idle cores
  // 4 is faster (mobilenet_v2 0.85-1.00x of curl vs 0.58-0.64x, bench/RESULTS.md).
  int assemble_threads = 2;
  // The chunk store's size cap in bytes (0: none). After an update, blobs no installed file
  // (active or previous) references are evicted, oldest first, until the store fits.
  uint64_t disk_budget_bytes = 0;
  // Telemetry, opt-in by the app: nothing is recorded or sent unless true.
  bool telemetry = false;
  size_t telemetry_batch_size = 50;    // events per POST (the server takes at most 500)
  size_t telemetry_queue_limit = 500;  // events kept on disk; the oldest are dropped beyond it
  std::string telemetry_url;           // empty: <server_url>/v1/telemetry
  TelemetrySender telemetry_sender;    // empty: libcurl POST with `http`'s timeouts
  // Tests: the network for metadata and targets (must outlive the Client). Null: libcurl (or
  // files for file://). Blobs always go through the ChunkDownloader (or files for file://).
  trust::Fetcher* fetcher = nullptr;
  // Tests: the clock metadata expiry is judged against (must outlive the Client). Null: system.
  const trust::Clock* clock = nullptr;
};

// Progress of one Update, per model: compressed bytes of the blobs that were missing.
struct UpdateProgress {
  std::string model;
  std::string variant;
  uint64_t bytes_done = 0;
  uint64_t bytes_total = 0;
};

struct UpdateOptions {
  std::function<void(const UpdateProgress&)> progress;  // on the calling thread
  // Set to true from any thread to stop: Update returns a cancelled status (IsCancelled) and
  // partial downloads stay for the next Update.
  const std::atomic<bool>* cancel = nullptr;
};

// One variant tried by Update, and what happened to it.
struct Attempt {
  int64_t release = 0;
  std::string variant;
  std::string backend;  // what it ran (or would run) on: "auto", "vulkan"
  // "installed", "already active", "repaired" (the active file was missing or damaged and was
  // installed again), "selftest failed" (marked bad, next variant tried), "download failed",
  // "verification failed", "cancelled", "refused", "uninstalled" (a revoked release removed).
  std::string outcome;
  std::string reason;  // why: the Status message, or Select's reason for choosing it
};

struct UpdateResult {
  std::string model;
  // The active file changed: a new version became active, the active one was repaired, or the
  // model was uninstalled (release 0). Reopen the model.
  bool changed = false;
  bool repaired = false;  // the active file was missing or damaged and was installed again
  // Not empty: every usable release was revoked and the model was uninstalled (why).
  std::string uninstalled;
  int64_t release = 0;  // the active version after the call (0: none)
  std::string variant;
  std::string backend;
  std::string why;  // Select's status line for the chosen variant
  // Compressed bytes received from the network in this call (resumed parts count only for
  // what arrived now), and the compressed size of the installed variant's blobs in total (0 when
  // the chosen variant was already active: nothing is looked at then).
  uint64_t bytes_downloaded = 0;
  uint64_t bytes_total = 0;
  size_t blobs_downloaded = 0;
  size_t blobs_present = 0;  // already in the store
  std::vector<Attempt> attempts;
  select::Selection selection;  // the last selection made (every variant with its reason)
  // Telemetry could not be sent (queued for later); never fails the update.
  std::string telemetry_error;
};

// What Update would do now, without downloading chunks (metadata is refreshed).
struct CheckResult {
  std::string model;
  select::Selection selection;
  std::optional<install::InstalledVariant> active;
  // Update would change something: the selection differs from the active version, the active
  // file is missing or damaged (repair), or the active release is revoked and nothing replaces
  // it (uninstall).
  bool update_available = false;
  std::vector<std::string> skipped_targets;  // targets whose custom metadata did not parse
};

// The active version of a model: what the app opens.
struct ActiveModel {
  std::string path;  // the .mota file
  int64_t release = 0;
  std::string variant;
  std::string backend;  // the backend it passed its self-test on ("auto", "vulkan")
  std::string sha256;
  install::VariantParams params;  // the variant's backend parameters it passed it with
};

// Local state of a model (no network).
struct ModelStatus {
  std::string model;
  std::optional<install::InstalledVariant> active;
  std::optional<install::InstalledVariant> previous;
  std::vector<install::BadVariant> bad_variants;
  std::string active_path;  // empty when nothing is active
  std::string uninstalled;  // why nothing is active, when a revocation uninstalled the model
};

struct TelemetryFlushResult {
  size_t sent = 0;
  size_t queued = 0;   // still on disk after the call
  size_t dropped = 0;  // dropped since the queue was created (over telemetry_queue_limit)
};

class ClientCore;  // the implementation (client_impl.h)

class Client {
 public:
  // Creates the data directory's folders, installs the trusted root when none is persisted,
  // detects the device when `device` is absent, and cleans what a crash may have left
  // (assembler and pointer temp files of every model; partial chunk downloads are kept and
  // resumed). INVALID_ARGUMENT names a bad field (URL scheme, install id, no root).
  static Result<std::unique_ptr<Client>> Create(ClientConfig config);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Refreshes the metadata and says what would be installed and why. Downloads no chunk.
  Result<CheckResult> Check(const std::string& model);

  // Brings the model to the variant Select chooses: OK with changed == false when it is already
  // active and its file is whole (no chunk is downloaded; a damaged file is repaired). A
  // self-test failure marks the variant bad, is reported, and the next variant is tried; the
  // active version stays until one passes. Never activates a release lower than the active one
  // unless signed metadata revoked the active release; a revoked active release with nothing to
  // replace it is uninstalled (see "Revocation" above).
  Result<UpdateResult> Update(const std::string& model, const UpdateOptions& options = {});

  // The active version: NOT_FOUND when nothing is installed (saying why when a revocation
  // uninstalled it); DATA_LOSS when its file is missing (Update repairs it).
  Result<ActiveModel> Active(const std::string& model);

  // Active, previous and bad variants, from the data directory only.
  Result<ModelStatus> Status(const std::string& model);

  // The app found the active version failing (e.g. crashes at run time): marks it bad with
  // `reason`, makes the previous version active again and reports it (telemetry).
  // FAILED_PRECONDITION when there is no previous version.
  mota::Status RollBack(const std::string& model, const std::string& reason);

  // Sends queued telemetry now, in batches. Send failures keep the events queued and come back
  // as the status (UNAVAILABLE); Update never fails because of telemetry.
  Result<TelemetryFlushResult> FlushTelemetry();

  const ClientConfig& config() const { return config_; }
  const conditions::DeviceFacts& device() const { return facts_; }

 private:
  Client(ClientConfig config, conditions::DeviceFacts facts);

  ClientConfig config_;
  conditions::DeviceFacts facts_;
  std::unique_ptr<ClientCore> impl_;
};

// True for the status Update returns when UpdateOptions::cancel was set (CANCELLED).
bool IsCancelled(const mota::Status& status);

// The backend a variant target's `backend` runs on here: "cpu" -> "auto" (the best CPU backend
// of the build), "vulkan" -> "vulkan".
std::string RunBackendFor(const std::string& target_backend);

}  // namespace mota::client
