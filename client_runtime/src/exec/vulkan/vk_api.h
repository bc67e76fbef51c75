// The Vulkan entry points mota uses, loaded at run time with dlopen("libvulkan.so.1") instead of
// linked: a phone or a server without a Vulkan loader must still load libmota and run on the CPU
// (the backend then reports UNAVAILABLE). One process-wide table, loaded once (thread-safe).
#pragma once

#define VK_NO_PROTOTYPES
#include <vulkan/vulkan.h>

#include "base/status.h"

namespace mota::exec::vk {

// UNAVAILABLE: no usable Vulkan here (no loader, no device, device lost): the caller runs on
// the CPU instead. (manifests/lib/status has no helper for this code.)
template <typename... Args>
Status Unavailable(const Args&... args) {
  return Status(StatusCode::kUnavailable, StrCat(args...));
}

// Global (pre-instance) functions.
#define MOTA_VK_GLOBAL_FUNCTIONS(X) \
  X(CreateInstance)                 \
  X(EnumerateInstanceLayerProperties)

// Everything else, resolved through vkGetInstanceProcAddr on the instance.
#define MOTA_VK_INSTANCE_FUNCTIONS(X)       \
  X(DestroyInstance)                        \
  X(EnumeratePhysicalDevices)               \
  X(GetPhysicalDeviceProperties)            \
  X(GetPhysicalDeviceProperties2)           \
  X(GetPhysicalDeviceFeatures2)             \
  X(GetPhysicalDeviceMemoryProperties)      \
  X(GetPhysicalDeviceQueueFamilyProperties) \
  X(EnumerateDeviceExtensionProperties)     \
  X(CreateDevice)                           \
  X(DestroyDevice)                          \
  X(GetDeviceQueue)                         \
  X(DeviceWaitIdle)                         \
  X(AllocateMemory)                         \
  X(FreeMemory)                             \
  X(MapMemory)                              \
  X(UnmapMemory)                            \
  X(FlushMappedMemoryRanges)                \
  X(InvalidateMappedMemoryRanges)           \
  X(CreateBuffer)                           \
  X(DestroyBuffer)                          \
  X(GetBufferMemoryRequirements)            \
  X(BindBufferMemory)                       \
  X(CreateShaderModule)                     \
  X(DestroyShaderModule)                    \
  X(CreatePipelineCache)                    \
  X(DestroyPipelineCache)                   \
  X(GetPipelineCacheData)                   \
  X(CreateDescriptorSetLayout)              \
  X(DestroyDescriptorSetLayout)             \
  X(CreatePipelineLayout)                   \
  X(DestroyPipelineLayout)                  \
  X(CreateComputePipelines)                 \
  X(DestroyPipeline)                        \
  X(CreateDescriptorPool)                   \
  X(DestroyDescriptorPool)                  \
  X(AllocateDescriptorSets)                 \
  X(UpdateDescriptorSets)                   \
  X(CreateCommandPool)                      \
  X(DestroyCommandPool)                     \
  X(AllocateCommandBuffers)                 \
  X(BeginCommandBuffer)                     \
  X(EndCommandBuffer)                       \
  X(CmdBindPipeline)                        \
  X(CmdBindDescriptorSets)                  \
  X(CmdPushConstants)                       \
  X(CmdDispatch)                            \
  X(CmdPipelineBarrier)                     \
  X(CmdCopyBuffer)                          \
  X(CreateFence)                            \
  X(DestroyFence)                           \
  X(ResetFences)                            \
  X(WaitForFences)                          \
  X(GetFenceStatus)                         \
  X(QueueSubmit)                            \
  X(CreateQueryPool)                        \
  X(DestroyQueryPool)                       \
  X(CmdResetQueryPool)                      \
  X(CmdWriteTimestamp)                      \
  X(GetQueryPoolResults)

struct Api {
  PFN_vkGetInstanceProcAddr GetInstanceProcAddr = nullptr;
#define MOTA_VK_DECLARE(name) PFN_vk##name name = nullptr;
  MOTA_VK_GLOBAL_FUNCTIONS(MOTA_VK_DECLARE)
  MOTA_VK_INSTANCE_FUNCTIONS(MOTA_VK_DECLARE)
#undef MOTA_VK_DECLARE
};

// The global functions, loaded once per process. UNAVAILABLE (naming the library) when no
// Vulkan loader is installed.
Result<const Api*> LoadGlobalApi();
// The full table for `instance` (a copy per instance: entry points may differ between them).
Status LoadInstanceApi(VkInstance instance, Api* api);

// "VK_ERROR_DEVICE_LOST" etc. for messages.
const char* VkResultName(VkResult result);
// A Status for a failed call: out-of-memory results become kOutOfMemory, device loss and
// initialization failures kUnavailable (the caller falls back to the CPU), others kInternal.
// The message names the call and what it was for.
Status VkError(VkResult result, const char* call, std::string_view what);

}  // namespace mota::exec::vk

// Returns a Status from the enclosing function when a Vulkan call fails.
#define MOTA_VK_RETURN_IF_ERROR(call_expr, call_name, what)               \
  do {                                                                    \
    const VkResult mota_vk_result_ = (call_expr);                         \
    if (mota_vk_result_ != VK_SUCCESS) {                                  \
      return ::mota::exec::vk::VkError(mota_vk_result_, call_name, what); \
    }                                                                     \
  } while (false)
