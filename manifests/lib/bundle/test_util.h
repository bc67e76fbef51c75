// Test helpers: synthetic .mota files (header + a FlatBuffer listing buffers + data) and indexes
// built the way the packager builds them, without depending on the converter.
#pragma once

#include <zstd.h>

#include <cstring>
#include <random>
#include <vector>

#include "manifests/lib/bundle/chunk_plan.h"
#include "manifests/lib/bundle/index.h"
#include "manifests/lib/bundle/sha256.h"
#include "manifests/lib/model_format.h"
#include "manifests/model_generated.h"

namespace mota::bundle::testing {

// A .mota layout whose data section holds one buffer per entry of `sizes`, filled with seeded
// random bytes (seed + buffer number), each 64-byte aligned.
inline std::vector<uint8_t> MakeModel(const std::vector<uint64_t>& sizes, uint32_t seed = 1) {
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<fb::Buffer> buffers;
  uint64_t at = 0;
  for (uint64_t s : sizes) {
    buffers.emplace_back(at, s);
    at = format::AlignUp(at + s, format::kDataAlignment);
  }
  auto model = fb::CreateModel(fbb, format::kModelFormatVersion, 0, 0, 0, 0,
                               fbb.CreateVectorOfStructs(buffers));
  fb::FinishModelBuffer(fbb, model);
  format::ModelHeader h{};
  std::memcpy(h.magic, format::kModelMagic, 8);
  h.format_version = format::kModelFormatVersion;
  h.header_size = format::kModelHeaderSize;
  h.graph_offset = 64;
  h.graph_size = fbb.GetSize();
  h.data_offset = format::AlignUp(64 + h.graph_size, 64);
  h.data_size = at;
  h.file_size = h.data_offset + at;
  std::vector<uint8_t> file(h.file_size, 0);
  std::memcpy(file.data(), &h, sizeof(h));
  std::memcpy(file.data() + 64, fbb.GetBufferPointer(), fbb.GetSize());
  for (size_t i = 0; i < sizes.size(); ++i) {
    std::mt19937 rng(seed + static_cast<uint32_t>(i));
    for (uint64_t k = 0; k < sizes[i]; ++k)
      file[h.data_offset + buffers[i].offset() + k] = rng() & 0xff;
  }
  return file;
}

// Stored frames by uncompressed sha256, as a chunk store would hold them.
struct Packed {
  VariantIndex index;
  std::vector<std::vector<uint8_t>> frames;  // one per index chunk
};

inline Packed Pack(const std::vector<uint8_t>& file, const ChunkingOptions& options = {}) {
  Packed p;
  auto plan = PlanChunks(file, options);
  for (const ChunkSpan& s : plan.value()) {
    std::span<const uint8_t> raw(file.data() + s.offset, s.size);
    std::vector<uint8_t> frame(ZSTD_compressBound(s.size));
    frame.resize(ZSTD_compress(frame.data(), frame.size(), raw.data(), raw.size(), 3));
    p.index.chunks.push_back({Sha256Hex(raw), s.size, Sha256Hex(frame), frame.size(), s.offset});
    p.frames.push_back(std::move(frame));
  }
  p.index.sha256 = Sha256Hex(file);
  p.index.size = file.size();
  return p;
}

}  // namespace mota::bundle::testing
