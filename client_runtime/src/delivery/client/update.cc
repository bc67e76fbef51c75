// Check and Update: refresh -> targets -> select -> index -> missing chunks -> activate, with
// fallback to the next variant when a self-test fails.
#include <algorithm>
#include <filesystem>

#include "base/file.h"
#include "delivery/client/client_impl.h"
#include "delivery/fetch/store_files.h"
#include "delivery/install/activate.h"
#include "manifests/lib/rollout/rollout.h"

namespace mota::client {
namespace {

namespace fs = std::filesystem;

// The target's backend parameters for the self-test and the install record (install_store.h
// VariantParams): its precision, tuning and the `vulkan_quirks` list a newer packager writes
// (kept by ParseVariantTarget in `unrecognized`).
install::VariantParams ParamsOf(const tuf::VariantTarget* target) {
  install::VariantParams p;
  if (target == nullptr) return p;
  p.precision = target->precision;
  if (target->tuning) {
    p.threads = target->tuning->threads.value_or(0);
    p.workgroup_size = target->tuning->workgroup_size;
    p.vulkan_params = target->tuning->vulkan_params;
  }
  if (auto q = target->unrecognized.find("vulkan_quirks"); q != target->unrecognized.end()) {
    p.vulkan_quirks = q->dump();
  }
  return p;
}

const tuf::VariantTarget* FindTarget(const Loaded& loaded, int64_t release,
                                     const std::string& variant) {
  for (const tuf::VariantTarget& t : loaded.targets.targets) {
    if (t.release == release && t.variant == variant) return &t;
  }
  return nullptr;
}

// Signed metadata revoked the release the device runs: only then may it move to a lower one.
bool ReleaseRevoked(const Loaded& loaded, int64_t release) {
  for (const tuf::VariantTarget& t : loaded.targets.targets) {
    if (t.release == release && t.revoked) return true;
  }
  return false;
}

uint64_t WireBytes(const std::vector<fetch::BlobWant>& blobs) {
  uint64_t total = 0;
  for (const fetch::BlobWant& b : blobs) total += b.zstd_size;
  return total;
}

// The update_outcome stage of a failed activation (telemetry's vocabulary).
const char* StageOf(const Status& s) {
  switch (s.code()) {
    case StatusCode::kVerificationFailed:
    case StatusCode::kDataLoss:
      return "verify";
    case StatusCode::kFailedPrecondition:
      return "activate";
    default:
      return "install";
  }
}

bool Cancelled(const UpdateOptions& o) {
  return o.cancel != nullptr && o.cancel->load(std::memory_order_relaxed);
}

// The context every error of an update carries.
Status InModel(const std::string& model, const Status& s) {
  return s.WithContext(StrCat("update of '", model, "'"));
}

}  // namespace

// TUF 5.3.11 for the rollout document: it is signed by the snapshot role's keys, so when a new
// root changes those keys, the rollout version trusted under the old ones is forgotten (like
// snapshot.json and timestamp.json). Otherwise a leaked old key that signed a huge version would
// block the device for good. The keys the kept document was trusted under are recorded beside
// it as <model>.rollout.keys.
Status ClientCore::ForgetRolloutOnSnapshotKeyRotation(const trust::Updater& updater,
                                                      const std::string& model) {
  const auto& roles = updater.trusted()->root().roles;
  auto it = roles.find("snapshot");
  if (it == roles.end()) return Status::Ok();
  std::vector<std::string> ids = it->second.keyids;
  std::sort(ids.begin(), ids.end());
  std::string keys;
  for (const std::string& id : ids) keys += id + "\n";
  const std::string keys_path = StrCat(metadata_dir_, "/", model, ".rollout.keys");
  Result<std::vector<uint8_t>> kept = ReadFile(keys_path);
  if (kept.ok() && std::string(kept->begin(), kept->end()) == keys) return Status::Ok();
  if (kept.ok()) {
    std::error_code ec;
    fs::remove(StrCat(metadata_dir_, "/", rollout::RolloutMetaName(model)), ec);
    if (ec)
      return IoError("cannot remove the rollout document trusted under rotated keys: ",
                     ec.message());
  }
  return WriteFileAtomic(keys_path, keys);
}

Result<Loaded> ClientCore::Load(Session& session, const std::string& model) {
  MOTA_RETURN_IF_ERROR(
      session.updater->Refresh().WithContext(StrCat("refreshing metadata from ", metadata_url_)));
  MOTA_RETURN_IF_ERROR(ForgetRolloutOnSnapshotKeyRotation(*session.updater, model));
  MOTA_ASSIGN_OR_RETURN(int64_t trusted_rollout,
                        select::TrustedRolloutVersion(metadata_dir_, model));
  Loaded loaded;
  MOTA_ASSIGN_OR_RETURN(loaded.targets,
                        select::LoadModelTargets(*session.updater, *session.fetcher, metadata_url_,
                                                 model, trusted_rollout, clock_->Now()));
  if (loaded.targets.rollout) {
    MOTA_RETURN_IF_ERROR(select::PersistRollout(metadata_dir_, *loaded.targets.rollout));
  }
  return loaded;
}

Result<select::Selection> ClientCore::Choose(const Loaded& loaded,
                                             const install::InstallStore& store,
                                             const std::string& model) const {
  select::SelectInput in;
  in.model = model;
  in.targets = loaded.targets.targets;
  in.rollout = loaded.targets.rollout ? &*loaded.targets.rollout : nullptr;
  in.device = facts_;
  in.install_id = config_.install_id;
  in.installed_release = store.active() ? store.active()->release : 0;
  for (const install::BadVariant& b : store.bad_variants()) {
    in.failed.push_back({b.release, b.variant, b.reason});
  }
  return select::Select(in);
}

Result<bundle::VariantIndex> ClientCore::Index(Session& session, const std::string& model,
                                               int64_t release, const std::string& variant) {
  const std::string path = tuf::VariantTargetPath(model, variant, release);
  MOTA_ASSIGN_OR_RETURN(trust::FoundTarget target, session.updater->GetTargetInfo(path));
  const std::string cached = IndexPath(model, release, variant);
  std::string text;
  if (session.updater->IsCached(target, cached)) {
    MOTA_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFile(cached));
    text.assign(bytes.begin(), bytes.end());
  } else {
    MOTA_ASSIGN_OR_RETURN(text, session.updater->DownloadTarget(target));
    MOTA_RETURN_IF_ERROR(fetch::MakeDirs(fs::path(cached).parent_path().string()));
    MOTA_RETURN_IF_ERROR(WriteFileAtomic(cached, text));
  }
  Result<bundle::VariantIndex> index = bundle::ParseIndex(text);
  if (!index.ok()) return index.status().WithContext(StrCat("variant index ", path));
  return index;
}

