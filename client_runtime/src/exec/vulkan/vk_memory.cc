#include "exec/vulkan/vk_memory.h"

#include <algorithm>
#include <numeric>

namespace mota::exec::vk {

namespace {
int fail_allocation_in = -1;  // FailDeviceAllocationForTesting
}  // namespace

void FailDeviceAllocationForTesting(int n) { fail_allocation_in = n; }

Result<std::unique_ptr<DeviceBuffer>> DeviceBuffer::Create(std::shared_ptr<Context> ctx,
                                                           uint64_t size, Kind kind,
                                                           std::string_view what) {
  if (fail_allocation_in >= 0 && fail_allocation_in-- == 0) {
    return VkError(VK_ERROR_OUT_OF_DEVICE_MEMORY, "vkAllocateMemory",
                   StrCat("allocating ", size, " bytes for the ", what, " (injected failure)"));
  }
  const Api& api = ctx->api();
  std::unique_ptr<DeviceBuffer> b(new DeviceBuffer());
  b->ctx_ = ctx;
  b->size_ = AlignUp(std::max<uint64_t>(size, 4), 4);
  VkBufferCreateInfo info{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  info.size = b->size_;
  info.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
               VK_BUFFER_USAGE_TRANSFER_DST_BIT;
  info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  MOTA_VK_RETURN_IF_ERROR(api.CreateBuffer(ctx->device(), &info, nullptr, &b->buffer_),
                          "vkCreateBuffer",
                          StrCat("creating the ", what, " (", b->size_, " bytes)"));
  VkMemoryRequirements req;
  api.GetBufferMemoryRequirements(ctx->device(), b->buffer_, &req);
  int32_t type;
  if (kind == Kind::kDevice) {
    type = ctx->FindMemoryType(req.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, 0);
    if (type < 0) type = ctx->FindMemoryType(req.memoryTypeBits, 0, 0);
  } else {
    // Cached memory makes reading results back fast; coherent saves flushes.
    type = ctx->FindMemoryType(
        req.memoryTypeBits, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT,
        VK_MEMORY_PROPERTY_HOST_COHERENT_BIT | VK_MEMORY_PROPERTY_HOST_CACHED_BIT);
  }
  if (type < 0) {
    return Unavailable("Vulkan device '", ctx->info().name, "' has no memory type for the ", what,
                       " (type bits 0x", req.memoryTypeBits, ")");
  }
  VkMemoryAllocateInfo alloc{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  alloc.allocationSize = req.size;
  alloc.memoryTypeIndex = static_cast<uint32_t>(type);
  MOTA_VK_RETURN_IF_ERROR(api.AllocateMemory(ctx->device(), &alloc, nullptr, &b->memory_),
                          "vkAllocateMemory",
                          StrCat("allocating ", req.size, " bytes for the ", what));
  MOTA_VK_RETURN_IF_ERROR(api.BindBufferMemory(ctx->device(), b->buffer_, b->memory_, 0),
                          "vkBindBufferMemory", StrCat("binding the ", what));
  const bool host_visible =
      ctx->FindMemoryType(1u << type, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT, 0) == type;
  if (host_visible) {
    b->coherent_ = ctx->FindMemoryType(1u << type, VK_MEMORY_PROPERTY_HOST_COHERENT_BIT, 0) == type;
    void* p = nullptr;
    MOTA_VK_RETURN_IF_ERROR(api.MapMemory(ctx->device(), b->memory_, 0, VK_WHOLE_SIZE, 0, &p),
                            "vkMapMemory", StrCat("mapping the ", what));
    b->mapped_ = static_cast<uint8_t*>(p);
  }
  return b;
}

DeviceBuffer::~DeviceBuffer() {
  const Api& api = ctx_->api();
  if (mapped_ != nullptr) api.UnmapMemory(ctx_->device(), memory_);
  if (buffer_ != VK_NULL_HANDLE) api.DestroyBuffer(ctx_->device(), buffer_, nullptr);
  if (memory_ != VK_NULL_HANDLE) api.FreeMemory(ctx_->device(), memory_, nullptr);
}

Status DeviceBuffer::Flush(uint64_t offset, uint64_t size) {
  if (coherent_ || size == 0) return Status::Ok();
  // Non-coherent ranges must be multiples of nonCoherentAtomSize: flush the whole mapping.
  VkMappedMemoryRange range{VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE};
  range.memory = memory_;
  range.offset = 0;
  range.size = VK_WHOLE_SIZE;
  MOTA_VK_RETURN_IF_ERROR(ctx_->api().FlushMappedMemoryRanges(ctx_->device(), 1, &range),
                          "vkFlushMappedMemoryRanges", "flushing staged inputs");
  return Status::Ok();
}

Status DeviceBuffer::Invalidate(uint64_t offset, uint64_t size) {
  if (coherent_ || size == 0) return Status::Ok();
  VkMappedMemoryRange range{VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE};
  range.memory = memory_;
  range.offset = 0;
  range.size = VK_WHOLE_SIZE;
  MOTA_VK_RETURN_IF_ERROR(ctx_->api().InvalidateMappedMemoryRanges(ctx_->device(), 1, &range),
                          "vkInvalidateMappedMemoryRanges", "reading back outputs");
  return Status::Ok();
}

uint64_t AssignOffsets(std::span<const Lifetime> buffers, uint64_t alignment,
                       std::vector<uint64_t>* offsets) {
  offsets->assign(buffers.size(), 0);
  std::vector<size_t> order(buffers.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return buffers[a].size > buffers[b].size; });
  struct Placed {
    uint64_t begin, end;
    int32_t first, last;
  };
  std::vector<Placed> placed;
  uint64_t total = 0;
  for (size_t i : order) {
    const Lifetime& b = buffers[i];
    const uint64_t size = AlignUp(std::max<uint64_t>(b.size, 4), alignment);
    // Conflicting ranges sorted by start; take the first gap that fits.
    std::vector<std::pair<uint64_t, uint64_t>> busy;
    for (const Placed& p : placed) {
      if (p.first <= b.last && b.first <= p.last) busy.emplace_back(p.begin, p.end);
    }
    std::sort(busy.begin(), busy.end());
    uint64_t offset = 0;
    for (const auto& [begin, end] : busy) {
      if (offset + size <= begin) break;
      offset = std::max(offset, AlignUp(end, alignment));
    }
    (*offsets)[i] = offset;
    placed.push_back({offset, offset + size, b.first, b.last});
    total = std::max(total, offset + size);
  }
  return total;
}

}  // namespace mota::exec::vk
