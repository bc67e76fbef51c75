// Where a mota repository keeps its files (manifests/spec/repository.md "Versions") and the
// snapshot / timestamp meta entries that name them: shared by the packager (local repository),
// the server (publishing, rollouts) and their tests, so the layout and the check a reader does
// are written once.
#pragma once

#include <cstdint>
#include <string>

#include "manifests/lib/status/status.h"
#include "manifests/lib/tuf/metadata.h"

namespace mota::tuf {

// <repo>/metadata/<file>.
std::string MetadataPath(const std::string& repo, const std::string& file);
// <repo>/targets/<dir>/<sha256>.<name> for target path <dir>/<name> (consistent snapshots).
std::string TargetFilePath(const std::string& repo, const std::string& target,
                           const std::string& sha256);

// A snapshot / timestamp meta entry for `bytes`: version, length and sha256.
MetaFile MetaOf(int64_t version, const std::string& bytes);
// What a client checks before parsing a listed file: its length (when listed) and sha256.
// REJECTED naming `what` when they differ or no sha256 is listed.
Status CheckMeta(const MetaFile& meta, const std::string& bytes, const std::string& what);

}  // namespace mota::tuf