Result<CheckResult> ClientCore::Check(const std::string& model) {
  MOTA_ASSIGN_OR_RETURN(install::InstallStore store,
                        install::InstallStore::Open(config_.data_dir, model));
  MOTA_ASSIGN_OR_RETURN(Session session, Open(nullptr));
  Result<Loaded> loaded = Load(session, model);
  if (!loaded.ok()) return InModel(model, loaded.status());
  CheckResult r;
  r.model = model;
  r.active = store.active();
  r.skipped_targets = loaded->targets.skipped;
  MOTA_ASSIGN_OR_RETURN(r.selection, Choose(*loaded, store, model));
  const bool same = r.active && r.active->release == r.selection.release &&
                    r.active->variant == r.selection.variant;
  // Update would repair a damaged active file, or uninstall a revoked release nothing replaces.
  r.update_available =
      (r.selection.found && (!same || !install::CheckActiveFile(store).ok())) ||
      (!r.selection.found && r.active && ReleaseRevoked(*loaded, r.active->release));
  return r;
}

// One Update call: the state shared by its steps.
class UpdateRun {
 public:
  UpdateRun(ClientCore& impl, const std::string& model, const UpdateOptions& options,
            install::InstallStore& store)
      : impl_(impl), model_(model), options_(options), store_(store) {
    result_.model = model;
  }

