// Device memory: an executable makes a few large allocations (weights, activations, staging)
// and sub-allocates them, never one allocation per tensor (drivers limit the count, and
// allocation is slow). Regions of the activation buffer are reused between tensors whose
// lifetimes do not overlap (AssignOffsets).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "exec/vulkan/vk_context.h"

namespace mota::exec::vk {

// One VkBuffer bound to its own VkDeviceMemory.
class DeviceBuffer {
 public:
  enum class Kind : uint8_t {
    kDevice,   // device-local (mapped too when the device is unified-memory)
    kStaging,  // host-visible, host-coherent where possible; mapped for the buffer's lifetime
  };
  // `what` names the buffer in errors ("weights of 12 MB", ...). Size 0 is rounded up to 4.
  static Result<std::unique_ptr<DeviceBuffer>> Create(std::shared_ptr<Context> ctx, uint64_t size,
                                                      Kind kind, std::string_view what);
  ~DeviceBuffer();
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  VkBuffer buffer() const { return buffer_; }
  uint64_t size() const { return size_; }
  // Null unless the memory is host-visible.
  uint8_t* mapped() const { return mapped_; }
  // Make host writes visible to the device / device writes visible to the host (no-ops for
  // coherent memory).
  Status Flush(uint64_t offset, uint64_t size);
  Status Invalidate(uint64_t offset, uint64_t size);

 private:
  DeviceBuffer() = default;
  std::shared_ptr<Context> ctx_;
  VkBuffer buffer_ = VK_NULL_HANDLE;
  VkDeviceMemory memory_ = VK_NULL_HANDLE;
  uint64_t size_ = 0;
  uint8_t* mapped_ = nullptr;
  bool coherent_ = true;
};

// Test hook (allocation-failure injection): the n-th following DeviceBuffer::Create (0: the
// next one) fails as if the driver returned VK_ERROR_OUT_OF_DEVICE_MEMORY; -1 turns it off.
// Not thread-safe; tests only.
void FailDeviceAllocationForTesting(int n);

// A tensor's bytes used between positions `first` and `last` (inclusive) of a schedule.
struct Lifetime {
  uint64_t size = 0;
  int32_t first = 0;
  int32_t last = 0;
};

// Offsets (multiples of `alignment`) such that buffers with overlapping lifetimes do not
// overlap. Greedy: largest first, each at the lowest offset that fits. Returns the total size.
uint64_t AssignOffsets(std::span<const Lifetime> buffers, uint64_t alignment,
                       std::vector<uint64_t>* offsets);

inline uint64_t AlignUp(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

}  // namespace mota::exec::vk
