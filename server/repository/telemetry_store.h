// Where telemetry goes and what it decides: a SQLite store of device events (server.db in the
// server's state folder), the per-group statistics the admin API shows, and the automatic halt
// of a rollout whose release fails too often on some device class.
//
// Statistics are per (model, release, variant, device class) and per (model, release, device
// class); they count distinct devices (install id hashes), not events, so one device retrying
// (or a script replaying one device's reports) weighs as one device:
//   devices         devices that reported an update outcome for the release
//   failed_devices  devices among them that reported at least one failure
//   failure rate    failed_devices / devices, judged only from min_devices devices on
// A release breaches the policy when its failure rate on some device class is above
// max_failure_rate with at least min_devices devices. HaltOnBreach then halts its rollout
// (a new signed rollout document, rollout.h) with a reason that says the class, the counts and
// the threshold, unless the release is already halted or revoked.
//
//   MOTA_ASSIGN_OR_RETURN(auto store, TelemetryStore::Open(state_dir + "/server.db"));
//   MOTA_ASSIGN_OR_RETURN(auto events, ParseTelemetryBatch(body));
//   MOTA_RETURN_IF_ERROR(store->Insert(events, now));
//   MOTA_ASSIGN_OR_RETURN(auto halted, HaltOnBreach(*store, manager, events, policy, now));
//
// Thread-safe: one connection behind a mutex (SQLite serializes writers anyway; WAL lets a
// second process read).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "manifests/lib/status/status.h"
#include "server/repository/rollout.h"
#include "server/repository/telemetry_event.h"
#include "server/storage/sqlite.h"

namespace mota::server::repository {

struct FailurePolicy {
  double max_failure_rate = 0.05;  // halt above 5% ...
  int64_t min_devices = 50;        // ... once at least this many devices reported
};

struct GroupStats {
  int64_t release = 0;
  std::string variant;  // empty in per-class totals
  std::string device_class;
  int64_t devices = 0, failed_devices = 0;
  int64_t successes = 0, failures = 0;  // update_outcome events
  int64_t selftest_failures = 0, fallbacks = 0, latency_reports = 0;
  int64_t max_p99_us = 0;  // the highest p99 any device reported
  double FailureRate() const { return devices == 0 ? 0.0 : double(failed_devices) / devices; }
};

struct Breach {
  int64_t release = 0;
  std::string device_class;
  int64_t devices = 0, failed_devices = 0;
  // "auto: failure rate 12.0% (6 of 50 devices) on device class x > 5.0% threshold ..."
  std::string reason;
};

// The (release, device class) totals that breach `policy`, worst first.
std::vector<Breach> FindBreaches(const std::vector<GroupStats>& class_totals,
                                 const FailurePolicy& policy);

// One admin call for the audit table.
struct AuditEntry {
  int64_t time = 0;
  std::string remote, method, path, action, detail;
  int status = 0;
};

class TelemetryStore {
 public:
  static Result<std::unique_ptr<TelemetryStore>> Open(const std::string& path);

  // Stores the whole batch in one transaction (all or nothing). `now` is the receive time.
  Status Insert(const std::vector<TelemetryEvent>& events, int64_t now);
  // Per (release, variant, device class) when by_variant (devices distinct per group, counts
  // since the first report); else per (release, device class): event counts summed over the
  // variants, devices and failed devices as judged (JudgeTotals: since the last resume).
  // `release` 0: every release of the model. Reads the aggregates Insert keeps, never the
  // events, so it costs one row per group however many events are stored.
  Result<std::vector<GroupStats>> Stats(const std::string& model, int64_t release, bool by_variant);
  // What automatic halts judge: per device class of the release, the devices and failed
  // devices since the release was last resumed (only those fields are set). Kept up to date
  // by Insert, so this reads one row per class however many events are stored.
  Result<std::vector<GroupStats>> JudgeTotals(const std::string& model, int64_t release);
  // An admin resumed `release`: automatic halts judge it again from the reports that follow,
  // so the failures that halted it do not halt it again at once.
  Status MarkResumed(const std::string& model, int64_t release);
  Result<int64_t> EventCount();

  Status Audit(const AuditEntry& entry);
  Result<std::vector<AuditEntry>> RecentAudit(size_t limit);

 private:
  struct Statements {
    storage::Statement insert, find_device, put_device, add_totals;
    storage::Statement find_variant_device, put_variant_device, add_counts, audit;
  };
  TelemetryStore(storage::Database db, Statements st) : db_(std::move(db)), st_(std::move(st)) {}
  Status Judge(const TelemetryEvent& event);  // inside Insert's transaction
  Status Count(const TelemetryEvent& event);  // likewise
  std::mutex mu_;
  storage::Database db_;
  Statements st_;
};

struct HaltAction {
  std::string model;
  Breach breach;
  int64_t rollout_version = 0;
};

// For every (model, release) the batch reported on: checks the per-class totals since the
// release was last resumed against `policy` and halts the release's rollout on the worst breach.
// Releases already halted or revoked are left as they are. Returns what it halted.
Result<std::vector<HaltAction>> HaltOnBreach(TelemetryStore& store, RolloutManager& manager,
                                             const std::vector<TelemetryEvent>& batch,
                                             const FailurePolicy& policy, int64_t now);

}  // namespace mota::server::repository
