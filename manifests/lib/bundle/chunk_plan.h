// Where a .mota file is cut into chunks (manifests/spec/bundle-format.md, "Chunking").
//
// Cuts follow the file's own layout, so a tensor that did not change between two releases or
// two variants lands in a chunk with the same bytes, hence the same sha256, and is sent once:
//   1. the head: header + FlatBuffer graph + padding, [0, data_offset), split every
//      `piece_size` bytes if it is larger than that;
//   2. the data section as extents: each buffer from its start to the next buffer's start
//      (so a tensor carries its own zero padding), in file order;
//   3. extents smaller than `pack_target` are packed, in order, into chunks of at most
//      `pack_target` bytes; larger extents stand alone, split every `piece_size` bytes counted
//      from the tensor's own start (not the file's), so a shift of the tensor in the file does
//      not change its pieces.
// Deterministic: the same bytes and options give the same plan.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "manifests/lib/bundle/bundle_status.h"

namespace mota::bundle {

struct ChunkingOptions {
  uint64_t pack_target = uint64_t{64} << 10;  // small tensors packed up to this many bytes
  uint64_t piece_size = uint64_t{256} << 10;  // large tensors (and a large head) split at this
};

struct ChunkSpan {
  uint64_t offset = 0;
  uint64_t size = 0;
  bool operator==(const ChunkSpan&) const = default;
};

// Contiguous spans covering [0, model.size()) exactly. INVALID_ARGUMENT when the bytes are not
// a well-formed .mota layout (header fields, FlatBuffers verifier, buffers inside the data
// section) or the options are out of range (1 <= pack_target <= piece_size <= kMaxChunkSize).
Result<std::vector<ChunkSpan>> PlanChunks(std::span<const uint8_t> model,
                                                const ChunkingOptions& options = {});

}  // namespace mota::bundle
