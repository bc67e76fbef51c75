// Publishing a release through the server (manifests/spec/repository.md "Publishing through the
// server"): the pure logic behind POST /v1/admin/publish, no sockets.
//
// The publisher (a model team) sends its model's delegated targets metadata, signed offline with
// its own key, the variant-index target files it lists, and, when the delegation is new or
// changes, a new top-level targets.json signed offline with the targets key. Chunk blobs were
// uploaded before (blob_store.h). The server checks everything against the repository it serves,
// then signs a new snapshot and timestamp with its online keys and writes:
//
//   targets/<dir>/<sha256>.<name>   new target files (content-addressed, never replaced)
//   metadata/N.<model>.json         the publisher's bytes, unchanged
//   metadata/N.targets.json         when sent
//   metadata/N.snapshot.json        signed with the online snapshot key
//   metadata/timestamp.json         signed with the online timestamp key, renamed LAST
//
// Readers start at timestamp.json, so until that last rename they see the previous state,
// complete and valid; after it, the whole new state. Every write is temp + fsync + rename + fsync
// of the folder (server/storage/atomic_file.h). Publishes are serialized: one at a time per
// repository, across threads (a mutex) and processes (flock on DIR/.write.lock).
//
//   Publisher publisher(repo, {.snapshot = snap_key, .timestamp = ts_key});
//   MOTA_ASSIGN_OR_RETURN(PublishResult r, publisher.Publish(request, now));
//
// Errors (nothing becomes visible on any of them) name the file and the check:
//   InvalidArgument     malformed request or metadata, a target file nobody lists
//   VerificationFailed  a signature or threshold, a target file's length or sha256
//   FailedPrecondition  a version or release that does not increase, a missing chunk blob,
//                       a model targets.json does not delegate
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "manifests/lib/status/status.h"
#include "manifests/lib/tuf_sign/keys.h"

namespace mota::server::repository {

inline constexpr int64_t kDay = 24 * 60 * 60;

// The server's online keys: must be the root's snapshot and timestamp keys.
struct OnlineKeys {
  tuf::SigningKey snapshot;
  tuf::SigningKey timestamp;
};

struct PublishRequest {
  std::string model;             // the delegated role's name
  std::string role_metadata;     // bytes of the publisher-signed N.<model>.json
  std::string targets_metadata;  // bytes of a new N.targets.json; empty: unchanged
  std::map<std::string, std::string> target_files;  // target path -> bytes (variant indexes)
};

struct PublishResult {
  std::string model;
  int64_t release = 0;  // the release the new targets carry; 0 when none was added
  size_t new_targets = 0;
  int64_t role_version = 0, targets_version = 0, snapshot_version = 0, timestamp_version = 0;
};

struct PublisherOptions {
  int64_t snapshot_days = 7;
  int64_t timestamp_days = 1;
  // For tests: fail before the n-th file of the publish is written (-1: never), standing in for
  // a crash mid-publish.
  int fail_before_file = -1;
};

class Publisher {
 public:
  Publisher(std::string repo, OnlineKeys keys, PublisherOptions options = {});

  // Checks and publishes (see the top). `now`: seconds since the Unix epoch.
  Result<PublishResult> Publish(const PublishRequest& request, int64_t now);

  const std::string& repo() const { return repo_; }
  const OnlineKeys& keys() const { return keys_; }

 private:
  std::string repo_;
  OnlineKeys keys_;
  PublisherOptions options_;
  std::mutex mutex_;
};

// The highest release of `model` that any published version of its role (1 .. the current
// version) listed: the next release must be greater (repository.md "Release only increases").
Result<int64_t> HighestRelease(const std::string& repo, const std::string& model,
                               int64_t current_role_version);

}  // namespace mota::server::repository
