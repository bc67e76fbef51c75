#include "server/repository/telemetry_store.h"

#include <algorithm>
#include <cstdio>
#include <set>

namespace mota::server::repository {
namespace {

// Schema steps (PRAGMA user_version); append, never edit a published step.
const std::vector<std::string>& Schema() {
  static const std::vector<std::string> kSteps = {
      R"sql(
CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  received_at INTEGER NOT NULL,
  type TEXT NOT NULL,
  model TEXT NOT NULL,
  release INTEGER NOT NULL,
  variant TEXT NOT NULL,
  device_class TEXT NOT NULL,
  install_id_hash TEXT NOT NULL,
  outcome TEXT, stage TEXT, from_variant TEXT, detail TEXT,
  runs INTEGER, p50_us INTEGER, p90_us INTEGER, p99_us INTEGER);
CREATE INDEX events_by_release ON events (model, release, device_class, variant);
CREATE TABLE admin_audit (
  id INTEGER PRIMARY KEY,
  time INTEGER NOT NULL,
  remote TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL,
  action TEXT NOT NULL, status INTEGER NOT NULL, detail TEXT NOT NULL);
)sql",
      // 2: where judging restarts after an admin resumes a halted release.
      R"sql(
CREATE TABLE resumes (
  model TEXT NOT NULL, release INTEGER NOT NULL, after_event_id INTEGER NOT NULL,
  PRIMARY KEY (model, release));
)sql",
      // 3: what automatic halts judge, kept up to date on every insert so that judging a batch
      // reads one row per device class instead of scanning the release's events: one row per
      // device (failed = 1 once it reported a failure) and the totals per class. Filled from
      // the events stored so far (after each release's last resume).
      R"sql(
CREATE TABLE judge_devices (
  model TEXT NOT NULL, release INTEGER NOT NULL, device_class TEXT NOT NULL,
  install_id_hash TEXT NOT NULL, failed INTEGER NOT NULL,
  PRIMARY KEY (model, release, device_class, install_id_hash)) WITHOUT ROWID;
CREATE TABLE judge_totals (
  model TEXT NOT NULL, release INTEGER NOT NULL, device_class TEXT NOT NULL,
  devices INTEGER NOT NULL, failed_devices INTEGER NOT NULL,
  PRIMARY KEY (model, release, device_class)) WITHOUT ROWID;
INSERT INTO judge_devices
  SELECT model, release, device_class, install_id_hash, MAX(outcome = 'failure') FROM events AS e
  WHERE type = 'update_outcome' AND id > COALESCE(
    (SELECT after_event_id FROM resumes AS r WHERE r.model = e.model AND r.release = e.release), 0)
  GROUP BY model, release, device_class, install_id_hash;
INSERT INTO judge_totals
  SELECT model, release, device_class, COUNT(*), SUM(failed) FROM judge_devices
  GROUP BY model, release, device_class;
)sql",
      // 4: what the admin view shows, kept up to date on every insert like step 3 (reading the
      // events grows with them): per (release, variant, class) the event counts and the
      // distinct devices, and one row per device to count them. Filled from the stored events.
      R"sql(
CREATE TABLE group_counts (
  model TEXT NOT NULL, release INTEGER NOT NULL, variant TEXT NOT NULL,
  device_class TEXT NOT NULL, devices INTEGER NOT NULL, failed_devices INTEGER NOT NULL,
  successes INTEGER NOT NULL, failures INTEGER NOT NULL, selftest_failures INTEGER NOT NULL,
  fallbacks INTEGER NOT NULL, latency_reports INTEGER NOT NULL, max_p99_us INTEGER NOT NULL,
  PRIMARY KEY (model, release, variant, device_class)) WITHOUT ROWID;
CREATE TABLE group_devices (
  model TEXT NOT NULL, release INTEGER NOT NULL, variant TEXT NOT NULL,
  device_class TEXT NOT NULL, install_id_hash TEXT NOT NULL, failed INTEGER NOT NULL,
  PRIMARY KEY (model, release, variant, device_class, install_id_hash)) WITHOUT ROWID;
INSERT INTO group_devices
  SELECT model, release, variant, device_class, install_id_hash, MAX(outcome = 'failure')
  FROM events WHERE type = 'update_outcome'
  GROUP BY model, release, variant, device_class, install_id_hash;
