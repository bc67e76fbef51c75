#include "server/repository/rollout.h"

#include <algorithm>

#include "manifests/lib/conditions/conditions.h"
#include "manifests/lib/rollout/bucket.h"

namespace mota::server::repository {
namespace {

std::string ReleaseList(const std::map<int64_t, PublishedRelease>& releases) {
  std::string out;
  for (const auto& [n, r] : releases) out += (out.empty() ? "" : ", ") + std::to_string(n);
  return out.empty() ? "none" : out;
}

std::string Describe(const std::string& model, const rollout::ReleaseRollout& e) {
  return StrCat(model, " release ", e.release, " is ", rollout::StateName(e.state), " at ",
                rollout::FormatBasisPoints(e.basis_points),
                e.reason.empty() ? "" : " (" + e.reason + ")");
}

// A new document that keeps what devices were offered so far (see rollout.h).
rollout::Rollout FirstDocument(const std::string& model,
                               const std::map<int64_t, PublishedRelease>& releases,
                               int64_t except) {
  rollout::Rollout doc;
  doc.model = model;
  doc.version = 0;  // Apply sets version = previous + 1
  doc.unlisted = rollout::Unlisted::kHold;
  for (const auto& [n, r] : releases) {
    if (r.revoked || n == except) continue;
    rollout::ReleaseRollout e;
    e.release = n;
    e.basis_points = rollout::kBuckets;
    e.reason = "offered to every device before the first rollout";
    doc.releases.push_back(e);
  }
  return doc;
}

rollout::ReleaseRollout& EntryFor(rollout::Rollout& doc, int64_t release) {
  if (rollout::ReleaseRollout* e = doc.Find(release)) return *e;
  rollout::ReleaseRollout e;
  e.release = release;
  e.basis_points = 0;
  auto pos =
      std::lower_bound(doc.releases.begin(), doc.releases.end(), release,
                       [](const rollout::ReleaseRollout& a, int64_t n) { return a.release < n; });
  return *doc.releases.insert(pos, e);
}

Status SetPercent(const std::string& model, const RolloutChange& c, rollout::ReleaseRollout& e,
                  bool created) {
  if (c.basis_points < 0 || c.basis_points > rollout::kBuckets) {
    return InvalidArgument("percent ", rollout::FormatBasisPoints(c.basis_points),
                           ": expected 0% to 100%");
  }
  if (e.state != rollout::State::kActive) {
    return FailedPrecondition(
        Describe(model, e), ": ",
        e.state == rollout::State::kHalted ? "resume it first" : "revocation is final");
  }
  if (c.basis_points < e.basis_points && !c.reset) {
    return FailedPrecondition(model, " release ", e.release, " is at ",
                              rollout::FormatBasisPoints(e.basis_points), "; ",
                              rollout::FormatBasisPoints(c.basis_points),
                              " would take devices out (pass reset to lower it)");
  }
  bool changed = created || c.basis_points != e.basis_points;
  if (c.when) {
    if (!c.when->is_object()) return InvalidArgument("when: expected an object of conditions");
    std::optional<rollout::Json> next;
    std::optional<conditions::DeviceConditions> parsed;
    if (!c.when->empty()) {
      MOTA_ASSIGN_OR_RETURN(parsed, conditions::ParseConditions(*c.when, "when"));
      if (!parsed->unknown_keys.empty()) {
        return InvalidArgument("when: unknown condition '", parsed->unknown_keys[0], "'");
      }
      next = *c.when;
    }
    changed = changed || next != e.when_json;
    e.when_json = next;
    e.when = parsed;
  }
  if (!changed) {
    return FailedPrecondition(Describe(model, e), " already: nothing to change");
  }
  e.basis_points = c.basis_points;
  e.reason = c.reason;
  return Status::Ok();
}

Status ChangeState(const std::string& model, const RolloutChange& c, rollout::ReleaseRollout& e) {
  using rollout::State;
  const State from = e.state;
  State to = from;
  switch (c.action) {
    case RolloutAction::kHalt:
      if (from != State::kActive) return FailedPrecondition(Describe(model, e), ": cannot halt");
      to = State::kHalted;
      break;
    case RolloutAction::kResume:
      if (from != State::kHalted) {
        return FailedPrecondition(Describe(model, e), ": only a halted release resumes");
      }
      to = State::kActive;
      break;
    case RolloutAction::kRevoke:
      if (from == State::kRevoked) return FailedPrecondition(Describe(model, e), " already");
      to = State::kRevoked;
      break;
    case RolloutAction::kSetPercent:
      return Internal("ChangeState called for a percent change");
  }
  e.state = to;
  e.reason = c.reason.empty() ? StrCat(RolloutActionName(c.action), " by an admin call") : c.reason;
  return Status::Ok();
}

}  // namespace

const char* RolloutActionName(RolloutAction action) {
  switch (action) {
    case RolloutAction::kSetPercent:
      return "percent";
    case RolloutAction::kHalt:
      return "halt";
    case RolloutAction::kResume:
      return "resume";
    case RolloutAction::kRevoke:
      return "revoke";
  }
  return "?";
}

Result<rollout::Rollout> ApplyChange(const rollout::Rollout* current,
                                     const std::map<int64_t, PublishedRelease>& releases,
                                     const RolloutChange& change) {
  auto it = releases.find(change.release);
  if (it == releases.end()) {
    return FailedPrecondition(
        "release ", change.release, " of ", change.model,
        " is not signed by its publisher (signed releases: ", ReleaseList(releases), ")");
  }
  if (it->second.revoked && change.action != RolloutAction::kHalt &&
      change.action != RolloutAction::kRevoke) {
    return FailedPrecondition(change.model, " release ", change.release,
                              " is revoked by its publisher: it cannot be rolled out");
  }
  if (change.reason.size() > rollout::kMaxReasonBytes) {
    return InvalidArgument("reason: ", change.reason.size(), " bytes, expected at most ",
                           rollout::kMaxReasonBytes);
  }
  rollout::Rollout next =
      current ? *current : FirstDocument(change.model, releases, change.release);
  const bool created = next.Find(change.release) == nullptr;
  rollout::ReleaseRollout& e = EntryFor(next, change.release);
  if (change.action == RolloutAction::kSetPercent) {
    MOTA_RETURN_IF_ERROR(SetPercent(change.model, change, e, created));
  } else {
    MOTA_RETURN_IF_ERROR(ChangeState(change.model, change, e));
  }
  next.version += 1;
  return next;
}

Result<RolloutView> RolloutManager::View(const std::string& model) const {
  return LoadRolloutView(config_.repo, model);
}

Result<RolloutResult> RolloutManager::Apply(const RolloutChange& change, int64_t now) {
  MOTA_ASSIGN_OR_RETURN(RepositoryWriteLock lock, RepositoryWriteLock::Acquire(config_.repo));
  MOTA_ASSIGN_OR_RETURN(RolloutView view, LoadRolloutView(config_.repo, change.model));
  const rollout::Rollout* current = view.rollout ? &*view.rollout : nullptr;
  MOTA_ASSIGN_OR_RETURN(rollout::Rollout next, ApplyChange(current, view.releases, change));
  next.expires = now + config_.rollout_days * kDay;
  RolloutResult result;
  MOTA_ASSIGN_OR_RETURN(result.versions,
                        WriteRolloutAndSnapshot(config_.repo, view, next, config_.keys,
                                                now + config_.snapshot_days * kDay,
                                                now + config_.timestamp_days * kDay));
  result.rollout = std::move(next);
  return result;
}

Result<RolloutManager::Refreshed> RolloutManager::RefreshExpiring(int64_t now,
                                                                  int64_t margin_seconds) {
  MOTA_ASSIGN_OR_RETURN(RepositoryWriteLock lock, RepositoryWriteLock::Acquire(config_.repo));
  MOTA_ASSIGN_OR_RETURN(RolloutView view, LoadSnapshotView(config_.repo));
  const int64_t horizon = now + margin_seconds;
  std::vector<rollout::Rollout> docs;
  Refreshed out;
  for (const std::string& model : RolloutModels(view.snapshot)) {
    RolloutView one = view;
    MOTA_RETURN_IF_ERROR(LoadRolloutDocument(config_.repo, model, &one));
    if (!one.rollout || one.rollout->expires >= horizon) continue;
    rollout::Rollout next = *one.rollout;
    next.version += 1;
    next.expires = now + config_.rollout_days * kDay;
    docs.push_back(std::move(next));
    out.models.push_back(model);
  }
  if (docs.empty() && view.snapshot.expires >= horizon && view.timestamp.expires >= horizon) {
    return out;
  }
  MOTA_ASSIGN_OR_RETURN(out.versions,
                        WriteRolloutsAndSnapshot(config_.repo, view, docs, config_.keys,
                                                 now + config_.snapshot_days * kDay,
                                                 now + config_.timestamp_days * kDay));
  out.wrote = true;
  return out;
}

}  // namespace mota::server::repository
