// The fixed 64-byte header that starts every .mota file (manifests/spec/model-format.md).
// Little-endian. The FlatBuffer (model.fbs) and the data section follow at the offsets it gives.
#pragma once

#include <cstdint>
#include <cstring>

namespace mota::format {

inline constexpr char kModelMagic[8] = {'M', 'O', 'T', 'A', 'M', 'O', 'D', 'L'};
inline constexpr uint32_t kModelFormatVersion = 1;
inline constexpr uint32_t kModelHeaderSize = 64;
inline constexpr uint64_t kDataAlignment = 64;
// Limits the loader enforces before trusting any number in a file.
inline constexpr int kMaxRank = 8;
inline constexpr int64_t kMaxDim = int64_t{1} << 32;
inline constexpr int64_t kMaxElements = int64_t{1} << 34;

struct ModelHeader {
  char magic[8];
  uint32_t format_version;
  uint32_t header_size;
  uint64_t graph_offset;
  uint64_t graph_size;
  uint64_t data_offset;
  uint64_t data_size;
  uint64_t file_size;
  uint64_t reserved;  // zero
};
static_assert(sizeof(ModelHeader) == kModelHeaderSize, "header layout");

inline uint64_t AlignUp(uint64_t value, uint64_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

}  // namespace mota::format
