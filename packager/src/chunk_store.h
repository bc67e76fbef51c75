// A content-addressed store of zstd-compressed chunks (manifests/spec/bundle-format.md, "Store").
//
//   MOTA_ASSIGN_OR_RETURN(ChunkStore store, ChunkStore::Open("staging/"));
//   MOTA_ASSIGN_OR_RETURN(PackedVariant v, store.AddModel(mota_bytes));
//   // v.index lists the chunks; v.stats says how many were new. The selftest is empty here:
//   // the packager fills it with AddBlob refs before serializing the index.
//
// Layout: <dir>/blobs/<sha256 of the UNCOMPRESSED chunk>, holding the chunk's zstd frame.
// A chunk already present (from another variant or an earlier release) is not written again;
// its existing frame is checked (decodes to the named content) and its hash goes into the
// index, so every index always agrees with the store ("first writer wins"). Output is
// deterministic: single-threaded zstd with fixed parameters.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "manifests/lib/bundle/assemble.h"
#include "manifests/lib/bundle/chunk_plan.h"
#include "manifests/lib/bundle/index.h"

namespace mota::packager {

// Chosen by measurement (bundle-format.md, "Compression"): level 9 is within 0.2% of level 19's
// size on every measured file (smaller on fp32/fp16) at 10-20x its speed; long mode gains nothing
// within chunks of <= 256 KiB.
struct CompressionOptions {
  int level = 9;
  bool long_mode = false;
};

struct PackStats {
  size_t chunks = 0;          // entries in the index
  size_t new_chunks = 0;      // blobs this call wrote
  uint64_t raw_bytes = 0;     // the file's size
  uint64_t stored_bytes = 0;  // sum of the index's zstd_size (a device with nothing fetches this)
  uint64_t new_stored_bytes = 0;  // compressed bytes of the blobs this call wrote
};

struct PackedVariant {
  bundle::VariantIndex index;
  PackStats stats;
};

// Compresses `raw` into one zstd frame (content size recorded, no checksum: sha256 covers it).
Result<std::vector<uint8_t>> CompressChunk(std::span<const uint8_t> raw,
                                           const CompressionOptions& options);

class ChunkStore {
 public:
  // Opens the store under `dir`, creating <dir>/blobs if needed.
  static Result<ChunkStore> Open(const std::string& dir, CompressionOptions options = {});

  // Plans the .mota file's chunks, stores the missing ones and returns the index.
  Result<PackedVariant> AddModel(std::span<const uint8_t> model,
                                 const bundle::ChunkingOptions& chunking = {});
  // Stores one standalone blob (a self-test .npy) and returns its reference.
  Result<bundle::BlobRef> AddBlob(const std::string& name, std::span<const uint8_t> bytes);

  bool Contains(const std::string& sha256) const;
  // The stored zstd frame of the chunk whose uncompressed sha256 is `sha256`.
  Result<std::vector<uint8_t>> ReadFrame(const std::string& sha256) const;
  // A source for bundle::AssembleFile reading this store; valid while this object lives and
  // stays where it is (it refers to it).
  bundle::ChunkSource Source() const;
  std::string BlobPath(const std::string& sha256) const;

 private:
  struct Stored {
    std::string zstd_sha256;
    uint64_t zstd_size = 0;
    bool written = false;
  };
  ChunkStore(std::string dir, CompressionOptions options)
      : dir_(std::move(dir)), options_(options) {}
  // Stores `raw` under its sha256 unless present; returns the frame's hash and size.
  Result<Stored> Put(const std::string& sha256, std::span<const uint8_t> raw);
  // Checks an existing blob decodes to `sha256` / `size`.
  Result<Stored> CheckExisting(const std::string& sha256, uint64_t size) const;

  std::string dir_;
  CompressionOptions options_;
};

}  // namespace mota::packager
