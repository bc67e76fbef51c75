// The TUF 1.0 client (workflow 5.3-5.7): refreshes the top-level metadata through an injected
// Fetcher, finds a target by a pre-order depth-first walk of the delegations, and downloads and
// verifies target files. Trusted metadata lives in `metadata_dir` under non-versioned names
// (root.json, timestamp.json, snapshot.json, targets.json, <role>.json), each written atomically
// (temp, fsync, rename, fsync dir) and only after it verified.
//
//   trust::UpdaterConfig config{.metadata_dir = dir, .metadata_url = "https://cdn/metadata",
//                               .target_url = "https://cdn/targets"};
//   trust::Updater updater(config, &fetcher, &clock);
//   MOTA_RETURN_IF_ERROR(updater.Refresh());
//   MOTA_ASSIGN_OR_RETURN(trust::FoundTarget t, updater.GetTargetInfo("models/mlp/cpu.r3.json"));
//   MOTA_ASSIGN_OR_RETURN(std::string bytes, updater.DownloadTarget(t));
//
// Not thread-safe: one Updater per thread (they may share a metadata dir only sequentially).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "delivery/trust/fetcher.h"
#include "delivery/trust/trusted_set.h"

namespace mota::trust {

struct UpdaterConfig {
  std::string metadata_dir;  // holds root.json at least (the trust anchor)
  std::string metadata_url;  // base URL of the metadata, no trailing '/'
  std::string target_url;    // base URL of the targets, no trailing '/'
  int max_root_rotations = 256;
  int max_delegations = 32;  // roles visited per target lookup
  // Download caps where the signed metadata gives no length (endless-data defense).
  int64_t root_max_length = 512000;
  int64_t timestamp_max_length = 16384;
  int64_t snapshot_max_length = 2000000;
  int64_t targets_max_length = 5000000;
  // Targets are fetched as <dir>/<hash>.<name> when the root sets consistent_snapshot.
  bool prefix_targets_with_hash = true;
  // mota repositories: the extra checks of manifests/spec/repository.md (trusted_set.h Profile).
  Profile profile;
};

// A target found in the trusted metadata, with the role that listed it.
struct FoundTarget {
  std::string path;
  tuf::TargetFile file;
  std::string role;
};

class Updater {
 public:
  // `fetcher` and `clock` must outlive the Updater.
  Updater(UpdaterConfig config, Fetcher* fetcher, const Clock* clock);

  // Root chain, timestamp, snapshot, top-level targets. Any failure leaves the persisted trusted
  // metadata as the last fully verified state of each role.
  Status Refresh();

  // The target's signed info; refreshes first when Refresh has not run. NotFound when no role
  // that may list the path lists it.
  Result<FoundTarget> GetTargetInfo(std::string_view target_path);

  // The target's bytes, fetched (capped at its signed length) and checked against its hashes.
  Result<std::string> DownloadTarget(const FoundTarget& target);

  // True when `local_path` already holds exactly the target (length and every known hash).
  bool IsCached(const FoundTarget& target, const std::string& local_path) const;

  // The trusted state (for tests and callers that read custom metadata).
  const TrustedSet* trusted() const { return trusted_ ? &*trusted_ : nullptr; }

 private:
  Status LoadTrustedRoot();
  Status UpdateRootChain();
  Status LoadTimestamp();
  Status LoadSnapshot();
  Result<const TargetsRole*> LoadTargets(const std::string& role, const std::string& delegator);
  Result<std::string> FetchMetadata(const std::string& role, std::optional<int64_t> version,
                                    int64_t max_length);
  Status Persist(const std::string& role, std::string_view bytes);
  std::string LocalPath(const std::string& role) const;
  Result<std::string> ReadLocal(const std::string& role) const;
  void DeleteLocal(const std::string& role) const;

  UpdaterConfig config_;
  Fetcher* fetcher_;
  const Clock* clock_;
  std::optional<TrustedSet> trusted_;
  bool refreshed_ = false;
};

// Percent-encodes everything but [A-Za-z0-9_.~-] (role names and target paths as file names).
std::string EscapeForFileName(std::string_view name);

}  // namespace mota::trust
