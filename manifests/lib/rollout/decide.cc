#include "manifests/lib/rollout/decide.h"

#include <algorithm>
#include <map>

#include "manifests/lib/rollout/bucket.h"

namespace mota::rollout {
namespace {

// Empty when the rollout offers `release` to this device; otherwise why not.
std::string NotOffered(const Rollout* rollout, int64_t release, int64_t bucket,
                       const conditions::DeviceFacts& device) {
  if (rollout == nullptr) return "";
  const ReleaseRollout* entry = rollout->Find(release);
  if (entry == nullptr) {
    return rollout->unlisted == Unlisted::kOffer ? "" : "not in the rollout yet (unlisted: hold)";
  }
  if (entry->state != State::kActive) {
    return StrCat("rollout ", StateName(entry->state),
                  entry->reason.empty() ? "" : ": " + entry->reason);
  }
  if (!InRollout(bucket, entry->basis_points)) {
    return StrCat("bucket ", bucket, " is outside the rollout of ",
                  FormatBasisPoints(entry->basis_points), " (buckets 0..", entry->basis_points - 1,
                  ")");
  }
  if (entry->when) {
    const std::string unmet = conditions::Unmet(*entry->when, device);
    if (!unmet.empty()) return "rollout condition not met: " + unmet;
  }
  return "";
}

Status CheckInput(const DecideInput& in) {
  if (in.rollout != nullptr && in.rollout->model != in.model) {
    return InvalidArgument("rollout document is for model '", in.rollout->model, "', expected '",
                           in.model, "'");
  }
  for (const SignedRelease& r : in.releases) {
    if (r.release < 1)
      return InvalidArgument("signed release number ", r.release, " (expected >= 1)");
  }
  if (in.installed_release < 0) {
    return InvalidArgument("installed release ", in.installed_release, " (expected >= 0)");
  }
  return Status::Ok();
}

}  // namespace

Result<Decision> Decide(const DecideInput& in) {
  MOTA_RETURN_IF_ERROR(CheckInput(in));
  Decision d;
  MOTA_ASSIGN_OR_RETURN(d.bucket, Bucket(in.install_id, in.model));
  // release -> revoked by its publisher (a release listed twice counts revoked if either says so).
  std::map<int64_t, bool, std::greater<>> signed_releases;
  for (const SignedRelease& r : in.releases) signed_releases[r.release] |= r.revoked;

  const int64_t installed = in.installed_release;
  auto it = signed_releases.find(installed);
  const bool installed_revoked = it != signed_releases.end() && it->second;
  for (const auto& [release, revoked] : signed_releases) {
    if (release == installed && !installed_revoked) {
      d.release = installed;
      d.why = StrCat("stay on installed release ", installed, ": no higher release is offered");
      d.notes.push_back(StrCat("release ", release, ": installed"));
      return d;
    }
    if (release < installed && !installed_revoked) break;  // never backwards
    if (revoked) {
      d.notes.push_back(StrCat("release ", release, ": revoked by its publisher"));
      continue;
    }
    const std::string why_not = NotOffered(in.rollout, release, d.bucket, in.device);
    if (!why_not.empty()) {
      d.notes.push_back(StrCat("release ", release, ": ", why_not));
      continue;
    }
    d.release = release;
    d.why = installed_revoked ? StrCat("take release ", release, ": installed release ", installed,
                                       " is revoked by its publisher")
                              : StrCat("take release ", release, ": offered to bucket ", d.bucket);
    d.notes.push_back(StrCat("release ", release, ": offered"));
    return d;
  }
  if (installed_revoked) {
    d.release = 0;
    d.why = StrCat("installed release ", installed,
                   " is revoked by its publisher and no other release is offered");
  } else if (installed > 0) {
    d.release = installed;
    d.why = StrCat("stay on installed release ", installed, ": no higher release is offered");
  } else {
    d.release = 0;
    d.why = signed_releases.empty() ? "no release is published"
                                    : "no release is offered to this device";
  }
  return d;
}

}  // namespace mota::rollout