INSERT INTO group_counts
  SELECT model, release, variant, device_class,
    COUNT(DISTINCT CASE WHEN type = 'update_outcome' THEN install_id_hash END),
    COUNT(DISTINCT CASE WHEN type = 'update_outcome' AND outcome = 'failure'
                        THEN install_id_hash END),
    SUM(type = 'update_outcome' AND outcome = 'success'),
    SUM(type = 'update_outcome' AND outcome = 'failure'),
    SUM(type = 'selftest_failure'), SUM(type = 'fallback'), SUM(type = 'latency'),
    COALESCE(MAX(p99_us), 0)
  FROM events GROUP BY model, release, variant, device_class;
)sql"};
  return kSteps;
}

constexpr char kInsertSql[] =
    "INSERT INTO events (received_at, type, model, release, variant, device_class, "
    "install_id_hash, outcome, stage, from_variant, detail, runs, p50_us, p90_us, p99_us) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";

constexpr char kFindDeviceSql[] =
    "SELECT failed FROM judge_devices WHERE model = ?1 AND release = ?2 AND device_class = ?3 "
    "AND install_id_hash = ?4";
constexpr char kPutDeviceSql[] =
    "INSERT OR REPLACE INTO judge_devices (model, release, device_class, install_id_hash, failed) "
    "VALUES (?1, ?2, ?3, ?4, ?5)";
// Adds deltas to a class's totals (creating the row).
constexpr char kAddTotalsSql[] =
    "INSERT INTO judge_totals (model, release, device_class, devices, failed_devices) "
    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (model, release, device_class) DO UPDATE SET "
    "devices = devices + excluded.devices, "
    "failed_devices = failed_devices + excluded.failed_devices";

constexpr char kFindVariantDeviceSql[] =
    "SELECT failed FROM group_devices WHERE model = ?1 AND release = ?2 AND variant = ?3 AND "
    "device_class = ?4 AND install_id_hash = ?5";
constexpr char kPutVariantDeviceSql[] =
    "INSERT OR REPLACE INTO group_devices (model, release, variant, device_class, "
    "install_id_hash, failed) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
// Adds one event's deltas to its group's counts (creating the row).
constexpr char kAddCountsSql[] =
    "INSERT INTO group_counts (model, release, variant, device_class, devices, failed_devices, "
    "successes, failures, selftest_failures, fallbacks, latency_reports, max_p99_us) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
    "ON CONFLICT (model, release, variant, device_class) DO UPDATE SET "
    "devices = devices + excluded.devices, "
    "failed_devices = failed_devices + excluded.failed_devices, "
    "successes = successes + excluded.successes, failures = failures + excluded.failures, "
    "selftest_failures = selftest_failures + excluded.selftest_failures, "
    "fallbacks = fallbacks + excluded.fallbacks, "
    "latency_reports = latency_reports + excluded.latency_reports, "
    "max_p99_us = MAX(max_p99_us, excluded.max_p99_us)";

constexpr char kAuditSql[] =
    "INSERT INTO admin_audit (time, remote, method, path, action, status, detail) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

// By variant: the group counts as kept. By class: event counts summed over the variants, and
// the devices as judged (distinct across variants, since the last resume).
std::string StatsSql(bool by_variant) {
  if (by_variant) {
    return "SELECT release, variant, device_class, devices, failed_devices, successes, failures, "
           "selftest_failures, fallbacks, latency_reports, max_p99_us FROM group_counts "
           "WHERE model = ?1 AND (?2 = 0 OR release = ?2) "
           "ORDER BY release, device_class, variant";
  }
  return R"sql(SELECT c.release, '', c.device_class, COALESCE(MAX(j.devices), 0),
  COALESCE(MAX(j.failed_devices), 0), SUM(c.successes), SUM(c.failures),
  SUM(c.selftest_failures), SUM(c.fallbacks), SUM(c.latency_reports), MAX(c.max_p99_us)
FROM group_counts AS c LEFT JOIN judge_totals AS j
  ON j.model = c.model AND j.release = c.release AND j.device_class = c.device_class
WHERE c.model = ?1 AND (?2 = 0 OR c.release = ?2)
GROUP BY c.release, c.device_class ORDER BY c.release, c.device_class)sql";
}

std::optional<int64_t> IfSet(bool set, int64_t v) {
  return set ? std::optional<int64_t>(v) : std::nullopt;
}

std::string Percent1(double rate) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", rate * 100);
  return buf;
}

}  // namespace

