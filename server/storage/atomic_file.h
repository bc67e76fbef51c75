// Crash-safe file writes for the update server: every file the server makes visible goes through
// here. WriteFileAtomic writes a temporary file in the destination's own folder (so the rename
// never crosses file systems), fsyncs it, renames it over the destination and fsyncs the folder,
// so after a crash the path holds either the old bytes or the new bytes, never a mix, and a
// completed write survives power loss. go-tuf's persistMetadata skips both fsyncs; we must not.
//
//   MOTA_RETURN_IF_ERROR(storage::EnsureDir(repo + "/metadata"));
//   MOTA_RETURN_IF_ERROR(storage::WriteFileAtomic(repo + "/metadata/timestamp.json", bytes));
//
// Temporary files are named ".<name>.tmp.<pid>.<counter>" and removed on every failure path.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "manifests/lib/status/status.h"

namespace mota::server::storage {

// Writes `bytes` to `path` atomically and durably (see above). The folder must exist. The file
// gets mode 0644.
Status WriteFileAtomic(const std::string& path, std::string_view bytes);

// Like WriteFileAtomic, but for content-addressed files: when `path` already exists nothing is
// written and `*created` is false. Two writers of the same content may race; both succeed.
Status WriteFileAtomicIfAbsent(const std::string& path, std::string_view bytes, bool* created);

// Creates `path` and its missing parents, fsyncing each parent whose entries changed, so a
// created folder survives a crash together with the files written into it.
Status EnsureDir(const std::string& path);

// fsync of a folder: makes renames and creations inside it durable.
Status SyncDir(const std::string& path);

// The whole file. NotFound when it does not exist; IoError for other failures.
Result<std::string> ReadFileToString(const std::string& path);

}  // namespace mota::server::storage