  Result<UpdateResult> Run();

 private:
  // One variant: index, blobs, activation. OK when it is active now; `next` is set when its
  // self-test failed (marked bad) and the next variant should be tried.
  // `repair`: the variant is the active one, its file missing or damaged (`repair_why`).
  Status TryVariant(Session& session, const Loaded& loaded, const select::Selection& sel,
                    const std::string& repair_why, bool* next);
  // The selection loop: install, stay, or fail.
  Result<UpdateResult> Decide(Session& session, const Loaded& loaded);
  Result<UpdateResult> UninstallRevoked(const Loaded& loaded, const Result<UpdateResult>& decided);
  Status Fail(Attempt attempt, const Status& s, const char* stage);
  Status RefuseRollback(const Loaded& loaded) const;
  void FillActive();

  ClientCore& impl_;
  const std::string& model_;
  const UpdateOptions& options_;
  install::InstallStore& store_;
  UpdateResult result_;
  std::string given_up;  // the variant whose self-test failed last (fallback telemetry)
};

// The repository offers only releases below the active one (a stale mirror, or trusted metadata
// lost and an old but validly signed repository served): refused unless the active one is revoked.
Status UpdateRun::RefuseRollback(const Loaded& loaded) const {
  if (!store_.active() || ReleaseRevoked(loaded, store_.active()->release)) return Status::Ok();
  int64_t highest = 0;
  for (const tuf::VariantTarget& t : loaded.targets.targets) highest = std::max(highest, t.release);
  if (highest >= store_.active()->release) return Status::Ok();
  return InModel(
      model_,
      FailedPrecondition("rollback refused: the repository lists releases up to ", highest,
                         ", lower than the active release ", store_.active()->release, " (",
                         store_.active()->variant, "), which signed metadata does not revoke; the ",
                         "active version stays"));
}

void UpdateRun::FillActive() {
  if (!store_.active()) return;
  result_.release = store_.active()->release;
  result_.variant = store_.active()->variant;
  result_.backend = store_.active()->backend;
}

Status UpdateRun::Fail(Attempt attempt, const Status& s, const char* stage) {
  const bool cancelled = Cancelled(options_);
  attempt.outcome = cancelled ? "cancelled" : stage;
  attempt.reason = s.message();
  const int64_t release = attempt.release;
  const std::string variant = attempt.variant;
  result_.attempts.push_back(std::move(attempt));
  if (cancelled) return CancelledStatus(model_, s);
  const bool download = std::string_view(stage) == "download failed";
  // The app's network policy said "not now": nothing failed, so nothing counts against the
  // release's failure rate (the server halts rollouts on it).
  if (download && s.code() == StatusCode::kFailedPrecondition) return InModel(model_, s);
  impl_.Record({.type = "update_outcome",
                .model = model_,
                .release = release,
                .variant = variant,
                .outcome = "failure",
                .stage = download ? "download" : StageOf(s),
                .detail = s.message()});
  impl_.MaybeFlush();
  return InModel(model_, s);
}