Result<std::unique_ptr<TelemetryStore>> TelemetryStore::Open(const std::string& path) {
  MOTA_ASSIGN_OR_RETURN(storage::Database db, storage::Database::Open(path));
  MOTA_RETURN_IF_ERROR(db.Migrate(Schema()));
  MOTA_ASSIGN_OR_RETURN(storage::Statement insert, db.Prepare(kInsertSql));
  MOTA_ASSIGN_OR_RETURN(storage::Statement find, db.Prepare(kFindDeviceSql));
  MOTA_ASSIGN_OR_RETURN(storage::Statement put, db.Prepare(kPutDeviceSql));
  MOTA_ASSIGN_OR_RETURN(storage::Statement add, db.Prepare(kAddTotalsSql));
  MOTA_ASSIGN_OR_RETURN(storage::Statement find_v, db.Prepare(kFindVariantDeviceSql));
  MOTA_ASSIGN_OR_RETURN(storage::Statement put_v, db.Prepare(kPutVariantDeviceSql));
  MOTA_ASSIGN_OR_RETURN(storage::Statement counts, db.Prepare(kAddCountsSql));
  MOTA_ASSIGN_OR_RETURN(storage::Statement audit, db.Prepare(kAuditSql));
  return std::unique_ptr<TelemetryStore>(new TelemetryStore(
      std::move(db),
      Statements{std::move(insert), std::move(find), std::move(put), std::move(add),
                 std::move(find_v), std::move(put_v), std::move(counts), std::move(audit)}));
}

Status TelemetryStore::Insert(const std::vector<TelemetryEvent>& events, int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  MOTA_ASSIGN_OR_RETURN(storage::Transaction tx, storage::Transaction::Begin(db_));
  for (const TelemetryEvent& e : events) {
    const bool latency = e.type == EventType::kLatency;
    auto text = [](const std::string& s) -> std::optional<std::string_view> {
      return s.empty() ? std::nullopt : std::optional<std::string_view>(s);
    };
    MOTA_RETURN_IF_ERROR(
        st_.insert.BindAll(now, std::string_view(EventTypeName(e.type)), std::string_view(e.model),
                           e.release, std::string_view(e.variant), std::string_view(e.device_class),
                           std::string_view(e.install_id_hash)));
    const std::optional<std::string_view> texts[] = {text(e.outcome), text(e.stage),
                                                     text(e.from_variant), text(e.detail)};
    for (int i = 0; i < 4; ++i) {
      MOTA_RETURN_IF_ERROR(texts[i] ? st_.insert.Bind(8 + i, *texts[i])
                                    : st_.insert.Bind(8 + i, std::nullopt));
    }
    MOTA_RETURN_IF_ERROR(st_.insert.Bind(12, IfSet(latency, e.runs)));
    MOTA_RETURN_IF_ERROR(st_.insert.Bind(13, IfSet(latency, e.p50_us)));
    MOTA_RETURN_IF_ERROR(st_.insert.Bind(14, IfSet(latency, e.p90_us)));
    MOTA_RETURN_IF_ERROR(st_.insert.Bind(15, IfSet(latency, e.p99_us)));
    MOTA_RETURN_IF_ERROR(st_.insert.Run());
    if (e.type == EventType::kUpdateOutcome) MOTA_RETURN_IF_ERROR(Judge(e));
    MOTA_RETURN_IF_ERROR(Count(e));
  }
  return tx.Commit();
}

// Counts a device once per (release, class), and once more as failed on its first failure.
Status TelemetryStore::Judge(const TelemetryEvent& e) {
  const std::string_view model(e.model), cls(e.device_class), hash(e.install_id_hash);
  const int64_t failed = e.outcome == "failure";
  MOTA_RETURN_IF_ERROR(st_.find_device.BindAll(model, e.release, cls, hash));
  MOTA_ASSIGN_OR_RETURN(bool known, st_.find_device.Step());
  const int64_t was_failed = known ? st_.find_device.ColumnInt(0) : 0;
  st_.find_device.Reset();
  if (known && (was_failed || !failed)) return Status::Ok();  // nothing changes
  MOTA_RETURN_IF_ERROR(st_.put_device.BindAll(model, e.release, cls, hash, failed));
  MOTA_RETURN_IF_ERROR(st_.put_device.Run());
  MOTA_RETURN_IF_ERROR(
      st_.add_totals.BindAll(model, e.release, cls, int64_t{known ? 0 : 1}, failed));
  return st_.add_totals.Run();
}

