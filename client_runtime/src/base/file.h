// Files: read-only memory maps (models are used in place, zero copies), whole-file reads, and
// crash-safe writes (temp file -> write -> fsync(file) -> rename -> fsync(dir)).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"

namespace mota {

// A read-only mapping of a whole file. Move-only; unmaps on destruction.
class MappedFile {
 public:
  static Result<std::unique_ptr<MappedFile>> Open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  const std::string& path() const { return path_; }

 private:
  MappedFile() = default;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::string path_;
};

// Drops this process's resident pages of [p, p + n) where the range lies in a live MappedFile
// (rounded out to whole pages, clipped to the mapping); a no-op for any other memory. The pages
// are read-only views of the file, so a later read faults them back in with the same bytes: this
// is always safe, and worth it for data read once (weights that a kernel has repacked), which
// would otherwise stay in the peak RSS for the life of the model.
void ReleaseMappedPages(const void* p, size_t n);

Result<std::vector<uint8_t>> ReadFile(const std::string& path);
// Writes `bytes` to `path` atomically: readers see the old file or the whole new one.
Status WriteFileAtomic(const std::string& path, std::span<const uint8_t> bytes);
Status WriteFileAtomic(const std::string& path, const std::string& text);

}  // namespace mota
