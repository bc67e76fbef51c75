// The trusted metadata of one TUF client: the state machine that decides whether a new file may
// replace the trusted one (TUF 1.0 client workflow 5.3-5.6, in the shape of python-tuf's
// TrustedMetadataSet). It never does I/O: the updater (updater.h) feeds it bytes and persists
// what it accepted.
//
// Order is enforced: root* -> timestamp -> snapshot -> targets -> delegated roles. A file is
// accepted only when its signatures meet the threshold of the keys that delegate to it, its
// version does not roll back, and it is consistent with the file that lists it. Some checks are
// "final" checks (expiry, snapshot version == the timestamp's): a timestamp or snapshot loaded
// from the local cache is kept for rollback protection even when it is no longer valid as final,
// and the Update call still fails so the updater fetches a new one.
//
//   MOTA_ASSIGN_OR_RETURN(TrustedSet set, TrustedSet::Create(root_bytes, clock.Now()));
//   MOTA_RETURN_IF_ERROR(set.UpdateRoot(next_root_bytes));
//   MOTA_ASSIGN_OR_RETURN(bool changed, set.UpdateTimestamp(timestamp_bytes));
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "delivery/trust/delegations.h"
#include "manifests/lib/tuf/metadata.h"

namespace mota::trust {

// Checks beyond TUF 1.0 that manifests/spec/repository.md makes binding for mota repositories.
// Off for other repositories (TUF lets keyids be any string, and a role may list more targets than
// it is trusted for: those are simply never found through it).
struct Profile {
  bool check_key_ids = false;           // every keyid is the sha256 of its key's canonical JSON
  bool strict_delegated_paths = false;  // a delegated role listing a path outside its patterns
                                        // is rejected as a whole
};

class TrustedSet {
 public:
  // Trusts `root_bytes` (a root signed by a threshold of its own keys; expiry is checked later,
  // after the root chain, as TUF says). `now` is the reference time for every expiry check.
  static Result<TrustedSet> Create(std::string_view root_bytes, int64_t now, Profile profile = {});

  // 5.3: the next root, signed by a threshold of the trusted root's keys and of its own, with
  // version exactly trusted + 1. Only before a timestamp was loaded.
  Status UpdateRoot(std::string_view bytes);

  // 5.4: a timestamp. Returns false when its version equals the trusted one (the trusted file is
  // kept, nothing to persist). Fails when the final root is expired, on a bad signature, a
  // rollback of the timestamp or of the snapshot version it lists, or when expired (then it is
  // still kept as the rollback reference).
  Result<bool> UpdateTimestamp(std::string_view bytes);

  // 5.5: a snapshot; `from_cache` skips the length / hash check against the timestamp (the file
  // was verified when it was stored). Fails on a bad signature, a version or targets-role
  // rollback, a role the trusted snapshot listed gone, and when not valid as final.
  Status UpdateSnapshot(std::string_view bytes, bool from_cache);

  // 5.6 / 5.6.7: the top-level targets (delegator "root") or a delegated role, checked against
  // the snapshot's length, hashes and version, the delegator's keys, and expiry.
  Status UpdateTargets(std::string_view bytes, const std::string& role,
                       const std::string& delegator);

  const tuf::Root& root() const { return root_; }
  const std::optional<tuf::Timestamp>& timestamp() const { return timestamp_; }
  const std::optional<tuf::Snapshot>& snapshot() const { return snapshot_; }
  // A loaded targets role ("targets" or a delegated one), or null.
  const TargetsRole* targets(const std::string& role) const;
  int64_t now() const { return now_; }

 private:
  TrustedSet() = default;
  Status CheckFinalTimestamp() const;
  Status CheckFinalSnapshot() const;
  // Signature check of `bytes` (already parsed as `env`) for `role` delegated by `delegator`.
  Status VerifyDelegate(const tuf::Envelope& env, const std::string& role,
                        const std::string& delegator, std::string_view what) const;

  // The mota profile's checks of a delegated role (see Profile).
  Status CheckProfile(const TargetsRole& next, const std::string& role,
                      const std::string& delegator, std::string_view what) const;

  int64_t now_ = 0;
  Profile profile_;
  tuf::Root root_;
  std::optional<tuf::Timestamp> timestamp_;
  std::optional<tuf::Snapshot> snapshot_;
  std::map<std::string, TargetsRole> targets_;
};

}  // namespace mota::trust
