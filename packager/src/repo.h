// A local TUF repository (manifests/spec/repository.md) and the commands that change it:
// `mota repo init`, `mota repo add STAGING`, `mota repo revoke`, `mota repo rotate-root`,
// `mota repo refresh`.
//
//   MOTA_RETURN_IF_ERROR(InitRepository({.repo = "repo", .root_keys = {&root}, .threshold = 1,
//                                        .targets_key = &t, .snapshot_key = &s,
//                                        .timestamp_key = &ts, .now = now}));
//   MOTA_ASSIGN_OR_RETURN(AddResult r, AddStaging({.repo = "repo", .staging = "staging", ...}));
//   MOTA_ASSIGN_OR_RETURN(RepoState state, VerifyRepository("repo", now));
//
// Layout of DIR:
//   metadata/N.root.json, metadata/root.json (a copy of the newest root),
//   metadata/N.targets.json, metadata/N.<model>.json, metadata/N.snapshot.json,
//   metadata/timestamp.json
//   targets/models/<model>/<sha256>.<variant>.r<release>.json   (consistent snapshots)
//   blobs/<sha256>                                               the chunk store of every release
//
// Publishing is atomic for readers, who start at timestamp.json: new blobs and targets are written
// first (content addressed: an existing one is never rewritten), then the new versioned metadata
// files (each temp + fsync + rename), then timestamp.json last. Until that last rename, a reader
// sees the previous state, complete and valid. A failed add can leave unreferenced files of
// higher versions behind; nothing refers to them, and the next add overwrites them.
//
// Every time comes from the caller (`now`, seconds since the Unix epoch): expiry = now + the
// role's default, so the same inputs and `now` give a byte-identical repository.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "manifests/lib/tuf/metadata.h"
#include "packager/src/keys.h"

