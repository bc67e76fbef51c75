// file:// repositories (a directory as `mota repo` writes it: metadata/, targets/, blobs/): the
// same contracts as the network path, so a device or a test can update from a mounted folder or
// an SD card with every check the network path has.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "delivery/fetch/chunk_downloader.h"
#include "delivery/trust/fetcher.h"

namespace mota::client {

inline constexpr char kFileScheme[] = "file://";

// Serves file:// URLs from disk with HttpFetcher's contract: NotFound for a missing file,
// OutOfRange for one larger than `max_length` (checked before it is read).
class FileFetcher : public trust::Fetcher {
 public:
  Result<std::string> Fetch(const std::string& url, int64_t max_length) override;
};

// ChunkDownloader::FetchBlobs for a repository directory: copies each blob missing from the
// store (or failing its hash there) from <repo_dir>/blobs/<sha256>, refusing one whose size or
// zstd_sha256 differs from the signed index (VERIFICATION_FAILED naming the file). Written
// atomically (temp, fsync, rename). Progress counts the copied bytes; `cancel` is checked
// between blobs (FAILED_PRECONDITION "cancelled ..."). The policy is not asked: no network.
Result<fetch::DownloadStats> CopyLocalBlobs(
    const std::string& repo_dir, const std::string& store_dir,
    const std::vector<fetch::BlobWant>& blobs,
    const std::function<void(const fetch::Progress&)>& progress, const std::atomic<bool>* cancel);

// True when <store_dir>/blobs/<sha256> holds exactly the blob's frame (size and zstd_sha256).
bool StoreHasBlob(const std::string& store_dir, const fetch::BlobWant& blob);

}  // namespace mota::client