// The event's deltas to its (release, variant, class) group; a device counts once there too.
Status TelemetryStore::Count(const TelemetryEvent& e) {
  const std::string_view model(e.model), variant(e.variant), cls(e.device_class);
  const bool outcome = e.type == EventType::kUpdateOutcome;
  const int64_t failed = outcome && e.outcome == "failure";
  int64_t new_device = 0, new_failed = 0;
  if (outcome) {
    const std::string_view hash(e.install_id_hash);
    MOTA_RETURN_IF_ERROR(st_.find_variant_device.BindAll(model, e.release, variant, cls, hash));
    MOTA_ASSIGN_OR_RETURN(bool known, st_.find_variant_device.Step());
    const int64_t was_failed = known ? st_.find_variant_device.ColumnInt(0) : 0;
    st_.find_variant_device.Reset();
    new_device = known ? 0 : 1;
    new_failed = failed && !was_failed;
    if (!known || new_failed) {
      MOTA_RETURN_IF_ERROR(
          st_.put_variant_device.BindAll(model, e.release, variant, cls, hash, failed));
      MOTA_RETURN_IF_ERROR(st_.put_variant_device.Run());
    }
  }
  const int64_t latency = e.type == EventType::kLatency;
  MOTA_RETURN_IF_ERROR(st_.add_counts.BindAll(
      model, e.release, variant, cls, new_device, new_failed, int64_t{outcome && !failed}, failed,
      int64_t{e.type == EventType::kSelfTestFailure}, int64_t{e.type == EventType::kFallback},
      latency, latency ? e.p99_us : 0));
  return st_.add_counts.Run();
}

Result<std::vector<GroupStats>> TelemetryStore::JudgeTotals(const std::string& model,
                                                            int64_t release) {
  std::lock_guard<std::mutex> lock(mu_);
  MOTA_ASSIGN_OR_RETURN(storage::Statement q,
                        db_.Prepare("SELECT device_class, devices, failed_devices FROM "
                                    "judge_totals WHERE model = ?1 AND release = ?2 "
                                    "ORDER BY device_class"));
  MOTA_RETURN_IF_ERROR(q.BindAll(std::string_view(model), release));
  std::vector<GroupStats> out;
  for (;;) {
    MOTA_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    GroupStats g;
    g.release = release;
    g.device_class = q.ColumnText(0);
    g.devices = q.ColumnInt(1);
    g.failed_devices = q.ColumnInt(2);
    out.push_back(std::move(g));
  }
  return out;
}

Result<std::vector<GroupStats>> TelemetryStore::Stats(const std::string& model, int64_t release,
                                                      bool by_variant) {
  std::lock_guard<std::mutex> lock(mu_);
  MOTA_ASSIGN_OR_RETURN(storage::Statement q, db_.Prepare(StatsSql(by_variant)));
  MOTA_RETURN_IF_ERROR(q.BindAll(std::string_view(model), release));
  std::vector<GroupStats> out;
  for (;;) {
    MOTA_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    GroupStats g;
    g.release = q.ColumnInt(0);
    g.variant = q.ColumnText(1);
    g.device_class = q.ColumnText(2);
    g.devices = q.ColumnInt(3);
    g.failed_devices = q.ColumnInt(4);
    g.successes = q.ColumnInt(5);
    g.failures = q.ColumnInt(6);
    g.selftest_failures = q.ColumnInt(7);
    g.fallbacks = q.ColumnInt(8);
    g.latency_reports = q.ColumnInt(9);
    g.max_p99_us = q.ColumnInt(10);
    out.push_back(std::move(g));
  }
  return out;
}

Status TelemetryStore::MarkResumed(const std::string& model, int64_t release) {
  std::lock_guard<std::mutex> lock(mu_);
  MOTA_ASSIGN_OR_RETURN(storage::Transaction tx, storage::Transaction::Begin(db_));
  for (const char* sql : {"INSERT OR REPLACE INTO resumes (model, release, after_event_id) "
                          "VALUES (?1, ?2, (SELECT COALESCE(MAX(id), 0) FROM events))",
                          "DELETE FROM judge_devices WHERE model = ?1 AND release = ?2",
                          "DELETE FROM judge_totals WHERE model = ?1 AND release = ?2"}) {
    MOTA_ASSIGN_OR_RETURN(storage::Statement q, db_.Prepare(sql));
    MOTA_RETURN_IF_ERROR(q.BindAll(std::string_view(model), release));
    MOTA_RETURN_IF_ERROR(q.Run());
  }
  return tx.Commit();
}

