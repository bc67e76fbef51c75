// The content-addressed chunk store of a served repository: blobs/<sha256> holds the zstd frame
// whose decoded bytes have that sha256 (manifests/spec/bundle-format.md "The store").
//
// Uploads are checked before anything is stored: the body must be exactly one zstd frame of at
// most bundle::kMaxChunkSize decoded bytes whose sha256 is the name. A blob already present is
// never replaced (first writer wins), so a reader never sees a blob change under its name.
//
//   MOTA_ASSIGN_OR_RETURN(std::vector<std::string> missing, MissingBlobs(repo, wanted));
//   MOTA_ASSIGN_OR_RETURN(bool created, PutBlob(repo, name, body));
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "manifests/lib/status/status.h"

namespace mota::server::repository {

// 64 lowercase hex digits. Anything else (path separators, "..", upper case) is not a blob name.
bool IsBlobName(std::string_view name);

std::string BlobPath(const std::string& repo, std::string_view name);

// The names in `names` that blobs/ lacks, in the order given, each once. InvalidArgument naming
// the first entry that is not a blob name.
Result<std::vector<std::string>> MissingBlobs(const std::string& repo,
                                              const std::vector<std::string>& names);

// Checks `bytes` (see the top) and stores them as blobs/<name>. True when written, false when
// the blob was already there. VerificationFailed when the bytes do not decode to content with
// sha256 `name`; nothing is stored then.
Result<bool> PutBlob(const std::string& repo, std::string_view name, std::string_view bytes);

// A stored blob as a variant index references it: present, `zstd_size` bytes with sha256
// `zstd_sha256`. `what` names the referencing index and chunk in errors.
Status CheckStoredBlob(const std::string& repo, const std::string& name,
                       const std::string& zstd_sha256, uint64_t zstd_size, const std::string& what);

}  // namespace mota::server::repository