Status UpdateRun::TryVariant(Session& session, const Loaded& loaded, const select::Selection& sel,
                             const std::string& repair_why, bool* next) {
  *next = false;
  const tuf::VariantTarget* target = FindTarget(loaded, sel.release, sel.variant);
  Attempt attempt{sel.release, sel.variant, RunBackendFor(target ? target->backend : "cpu"), "",
                  sel.status};
  Result<bundle::VariantIndex> index = impl_.Index(session, model_, sel.release, sel.variant);
  if (!index.ok()) return Fail(attempt, index.status(), "download failed");
  result_.bytes_total = WireBytes(fetch::BlobsOf(*index, true));
  // Rollback protection, also checked by install: lower only when the active one is revoked.
  // Checked before any chunk is downloaded.
  const bool revoked = store_.active() && ReleaseRevoked(loaded, store_.active()->release);
  if (store_.active() && sel.release < store_.active()->release && !revoked) {
    return Fail(attempt,
                FailedPrecondition("rollback refused: release ", sel.release, " (", sel.variant,
                                   ") is lower than the active release ", store_.active()->release,
                                   ", which signed metadata does not ", "revoke"),
                "refused");
  }
  install::Candidate candidate{sel.release, sel.variant, attempt.backend, &*index, revoked};
  candidate.repair = !repair_why.empty();
  candidate.params = ParamsOf(target);
  // Refusals that cost nothing come before the download; the file is assembled right there.
  Result<std::string> path = install::PrepareCandidate(store_, candidate);
  if (!path.ok()) return Fail(attempt, path.status(), "refused");
  bool assembled = false;
  Result<fetch::DownloadStats> stats =
      impl_.Obtain(*index, *path, model_, sel.variant, options_, &assembled);
  if (!stats.ok()) return Fail(attempt, stats.status(), "download failed");
  result_.bytes_downloaded += stats->bytes_received;
  result_.blobs_downloaded += stats->blobs_downloaded;
  result_.blobs_present += stats->blobs_present;
  if (Cancelled(options_)) return Fail(attempt, FailedPrecondition("before activation"), "");
  const install::ActivateOptions activate{.chunk_store = impl_.data_dir() + "/store"};
  const Status s = assembled ? install::ActivateAssembled(store_, candidate, activate)
                             : install::Activate(store_, candidate, activate);
  if (s.ok() && candidate.repair) {
    attempt.outcome = "repaired";
    attempt.reason = StrCat(repair_why, "; installed again: ", sel.status);
    result_.repaired = true;
    result_.attempts.push_back(std::move(attempt));
    return Status::Ok();
  }
  if (s.ok()) {
    attempt.outcome = "installed";
    result_.attempts.push_back(std::move(attempt));
    return Status::Ok();
  }
  if (store_.FindBad(sel.release, sel.variant) == nullptr) {
    return Fail(attempt, s,
                s.code() == StatusCode::kFailedPrecondition ? "refused" : "verification failed");
  }
  // The self-test failed: the variant is marked bad here; report it and try the next one.
  attempt.outcome = "selftest failed";
  attempt.reason = s.message();
  result_.attempts.push_back(attempt);
  impl_.Record({.type = "selftest_failure",
                .model = model_,
                .release = sel.release,
                .variant = sel.variant,
                .detail = s.message()});
  impl_.Record({.type = "update_outcome",
                .model = model_,
                .release = sel.release,
                .variant = sel.variant,
                .outcome = "failure",
                .stage = "selftest",
                .detail = s.message()});
  given_up = sel.variant;
  *next = true;
  return Status::Ok();
}

Result<UpdateResult> UpdateRun::Run() {
  MOTA_ASSIGN_OR_RETURN(Session session, impl_.Open(options_.cancel));
  Result<Loaded> loaded = impl_.Load(session, model_);
  if (!loaded.ok()) {
    if (Cancelled(options_)) return CancelledStatus(model_, loaded.status());
    return InModel(model_, loaded.status());
  }
  Result<UpdateResult> decided = Decide(session, *loaded);
  if (!store_.active() || !ReleaseRevoked(*loaded, store_.active()->release)) return decided;
  return UninstallRevoked(*loaded, decided);
}

