// The variant index (manifests/spec/bundle-format.md): the ordered chunks that assemble one
// .mota file, the whole file's sha256 and size, and the self-test vectors' references.
//
//   auto index = ParseIndex(json_text);          // validates every field, requires canonical form
//   if (!index.ok()) return index.status();      // INVALID_ARGUMENT naming the field and value
//   std::string bytes = SerializeIndex(index.value());   // canonical JSON, byte-identical
//
// Exception-free (nlohmann_json parses with allow_exceptions=false); the device links this.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "manifests/lib/bundle/bundle_status.h"

namespace mota::bundle {

inline constexpr char kIndexType[] = "mota-variant-index";
inline constexpr int64_t kIndexFormatVersion = 1;
// Reader limits, checked before anything is allocated for a chunk or a file.
inline constexpr uint64_t kMaxChunkSize = uint64_t{64} << 20;  // 64 MiB per chunk or blob
inline constexpr uint64_t kMaxFileSize = uint64_t{1} << 40;    // 1 TiB per assembled file
inline constexpr size_t kMaxChunks = 1 << 20;
inline constexpr size_t kMaxSelftestVectors = 64;
inline constexpr size_t kMaxNameLength = 256;

// One piece of the file. `sha256`/`size` describe the uncompressed bytes at `offset`;
// `zstd_sha256`/`zstd_size` describe the stored zstd frame (one frame per chunk).
struct ChunkRef {
  std::string sha256;
  uint64_t size = 0;
  std::string zstd_sha256;
  uint64_t zstd_size = 0;
  uint64_t offset = 0;
  bool operator==(const ChunkRef&) const = default;
};

// A standalone content-addressed blob (a self-test .npy file): stored like a chunk, no offset.
struct BlobRef {
  std::string name;  // the model input or output it feeds or checks
  std::string sha256;
  uint64_t size = 0;
  std::string zstd_sha256;
  uint64_t zstd_size = 0;
  bool operator==(const BlobRef&) const = default;
};

// One self-test case: inputs and the fp32 reference outputs, each an .npy blob.
struct SelftestVector {
  std::vector<BlobRef> inputs;
  std::vector<BlobRef> outputs;
  bool operator==(const SelftestVector&) const = default;
};

// Filled by the packager; empty vectors (and "0" tolerances) when it ships none.
// Tolerances are decimal strings ("0.995"): canonical JSON carries no floats.
struct Selftest {
  std::vector<SelftestVector> vectors;
  std::string max_abs_error = "0";  // largest |ours - reference| allowed per element
  std::string min_cosine = "0";     // least cosine similarity per output
  bool operator==(const Selftest&) const = default;
};

struct VariantIndex {
  std::vector<ChunkRef> chunks;  // ordered by offset, contiguous, covering [0, size)
  std::string sha256;            // of the whole assembled file
  uint64_t size = 0;
  Selftest selftest;
  bool operator==(const VariantIndex&) const = default;
};

// Checks every rule of the spec (hex lengths, sizes, contiguity and coverage, consistent
// duplicates, names, tolerances). INVALID_ARGUMENT names the field, the value and the rule.
Status ValidateIndex(const VariantIndex& index);

// Parses and validates; also requires `text` to be the canonical serialization (so one index
// has exactly one byte form: duplicate keys, spaces or reordered keys are rejected).
Result<VariantIndex> ParseIndex(const std::string& text);

// Canonical JSON: keys sorted bytewise, no whitespace, integers only, ASCII strings.
// Validates first: an invalid index is an error, never serialized.
Result<std::string> SerializeIndex(const VariantIndex& index);

}  // namespace mota::bundle