Result<int64_t> TelemetryStore::EventCount() {
  std::lock_guard<std::mutex> lock(mu_);
  MOTA_ASSIGN_OR_RETURN(storage::Statement q, db_.Prepare("SELECT COUNT(*) FROM events"));
  MOTA_ASSIGN_OR_RETURN(bool row, q.Step());
  return row ? q.ColumnInt(0) : 0;
}

Status TelemetryStore::Audit(const AuditEntry& a) {
  std::lock_guard<std::mutex> lock(mu_);
  MOTA_RETURN_IF_ERROR(st_.audit.BindAll(
      a.time, std::string_view(a.remote), std::string_view(a.method), std::string_view(a.path),
      std::string_view(a.action), int64_t{a.status}, std::string_view(a.detail)));
  return st_.audit.Run();
}

Result<std::vector<AuditEntry>> TelemetryStore::RecentAudit(size_t limit) {
  std::lock_guard<std::mutex> lock(mu_);
  MOTA_ASSIGN_OR_RETURN(storage::Statement q,
                        db_.Prepare("SELECT time, remote, method, path, action, status, detail "
                                    "FROM admin_audit ORDER BY id DESC LIMIT ?1"));
  MOTA_RETURN_IF_ERROR(q.Bind(1, static_cast<int64_t>(limit)));
  std::vector<AuditEntry> out;
  for (;;) {
    MOTA_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back({q.ColumnInt(0), q.ColumnText(1), q.ColumnText(2), q.ColumnText(3),
                   q.ColumnText(4), q.ColumnText(6), static_cast<int>(q.ColumnInt(5))});
  }
  return out;
}

std::vector<Breach> FindBreaches(const std::vector<GroupStats>& class_totals,
                                 const FailurePolicy& policy) {
  std::vector<Breach> out;
  for (const GroupStats& g : class_totals) {
    if (g.devices < policy.min_devices || g.FailureRate() <= policy.max_failure_rate) continue;
    Breach b;
    b.release = g.release;
    b.device_class = g.device_class;
    b.devices = g.devices;
    b.failed_devices = g.failed_devices;
    b.reason = StrCat("auto: failure rate ", Percent1(g.FailureRate()), " (", g.failed_devices,
                      " of ", g.devices, " devices) on device class ", g.device_class, " > ",
                      Percent1(policy.max_failure_rate), " threshold (minimum ", policy.min_devices,
                      " devices)");
    out.push_back(std::move(b));
  }
  std::stable_sort(out.begin(), out.end(), [](const Breach& a, const Breach& b) {
    return a.failed_devices * b.devices > b.failed_devices * a.devices;
  });
  return out;
}

Result<std::vector<HaltAction>> HaltOnBreach(TelemetryStore& store, RolloutManager& manager,
                                             const std::vector<TelemetryEvent>& batch,
                                             const FailurePolicy& policy, int64_t now) {
  std::set<std::pair<std::string, int64_t>> reported;
  for (const TelemetryEvent& e : batch) {
    if (e.type == EventType::kUpdateOutcome) reported.insert({e.model, e.release});
  }
  std::vector<HaltAction> halted;
  for (const auto& [model, release] : reported) {
    MOTA_ASSIGN_OR_RETURN(std::vector<GroupStats> totals, store.JudgeTotals(model, release));
    const std::vector<Breach> breaches = FindBreaches(totals, policy);
    if (breaches.empty()) continue;
    Result<RolloutResult> r = manager.Apply({.model = model,
                                             .release = release,
                                             .action = RolloutAction::kHalt,
                                             .reason = breaches.front().reason},
                                            now);
    // Already halted or revoked (FailedPrecondition), or a model/release the repository does
    // not sign (devices reporting on something unknown): nothing to halt.
    if (!r.ok() && (r.status().code() == StatusCode::kFailedPrecondition ||
                    r.status().code() == StatusCode::kNotFound)) {
      continue;
    }
    if (!r.ok()) return r.status();
    halted.push_back({model, breaches.front(), r->versions.rollout});
  }
  return halted;
}

}  // namespace mota::server::repository
