// Reassembling a .mota file from its variant index and a chunk source, verifying everything.
//
//   ChunkSource source = [&](const ChunkRef& c) { return FetchOrReadCached(c.sha256); };
//   Status s = AssembleFile(index, source, "/data/models/mobilenet_v2.mota");
//
// Each chunk's stored bytes (its zstd frame, or its raw bytes from a local copy of an earlier
// release) are checked against the index, decoded into exactly `size` bytes and checked again;
// the file is written to a temporary file beside `path`, fsync'ed, checked against the whole-file
// sha256, renamed over `path` and the directory fsync'ed. On any failure the temporary file is
// removed and `path` is untouched: nothing half-written stays. `source` is called on the calling
// thread, once per distinct chunk content, in file order; decoding, hashing and writing run on
// two worker threads (FileAssembler, file_assembler.h). Exception-free.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "manifests/lib/bundle/bundle_status.h"
#include "manifests/lib/bundle/index.h"

namespace mota::bundle {

// Returns the stored bytes of one chunk: the zstd frame (zstd_sha256 / zstd_size) or the raw
// bytes (sha256 / size). Errors it returns are passed through with the chunk named.
using ChunkSource = std::function<Result<std::vector<uint8_t>>(const ChunkRef& chunk)>;

// Checks `stored` against the hashes and sizes given and returns the raw bytes.
// VERIFICATION_FAILED names `label` and says which hash or size did not match.
Result<std::vector<uint8_t>> DecodeVerified(const std::string& label, const std::string& sha256,
                                            uint64_t size, const std::string& zstd_sha256,
                                            uint64_t zstd_size, std::span<const uint8_t> stored);
// For a frame whose zstd_sha256 and zstd_size the caller has checked (hashed while it arrived):
// the declared content size is checked before decoding into exactly `size` bytes, then their
// sha256. VERIFICATION_FAILED names `label`.
Result<std::vector<uint8_t>> DecodeCheckedFrame(const std::string& label, const std::string& sha256,
                                                uint64_t size, std::span<const uint8_t> frame);
Result<std::vector<uint8_t>> DecodeChunk(size_t chunk_number, const ChunkRef& chunk,
                                         std::span<const uint8_t> stored);

// Validates `index`, then writes the verified file to `path` atomically (see the top).
Status AssembleFile(const VariantIndex& index, const ChunkSource& source, const std::string& path);

}  // namespace mota::bundle
