#include "server/repository/blob_store.h"

#include <zstd.h>

#include <set>

#include "manifests/lib/bundle/index.h"
#include "manifests/lib/tuf/verify.h"
#include "server/storage/atomic_file.h"

namespace mota::server::repository {
namespace {

// Decodes exactly one zstd frame of known size (at most kMaxChunkSize) and returns the sha256
// of its content.
Result<std::string> DecodedSha256(std::string_view name, std::string_view bytes) {
  const size_t frame = ZSTD_findFrameCompressedSize(bytes.data(), bytes.size());
  if (ZSTD_isError(frame) || frame != bytes.size()) {
    return Status(StatusCode::kVerificationFailed,
                  StrCat("blob ", name, ": the body (", bytes.size(),
                         " bytes) is not exactly one zstd frame; expected the chunk's stored "
                         "frame (bundle-format.md \"The store\")"));
  }
  const unsigned long long size = ZSTD_getFrameContentSize(bytes.data(), bytes.size());
  if (size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR ||
      size > bundle::kMaxChunkSize) {
    return Status(
        StatusCode::kVerificationFailed,
        StrCat("blob ", name, ": the zstd frame's content size is ",
               size == ZSTD_CONTENTSIZE_UNKNOWN ? "not recorded" : std::to_string(size),
               "; expected a recorded size of at most ", bundle::kMaxChunkSize, " bytes"));
  }
  std::string decoded(static_cast<size_t>(size), '\0');
  const size_t got = ZSTD_decompress(decoded.data(), decoded.size(), bytes.data(), bytes.size());
  if (ZSTD_isError(got) || got != decoded.size()) {
    return Status(StatusCode::kVerificationFailed,
                  StrCat("blob ", name, ": the zstd frame does not decode (",
                         ZSTD_isError(got) ? ZSTD_getErrorName(got) : "short output", ")"));
  }
  return tuf::Sha256Hex(decoded);
}

}  // namespace

bool IsBlobName(std::string_view name) {
  return name.size() == 64 && name.find_first_not_of("0123456789abcdef") == std::string::npos;
}

std::string BlobPath(const std::string& repo, std::string_view name) {
  return repo + "/blobs/" + std::string(name);
}

Result<std::vector<std::string>> MissingBlobs(const std::string& repo,
                                              const std::vector<std::string>& names) {
  std::vector<std::string> missing;
  std::set<std::string> seen;
  for (size_t i = 0; i < names.size(); ++i) {
    if (!IsBlobName(names[i])) {
      return InvalidArgument("blob name [", i, "] \"", names[i].substr(0, 80),
                             "\" is not 64 lowercase hex digits (a sha256)");
    }
    if (!seen.insert(names[i]).second) continue;
    Result<std::string> have = storage::ReadFileToString(BlobPath(repo, names[i]));
    if (!have.ok() && have.status().code() == StatusCode::kNotFound) missing.push_back(names[i]);
  }
  return missing;
}

Result<bool> PutBlob(const std::string& repo, std::string_view name, std::string_view bytes) {
  if (!IsBlobName(name)) {
    return InvalidArgument("blob name \"", name.substr(0, 80),
                           "\" is not 64 lowercase hex digits (a sha256)");
  }
  MOTA_ASSIGN_OR_RETURN(std::string content_sha, DecodedSha256(name, bytes));
  if (content_sha != name) {
    return Status(StatusCode::kVerificationFailed,
                  StrCat("blob ", name, ": its bytes decode to content with sha256 ", content_sha,
                         "; a blob is stored under the sha256 of its decoded content; nothing "
                         "was stored"));
  }
  MOTA_RETURN_IF_ERROR(storage::EnsureDir(repo + "/blobs"));
  bool created = false;
  MOTA_RETURN_IF_ERROR(storage::WriteFileAtomicIfAbsent(BlobPath(repo, name), bytes, &created));
  return created;
}

Status CheckStoredBlob(const std::string& repo, const std::string& name,
                       const std::string& zstd_sha256, uint64_t zstd_size,
                       const std::string& what) {
  Result<std::string> bytes = storage::ReadFileToString(BlobPath(repo, name));
  if (!bytes.ok()) {
    if (bytes.status().code() == StatusCode::kNotFound) {
      return FailedPrecondition(what, ": blob ", name,
                                " is not on the server; upload it first (PUT /v1/admin/blobs/",
                                name, ")");
    }
    return bytes.status();
  }
  if (bytes->size() != zstd_size || tuf::Sha256Hex(*bytes) != zstd_sha256) {
    return FailedPrecondition(what, ": blob ", name, " on the server is ", bytes->size(),
                              " bytes with sha256 ", tuf::Sha256Hex(*bytes), ", the index expects ",
                              zstd_size, " bytes with sha256 ", zstd_sha256,
                              " (the server keeps the first frame stored for a content; package "
                              "against the repository's blobs)");
  }
  return Status::Ok();
}

}  // namespace mota::server::repository
