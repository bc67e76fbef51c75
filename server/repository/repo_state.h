// Reading the published state of a repository (manifests/spec/repository.md) the way a client
// does: root chain 1 -> N, then timestamp.json -> snapshot -> targets -> every delegated role,
// each file checked against the length and sha256 that lists it and against its signers.
//
// The publisher (publish.h) loads the state it builds on with this, and tests use it as "what a
// reader sees". Expiry is checked only when asked: the server re-signs expired snapshot and
// timestamp files, so it must be able to read them.
//
//   MOTA_ASSIGN_OR_RETURN(RepoState state, LoadRepoState(repo, {.now = now, .check_expiry =
//   true}));
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "manifests/lib/status/status.h"
#include "manifests/lib/tuf/metadata.h"
#include "manifests/lib/tuf/repo_files.h"  // MetadataPath, TargetFilePath, MetaOf, CheckMeta

namespace mota::server::repository {

struct RepoState {
  tuf::Root root;
  tuf::Timestamp timestamp;
  tuf::Snapshot snapshot;
  tuf::Targets targets;
  std::map<std::string, tuf::Targets> models;  // delegated role name -> its metadata
  // The exact bytes of the files above, keyed by file name ("3.snapshot.json", ...).
  std::map<std::string, std::string> files;
};

struct LoadOptions {
  int64_t now = 0;
  bool check_expiry = false;
  // Also read every target file each role lists and check its length and sha256.
  bool check_target_files = false;
};

// See the top. Every error names the file and the check that failed.
Result<RepoState> LoadRepoState(const std::string& repo, const LoadOptions& options);

// Root 1 -> N, each new root signed by a threshold of the previous root and of itself.
Result<tuf::Root> LoadRootChain(const std::string& repo);

}  // namespace mota::server::repository
