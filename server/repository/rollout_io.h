// What the server's rollout code reads from and writes to the TUF repository (layout:
// packager/src/repo.h; rules: manifests/spec/repository.md). Kept separate from the rollout
// rules so that it can merge with the publisher's snapshot/timestamp writer later.
//
// Reading: LoadRolloutView walks root -> timestamp -> snapshot -> targets -> the model's delegated
// role, checking every signature against the keys that delegate it (as a device would, minus
// expiry), so "release N is publisher-signed" means what a device will verify. The model's
// current rollout document, if any, is read from the snapshot's "<model>.rollout.json" entry
// (length, sha256, version and the snapshot role's signatures checked).
//
// Writing: WriteRolloutAndSnapshot writes `N.<model>.rollout.json`, `M.snapshot.json` and then
// `timestamp.json` last, each crash-safely (temp, fsync, rename, fsync of the folder), so a
// reader sees the old state or the whole new one. It checks first that the new files verify
// under the root's snapshot and timestamp roles, so a wrong online key fails here, not on
// devices.
//
// RepositoryWriteLock serializes every writer of snapshot/timestamp (rollout changes, automatic
// halts, publishing): an exclusive flock on DIR/.write.lock, which excludes other threads (each
// takes its own open file description) and other processes alike.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "manifests/lib/rollout/rollout.h"
#include "manifests/lib/status/status.h"
#include "manifests/lib/tuf/metadata.h"
#include "manifests/lib/tuf_sign/keys.h"
#include "server/repository/publish.h"  // OnlineKeys

namespace mota::server::repository {

class RepositoryWriteLock {
 public:
  // Blocks until the lock is held.
  static Result<RepositoryWriteLock> Acquire(const std::string& repo);
  RepositoryWriteLock(RepositoryWriteLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  RepositoryWriteLock& operator=(RepositoryWriteLock&&) = delete;
  ~RepositoryWriteLock();

 private:
  explicit RepositoryWriteLock(int fd) : fd_(fd) {}
  int fd_;
};

// A release as the model's publisher-signed role lists it.
struct PublishedRelease {
  int64_t release = 0;
  bool revoked = false;  // every target of the release is revoked by its publisher
  size_t targets = 0;
};

struct RolloutView {
  tuf::Root root;
  tuf::Snapshot snapshot;
  tuf::Timestamp timestamp;
  std::map<int64_t, PublishedRelease> releases;  // of the model, verified
  std::optional<rollout::Rollout> rollout;       // the current document, when there is one
};

// NotFound when the model has no delegated role; VerificationFailed when a signature chain does
// not hold; every error names the file.
Result<RolloutView> LoadRolloutView(const std::string& repo, const std::string& model);

// Root, timestamp and snapshot only (releases and rollout left empty): enough to refresh.
Result<RolloutView> LoadSnapshotView(const std::string& repo);
// The models whose rollout document the snapshot lists, sorted.
std::vector<std::string> RolloutModels(const tuf::Snapshot& snapshot);
// Reads and verifies `model`'s current rollout document into view->rollout (left empty when the
// snapshot lists none).
Status LoadRolloutDocument(const std::string& repo, const std::string& model, RolloutView* view);

struct WriteVersions {
  int64_t rollout = 0, snapshot = 0, timestamp = 0;
};

// Signs `next` (its version and expiry already set) with the snapshot key, then a snapshot
// version + 1 listing it and a timestamp version + 1, and writes the three files (above).
Result<WriteVersions> WriteRolloutAndSnapshot(const std::string& repo, const RolloutView& view,
                                              const rollout::Rollout& next, const OnlineKeys& keys,
                                              int64_t snapshot_expires, int64_t timestamp_expires);
// The same for several documents (of different models) in one snapshot and timestamp; returns
// the snapshot and timestamp versions (rollout: the last document's version).
Result<WriteVersions> WriteRolloutsAndSnapshot(const std::string& repo, const RolloutView& view,
                                               const std::vector<rollout::Rollout>& next,
                                               const OnlineKeys& keys, int64_t snapshot_expires,
                                               int64_t timestamp_expires);

}  // namespace mota::server::repository