namespace mota::packager {

// Default lifetimes (repository.md "Roles").
inline constexpr int64_t kDay = 24 * 60 * 60;
struct Expiry {
  int64_t root_days = 365;
  int64_t targets_days = 90;  // top-level and delegated
  int64_t snapshot_days = 7;
  int64_t timestamp_days = 1;
};

struct InitOptions {
  std::string repo;
  std::vector<const SigningKey*> root_keys;
  int64_t threshold = 1;
  const SigningKey* targets_key = nullptr;
  const SigningKey* snapshot_key = nullptr;
  const SigningKey* timestamp_key = nullptr;
  int64_t now = 0;
  Expiry expiry;
};

// Writes version 1 of root, targets (no targets, no delegations yet), snapshot and timestamp.
// Refuses a DIR that already holds metadata/, a threshold outside 1..len(root_keys) and a root
// key given twice.
Status InitRepository(const InitOptions& options);

struct AddOptions {
  std::string repo;
  std::string staging;  // the output of `mota package`
  const SigningKey* targets_key = nullptr;
  // The model team's key for the model's delegated role. When the role does not exist yet it is
  // created with this key; otherwise it must be one of the role's keys. Null: the targets key
  // signs the delegated role too (a repository with one team).
  const SigningKey* delegation_key = nullptr;
  const SigningKey* snapshot_key = nullptr;
  const SigningKey* timestamp_key = nullptr;
  int64_t now = 0;
  Expiry expiry;
  // For tests: fail after writing this many metadata files (-1: never), to show that a crash
  // mid-publish leaves the previous state valid.
  int fail_after_metadata_files = -1;
};

struct AddResult {
  std::string model;
  int64_t release = 0;
  size_t targets = 0;
  size_t new_blobs = 0, existing_blobs = 0;
  uint64_t new_blob_bytes = 0;
  int64_t role_version = 0, targets_version = 0, snapshot_version = 0, timestamp_version = 0;
};

// Publishes STAGING's release of its model: the repository is verified first (at `now`), the
// release must be greater than every release the model's role lists, and every staged target
// must lie under models/<model>/ with the model and release staging.json names.
Result<AddResult> AddStaging(const AddOptions& options);

struct RevokeOptions {
  std::string repo;
  std::string model;
  int64_t release = 0;
  // Signs the model's delegated role: must be one of the role's keys. Null: the targets key
  // (a repository with one team). targets.json itself does not change.
  const SigningKey* delegation_key = nullptr;
  const SigningKey* targets_key = nullptr;
  const SigningKey* snapshot_key = nullptr;
  const SigningKey* timestamp_key = nullptr;
  std::string reason;  // optional, stored as custom.revoked_reason
  int64_t now = 0;
  Expiry expiry;
};

struct RevokeResult {
  std::vector<std::string> targets;  // the target paths now revoked, sorted
  int64_t role_version = 0, snapshot_version = 0, timestamp_version = 0;
};

// Marks every target of the model's release `release` revoked (custom.revoked = true, plus
// custom.revoked_reason when a reason is given) in a new version of the model's delegated role,
// then snapshot and timestamp, written in the same order as AddStaging (timestamp last). Length
// and hashes stay. An unknown model or release is NotFound; a release already revoked is
// FailedPrecondition (repository.md "Revocation": revoking is not idempotent, nothing changes).
Result<RevokeResult> Revoke(const RevokeOptions& options);

struct RotateOptions {
  std::string repo;
  std::vector<const SigningKey*> old_keys;  // a threshold of the current root's keys
  std::vector<const SigningKey*> new_keys;  // the new root keys (all of them sign)
  int64_t threshold = 1;
  int64_t now = 0;
  Expiry expiry;
};

// Writes root version N+1 with `new_keys` as the root keys, signed by the old and the new keys,
// and checks it the way a client does (threshold of the old root and of itself).
Result<int64_t> RotateRoot(const RotateOptions& options);

// Re-signs the timestamp (version + 1, expiry = now + default) for the same snapshot. The key
// must be the root's timestamp key. Returns the new version.
Result<int64_t> RefreshTimestamp(const std::string& repo, const SigningKey& timestamp_key,
                                 int64_t now, const Expiry& expiry = {});

// What a client trusts after walking the whole chain.
struct RepoState {
  tuf::Root root;
  tuf::Timestamp timestamp;
  tuf::Snapshot snapshot;
  tuf::Targets targets;
  std::map<std::string, tuf::Targets> models;  // delegated role name -> its metadata
};

// Verifies the repository as a client would at `now`: root chain 1 -> N (each signed by a
// threshold of the previous root and of itself), timestamp -> snapshot (length, sha256,
// version) -> targets -> every delegated role (keys, threshold, paths), each unexpired, and
// every listed target file present with its length and sha256.
Result<RepoState> VerifyRepository(const std::string& repo, int64_t now);

// ---- publishing through an update server (`mota publish`, repository.md "Publishing through
// the server") ----

// Returns the bytes of metadata/<file> on the server ("timestamp.json", "3.snapshot.json", ...);
// NotFound when the server has no such file.
using MetadataFetcher = std::function<Result<std::string>(const std::string& file)>;

struct PublishPlanOptions {
  std::string staging;  // the output of `mota package`
  // The model team's offline key: must be one of the model's role keys (threshold 1). A model
  // the repository does not delegate yet gets a delegation to this key.
  const SigningKey* team_key = nullptr;
  // Needed only when the model is not delegated yet: signs the new targets.json.
  const SigningKey* targets_key = nullptr;
  // The root the publisher trusts (root.json bytes). Empty: the server's metadata/root.json,
  // trusted on first use. Newer roots are followed from it (N+1.root.json, ...).
  std::string trusted_root;
  // Relabel the staged release as the repository's newest release of the model + 1 (paths and
  // custom.release; the variant indexes do not name their release). Otherwise the staged release
  // must be greater than the newest.
  bool next_release = false;
  int64_t now = 0;
  Expiry expiry;
};

// What `mota publish` sends (server/repository/publish_request.h's fields).
struct PublishPlan {
  std::string model;
  int64_t release = 0;
  std::string role_metadata;     // N.<model>.json, signed by team_key
  std::string targets_metadata;  // N.targets.json signed by targets_key; empty when unchanged
  std::map<std::string, std::string> target_files;  // target path -> variant index bytes
  std::vector<std::string> blobs;                   // every blob name under STAGING/blobs
};

// Verifies the server's current metadata from the trusted root down to the model's role (every
// signature, length and hash), then builds and signs the model's next role version with the
// staged release added. The publisher signs only what it has verified.
Result<PublishPlan> PlanPublish(const MetadataFetcher& fetch, const PublishPlanOptions& options);

}  // namespace mota::packager
