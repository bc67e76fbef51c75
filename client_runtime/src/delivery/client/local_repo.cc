#include "delivery/client/local_repo.h"

#include <filesystem>

#include "base/file.h"
#include "base/sha256.h"
#include "delivery/fetch/store_files.h"

namespace mota::client {
namespace {

namespace fs = std::filesystem;

bool FrameMatches(const std::vector<uint8_t>& frame, const fetch::BlobWant& blob) {
  return frame.size() == blob.zstd_size && Sha256Hex(frame) == blob.zstd_sha256;
}

}  // namespace

Result<std::string> FileFetcher::Fetch(const std::string& url, int64_t max_length) {
  if (url.rfind(kFileScheme, 0) != 0) return InvalidArgument("not a file:// URL: ", url);
  const std::string path = url.substr(sizeof(kFileScheme) - 1);
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return NotFound("no file ", path);
  const uintmax_t size = fs::file_size(path, ec);
  if (ec || static_cast<int64_t>(size) > max_length) {
    return OutOfRange(path, ": ", size, " bytes, more than the ", max_length, " allowed");
  }
  MOTA_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFile(path));
  return std::string(bytes.begin(), bytes.end());
}

bool StoreHasBlob(const std::string& store_dir, const fetch::BlobWant& blob) {
  const std::string path = store_dir + "/blobs/" + blob.sha256;
  if (fetch::FileSize(path) != static_cast<int64_t>(blob.zstd_size)) return false;
  Result<std::vector<uint8_t>> frame = fetch::ReadWholeFile(path, blob.zstd_size);
  return frame.ok() && FrameMatches(*frame, blob);
}

Result<fetch::DownloadStats> CopyLocalBlobs(
    const std::string& repo_dir, const std::string& store_dir,
    const std::vector<fetch::BlobWant>& blobs,
    const std::function<void(const fetch::Progress&)>& progress, const std::atomic<bool>* cancel) {
  MOTA_RETURN_IF_ERROR(fetch::MakeDirs(store_dir + "/blobs"));
  fetch::DownloadStats stats;
  std::vector<const fetch::BlobWant*> missing;
  fetch::Progress p;
  for (const fetch::BlobWant& blob : blobs) {
    if (StoreHasBlob(store_dir, blob)) {
      ++stats.blobs_present;
    } else {
      missing.push_back(&blob);
      p.bytes_total += blob.zstd_size;
    }
  }
  p.blobs_total = missing.size();
  for (const fetch::BlobWant* blob : missing) {
    if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) {
      return CancelledError("cancelled by the app after ", p.bytes_done, " of ", p.bytes_total,
                                " bytes copied from ", repo_dir);
    }
    const std::string from = repo_dir + "/blobs/" + blob->sha256;
    // Capped at the signed size + 1 so a longer file is detected without reading all of it.
    Result<std::vector<uint8_t>> frame = fetch::ReadWholeFile(from, blob->zstd_size + 1);
    if (!frame.ok()) return frame.status().WithContext(blob->label);
    if (!FrameMatches(*frame, *blob)) {
      return Status(StatusCode::kVerificationFailed,
                    StrCat(from, " (", blob->label, "): ", frame->size(), " bytes with sha256 ",
                           Sha256Hex(*frame), ", the signed index says ", blob->zstd_size,
                           " bytes with sha256 ", blob->zstd_sha256));
    }
    MOTA_RETURN_IF_ERROR(WriteFileAtomic(store_dir + "/blobs/" + blob->sha256, *frame));
    ++stats.blobs_downloaded;
    stats.bytes_received += frame->size();
    p.bytes_done += frame->size();
    ++p.blobs_done;
    if (progress) progress(p);
  }
  return stats;
}

}  // namespace mota::client