// A revoked release must not stay active (issue 7; client.h "Revocation" says why there is no
// opt-out): nothing replaced it in this call, so the model is uninstalled.
Result<UpdateResult> UpdateRun::UninstallRevoked(const Loaded& loaded,
                                                 const Result<UpdateResult>& decided) {
  const install::InstalledVariant gone = *store_.active();
  bool all_revoked = true;
  for (const tuf::VariantTarget& t : loaded.targets.targets) all_revoked = all_revoked && t.revoked;
  const std::string why =
      all_revoked ? "every release of the model is revoked"
                  : StrCat("no other release could be installed (",
                           decided.ok() ? result_.why : decided.status().message(), ")");
  const std::string reason = StrCat("release ", gone.release, " (", gone.variant,
                                    ") was revoked by its publisher in signed metadata and ", why);
  const Status removed = store_.Uninstall(reason);
  if (!removed.ok()) {
    return InModel(model_, removed.WithContext(StrCat("release ", gone.release,
                                                      " is revoked but uninstalling it failed")));
  }
  impl_.AfterActivation(store_);  // drops the cached indexes of the removed versions
  impl_.Record({.type = "update_outcome",
                .model = model_,
                .release = gone.release,
                .variant = gone.variant,
                .outcome = "failure",
                .stage = "activate",
                .detail = StrCat("uninstalled: ", reason)});
  impl_.MaybeFlush();
  if (!decided.ok()) {
    return decided.status().WithContext(
        StrCat("the revoked release ", gone.release, " was uninstalled"));
  }
  result_.attempts.push_back({gone.release, gone.variant, gone.backend, "uninstalled", reason});
  result_.changed = true;
  result_.uninstalled = reason;
  result_.release = 0;
  result_.variant.clear();
  result_.backend.clear();
  return result_;
}

Result<UpdateResult> UpdateRun::Decide(Session& session, const Loaded& loaded) {
  // Each round either installs, stops, or marks one more variant bad: bounded by the targets.
  for (size_t round = 0; round <= loaded.targets.targets.size(); ++round) {
    MOTA_ASSIGN_OR_RETURN(result_.selection, impl_.Choose(loaded, store_, model_));
    const select::Selection& sel = result_.selection;
    result_.why = sel.status;
    if (!sel.found) {
      FillActive();
      impl_.MaybeFlush();  // self-test failures of this call, if any
      // A revoked active release with nothing to replace it: Run uninstalls it.
      if (store_.active() && ReleaseRevoked(loaded, store_.active()->release)) return result_;
      MOTA_RETURN_IF_ERROR(RefuseRollback(loaded));
      const std::string tried = result_.attempts.empty() ? "" : " after failed self-tests";
      return InModel(model_, Status(StatusCode::kIncompatible,
                                    StrCat("no variant fits this device", tried, ": ", sel.status,
                                           sel.closest.empty() ? "" : " (closest: ", sel.closest,
                                           sel.closest.empty() ? "" : ": ", sel.closest_why,
                                           sel.closest.empty() ? "" : ")")));
    }
    std::string repair_why;
    if (store_.active() && store_.active()->release == sel.release &&
        store_.active()->variant == sel.variant) {
      const Status whole = install::CheckActiveFile(store_);
      if (whole.ok()) {
        result_.attempts.push_back(
            {sel.release, sel.variant, store_.active()->backend, "already active", sel.status});
        FillActive();
        return result_;
      }
      repair_why = whole.message();  // deleted or damaged from outside: install it again
    }
    if (!given_up.empty()) {
      impl_.Record({.type = "fallback",
                    .model = model_,
                    .release = sel.release,
                    .variant = sel.variant,
                    .from_variant = given_up,
                    .detail = StrCat("self-test of ", given_up, " failed; ", sel.status)});
    }
    bool next = false;
    MOTA_RETURN_IF_ERROR(TryVariant(session, loaded, sel, repair_why, &next));
    if (next) continue;
    result_.changed = true;
    FillActive();
    impl_.Record({.type = "update_outcome",
                  .model = model_,
                  .release = sel.release,
                  .variant = sel.variant,
                  .outcome = "success",
                  .detail = sel.status});
    impl_.AfterActivation(store_);
    result_.telemetry_error = impl_.MaybeFlush();
    return result_;
  }
  return Internal("update of '", model_, "': no decision after trying every variant");
}

Result<UpdateResult> ClientCore::Update(const std::string& model, const UpdateOptions& options) {
  MOTA_ASSIGN_OR_RETURN(install::InstallStore store,
                        install::InstallStore::Open(config_.data_dir, model));
  UpdateRun run(*this, model, options, store);
  return run.Run();
}

}  // namespace mota::client
