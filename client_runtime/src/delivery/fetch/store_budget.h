// Keeping the device chunk store (<store>/blobs, see chunk_downloader.h) inside a disk budget,
// and cleaning what an interrupted update left behind. POSIX, exception-free.
//
// Call these only while no ChunkDownloader call runs on the same store (the client serializes
// updates): a blob being downloaded is a .part, and a .part being written could be removed.
//
//   // At client start, before the first update: drop stale partial downloads.
//   auto wanted = StoreNamesOf(BlobsOf(pending_index, true));       // empty set: none pending
//   auto cleaned = CleanPartials(store, wanted.parts, std::chrono::hours(24 * 7));
//   // After an update was activated: keep the active, the previous (rollback) and any pending
//   // version's blobs; evict the rest, least recently used first, until under 200 MB.
//   auto keep = StoreNamesOf(BlobsOf(active, true)).blobs;
//   keep.merge(StoreNamesOf(BlobsOf(previous, true)).blobs);
//   auto report = EvictUnreferenced(store, keep, 200u << 20);
//   if (report.ok() && report->over_budget) LogWarn("referenced blobs alone exceed the budget");
//
// "Oldest" is by modification time: ChunkDownloader touches a stored blob whenever an update
// uses it, so the blobs evicted first are those no recent release needed.
//
// Disk full: every write of the store and of an assembled file that fails with ENOSPC, EDQUOT
// or EFBIG returns StatusCode::kResourceExhausted with a message starting "disk full:" and
// naming the path; the
// assembled target is never left half-written. IsDiskFull() recognizes it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "base/status.h"
#include "delivery/fetch/chunk_downloader.h"

namespace mota::fetch {

// The store file names of a set of wanted blobs.
struct StoreNames {
  std::unordered_set<std::string> blobs;  // sha256 of the content: <store>/blobs/<sha256>
  std::unordered_set<std::string> parts;  // zstd_sha256 of the frame: <store>/blobs/<z>.part
};
StoreNames StoreNamesOf(const std::vector<BlobWant>& wants);

struct EvictionReport {
  size_t blobs_evicted = 0;
  uint64_t bytes_freed = 0;
  uint64_t bytes_before = 0;      // blobs + .part files in the store before eviction
  uint64_t bytes_after = 0;       // and after
  uint64_t referenced_bytes = 0;  // of blobs named in `referenced_blobs` found in the store
  bool over_budget = false;       // still above the budget: the referenced blobs need more
};

// Removes blobs (<store>/blobs/<64 hex>) whose name is not in `referenced_blobs`, oldest
// modification time first (ties: by name, so the order is deterministic), until the store's
// blobs and .part files together take at most `budget_bytes`. A referenced blob is never
// removed, even when the budget cannot be met then (`over_budget`, not an error: those blobs
// back the active or rollback version). .part files count toward the total but are not evicted
// here (CleanPartials). Files whose names are not store names are neither counted nor touched.
// A missing store is an empty one. IoError naming the path when the directory cannot be read
// or a blob cannot be removed.
Result<EvictionReport> EvictUnreferenced(const std::string& store_dir,
                                         const std::unordered_set<std::string>& referenced_blobs,
                                         uint64_t budget_bytes);

struct CleanupReport {
  size_t parts_removed = 0;
  uint64_t bytes_freed = 0;
  size_t parts_kept = 0;  // wanted and younger than max_age: resumed by the next download
};

// Removes partial downloads (<store>/blobs/<64 hex>.part) that are older than `max_age` (by
// modification time: a .part that has not grown for that long is from an abandoned update) or
// whose zstd_sha256 is not in `wanted_parts` (no pending update needs it). Meant for client
// start, before the first download. A missing store is an empty one. IoError naming the path
// when the directory cannot be read or a file cannot be removed.
Result<CleanupReport> CleanPartials(const std::string& store_dir,
                                    const std::unordered_set<std::string>& wanted_parts,
                                    std::chrono::seconds max_age);

// The status for a write that failed with `err` (an errno value) on `path`: kResourceExhausted with
// "disk full: ..." for ENOSPC, EDQUOT and EFBIG, IoError otherwise; `what` says which write.
Status WriteFailure(int err, const std::string& what, const std::string& path);

// True for the statuses WriteFailure makes for a full disk (and AssembleFile's).
bool IsDiskFull(const Status& status);

}  // namespace mota::fetch
