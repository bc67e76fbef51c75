// A 64-byte-aligned heap buffer with 64 spare readable bytes past the end (vector kernels and
// XNNPACK may read, never use, up to 16 bytes past a tensor).
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace mota {

class AlignedBuffer {
 public:
  static constexpr size_t kAlignment = 64;
  static constexpr size_t kTailPadding = 64;

  AlignedBuffer() = default;
  explicit AlignedBuffer(size_t size) { Resize(size); }
  AlignedBuffer(AlignedBuffer&& other) noexcept { *this = std::move(other); }
  AlignedBuffer& operator=(AlignedBuffer&& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    return *this;
  }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  ~AlignedBuffer() { std::free(data_); }

  // Discards the contents; the new bytes are zeroed. Returns false when allocation fails.
  bool Resize(size_t size) {
    if (!ResizeUninitialized(size)) return false;
    std::memset(data_, 0, size);  // the tail padding is zeroed already
    return true;
  }

  // Resize without the zeroing, for buffers the caller overwrites entirely (packed weights):
  // memset would touch every page once more before the real writes (page faults + bandwidth).
  // The tail padding is still zeroed so that reads past the end see defined bytes.
  bool ResizeUninitialized(size_t size) {
    std::free(data_);
    data_ = nullptr;
    size_ = 0;
    data_ = static_cast<uint8_t*>(std::aligned_alloc(kAlignment, Total(size)));
    if (data_ == nullptr) return false;
    std::memset(data_ + size, 0, Total(size) - size);
    size_ = size;
    return true;
  }

  // Asks for transparent huge pages over the buffer's whole 2 MiB pages (call before writing):
  // filling a large buffer then takes one page fault per 2 MiB instead of per 4 KiB (packing
  // resnet18's weights spent ~30% of its time in page faults), and streaming it later misses the
  // TLB less. Only pages inside the buffer are advised, so its resident size does not grow.
  void AdviseHugePages() {
#if defined(MADV_HUGEPAGE)
    constexpr uintptr_t kHuge = uintptr_t{2} << 20;
    const auto begin = reinterpret_cast<uintptr_t>(data_);
    const uintptr_t lo = (begin + kHuge - 1) / kHuge * kHuge, hi = (begin + size_) / kHuge * kHuge;
    // Advice only: without it (or without THP) the buffer works the same with small pages.
    if (data_ != nullptr && lo < hi) ::madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);
#endif
  }

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  static size_t Total(size_t size) {
    return (size + kTailPadding + kAlignment - 1) / kAlignment * kAlignment;
  }

  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace mota
