// A Vulkan instance, one chosen physical device, a logical device and its compute queue.
//
// Device choice: discrete GPU > integrated GPU > virtual GPU > CPU (lavapipe, SwiftShader);
// MOTA_VULKAN_DEVICE (or ContextOptions::device) picks one by index ("1") or by a case-insensitive
// part of its name ("llvmpipe"). Features: shaderFloat16 and storageBuffer16BitAccess are enabled
// when the device has them (recorded in DeviceInfo for the fp16 path). Every failure is a Status
// that names the call: no loader or no device -> UNAVAILABLE, so the caller falls back to the CPU.
//
// Thread safety: the context is shared by a backend's executables. Queue submission must be
// externally synchronized (Vulkan's rule): take queue_mutex() around vkQueueSubmit.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "exec/vulkan/vk_api.h"

namespace mota::exec::vk {

struct DeviceInfo {
  std::string name;
  uint32_t index = 0;  // in vkEnumeratePhysicalDevices order
  uint32_t vendor_id = 0;
  uint32_t device_id = 0;
  uint32_t driver_version = 0;
  uint32_t api_version = 0;
  VkPhysicalDeviceType type = VK_PHYSICAL_DEVICE_TYPE_OTHER;
  uint8_t pipeline_cache_uuid[VK_UUID_SIZE] = {};
  bool shader_float16 = false;  // fp16 arithmetic in shaders
  bool storage_16bit = false;   // fp16 values in storage buffers
  uint32_t subgroup_size = 0;   // 0 when unknown
  uint32_t max_workgroup_invocations = 128;
  uint32_t max_workgroup_size[3] = {128, 128, 64};
  uint32_t max_workgroup_count[3] = {65535, 65535, 65535};
  uint32_t max_shared_memory = 16384;
  uint32_t max_push_constants = 128;
  uint64_t storage_offset_alignment = 256;
  uint64_t max_storage_range = uint64_t{1} << 27;
  bool timestamps = false;        // the compute queue writes timestamps (profiling)
  float timestamp_period_ns = 1;  // nanoseconds per timestamp tick
};

// "discrete GPU", "integrated GPU", "CPU", ...
const char* DeviceTypeName(VkPhysicalDeviceType type);

struct ContextOptions {
  // Empty: $MOTA_VULKAN_DEVICE, else the best device. Else an index or a part of a name.
  std::string device;
  // Enable VK_LAYER_KHRONOS_validation when installed (also when $MOTA_VULKAN_VALIDATION=1).
  bool validation = false;
  // false: leave shaderFloat16 and 16-bit storage off even where the device has them
  // (DeviceInfo then reports them absent, so every executable runs fp32).
  bool fp16_features = true;
};

class Context {
 public:
  static Result<std::shared_ptr<Context>> Create(const ContextOptions& options = {});
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  const Api& api() const { return api_; }
  VkDevice device() const { return device_; }
  VkQueue queue() const { return queue_; }
  uint32_t queue_family() const { return queue_family_; }
  const DeviceInfo& info() const { return info_; }
  bool validation_enabled() const { return validation_; }
  std::mutex& queue_mutex() { return queue_mutex_; }

  // The index of a memory type allowed by `type_bits` with all `required` flags, preferring one
  // that also has `preferred`; -1 when none has `required`.
  int32_t FindMemoryType(uint32_t type_bits, VkMemoryPropertyFlags required,
                         VkMemoryPropertyFlags preferred) const;

  // Every device the loader reports, as "index: name (type)" lines, for error messages.
  const std::string& device_list() const { return device_list_; }

 private:
  Context() = default;
  Status CreateInstance(bool validation);
  Status ChooseDevice(const std::string& wanted);
  Status CreateDevice(bool fp16_features);

  Api api_;
  VkInstance instance_ = VK_NULL_HANDLE;
  VkPhysicalDevice physical_ = VK_NULL_HANDLE;
  VkDevice device_ = VK_NULL_HANDLE;
  VkQueue queue_ = VK_NULL_HANDLE;
  uint32_t queue_family_ = 0;
  DeviceInfo info_;
  VkPhysicalDeviceMemoryProperties memory_ = {};
  bool validation_ = false;
  bool has_float16_extension_ = false;
  std::string device_list_;
  std::mutex queue_mutex_;
};

}  // namespace mota::exec::vk
