#include "exec/vulkan/vk_context.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>

namespace mota::exec::vk {
namespace {

constexpr const char* kValidationLayer = "VK_LAYER_KHRONOS_validation";

bool EnvFlag(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && (std::strcmp(v, "1") == 0 || std::strcmp(v, "true") == 0);
}

int DeviceTypeRank(VkPhysicalDeviceType type) {
  switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
      return 4;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
      return 3;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
      return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
      return 1;
    default:
      return 0;
  }
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool IsIndex(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c));
  });
}

}  // namespace

const char* DeviceTypeName(VkPhysicalDeviceType type) {
  switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
      return "discrete GPU";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
      return "integrated GPU";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
      return "virtual GPU";
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
      return "CPU";
    default:
      return "other";
  }
}

Result<std::shared_ptr<Context>> Context::Create(const ContextOptions& options) {
  MOTA_ASSIGN_OR_RETURN(const Api* global, LoadGlobalApi());
  std::shared_ptr<Context> ctx(new Context());
  ctx->api_ = *global;
  MOTA_RETURN_IF_ERROR(
      ctx->CreateInstance(options.validation || EnvFlag("MOTA_VULKAN_VALIDATION")));
  std::string wanted = options.device;
  if (wanted.empty()) {
    const char* env = std::getenv("MOTA_VULKAN_DEVICE");
    if (env != nullptr) wanted = env;
  }
  MOTA_RETURN_IF_ERROR(ctx->ChooseDevice(wanted));
  MOTA_RETURN_IF_ERROR(ctx->CreateDevice(options.fp16_features));
  return ctx;
}

Context::~Context() {
  if (device_ != VK_NULL_HANDLE) {
    api_.DeviceWaitIdle(device_);
    api_.DestroyDevice(device_, nullptr);
  }
  if (instance_ != VK_NULL_HANDLE) api_.DestroyInstance(instance_, nullptr);
}

Status Context::CreateInstance(bool validation) {
  std::vector<const char*> layers;
  if (validation) {
    uint32_t count = 0;
    api_.EnumerateInstanceLayerProperties(&count, nullptr);
    std::vector<VkLayerProperties> props(count);
    api_.EnumerateInstanceLayerProperties(&count, props.data());
    for (const VkLayerProperties& p : props) {
      if (std::strcmp(p.layerName, kValidationLayer) == 0) layers.push_back(kValidationLayer);
    }
    validation_ = !layers.empty();
  }
  VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
  app.pApplicationName = "mota";
  app.pEngineName = "mota";
  app.apiVersion = VK_API_VERSION_1_1;
  VkInstanceCreateInfo info{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
  info.pApplicationInfo = &app;
  info.enabledLayerCount = static_cast<uint32_t>(layers.size());
  info.ppEnabledLayerNames = layers.data();
  const VkResult r = api_.CreateInstance(&info, nullptr, &instance_);
  if (r != VK_SUCCESS) {
    instance_ = VK_NULL_HANDLE;
    if (r == VK_ERROR_INCOMPATIBLE_DRIVER) {
      return Unavailable(
          "vkCreateInstance failed with VK_ERROR_INCOMPATIBLE_DRIVER: no Vulkan 1.1 "
          "driver is installed; use a CPU backend");
    }
    return VkError(r, "vkCreateInstance", "creating a Vulkan 1.1 instance");
  }
  return LoadInstanceApi(instance_, &api_);
}

Status Context::ChooseDevice(const std::string& wanted) {
  uint32_t count = 0;
  MOTA_VK_RETURN_IF_ERROR(api_.EnumeratePhysicalDevices(instance_, &count, nullptr),
                          "vkEnumeratePhysicalDevices", "listing Vulkan devices");
  std::vector<VkPhysicalDevice> devices(count);
  MOTA_VK_RETURN_IF_ERROR(api_.EnumeratePhysicalDevices(instance_, &count, devices.data()),
                          "vkEnumeratePhysicalDevices", "listing Vulkan devices");
  if (devices.empty()) {
    return Unavailable("no Vulkan device: the loader found no physical device; use a CPU backend");
  }
  int best = -1, best_rank = -1;
  for (uint32_t i = 0; i < count; ++i) {
    VkPhysicalDeviceProperties p;
    api_.GetPhysicalDeviceProperties(devices[i], &p);
    device_list_ += StrCat(device_list_.empty() ? "" : ", ", i, ": ", p.deviceName, " (",
                           DeviceTypeName(p.deviceType), ")");
    if (p.apiVersion < VK_API_VERSION_1_1) continue;  // subgroups, 16-bit storage need 1.1
    uint32_t families = 0;
    api_.GetPhysicalDeviceQueueFamilyProperties(devices[i], &families, nullptr);
    std::vector<VkQueueFamilyProperties> fam(families);
    api_.GetPhysicalDeviceQueueFamilyProperties(devices[i], &families, fam.data());
    const bool compute = std::any_of(fam.begin(), fam.end(), [](const VkQueueFamilyProperties& f) {
      return (f.queueFlags & VK_QUEUE_COMPUTE_BIT) != 0;
    });
    if (!compute) continue;
    bool match;
    if (wanted.empty()) {
      match = true;
    } else if (IsIndex(wanted)) {
      match = std::to_string(i) == wanted;
    } else {
      match = Lower(p.deviceName).find(Lower(wanted)) != std::string::npos;
    }
    if (match && DeviceTypeRank(p.deviceType) > best_rank) {
      best = static_cast<int>(i);
      best_rank = DeviceTypeRank(p.deviceType);
    }
  }
  if (best < 0) {
    if (!wanted.empty()) {
      return NotFound("no Vulkan 1.1 compute device matches MOTA_VULKAN_DEVICE '", wanted,
                      "' (expected an index or part of a name); devices: ", device_list_);
    }
    return Unavailable("no Vulkan 1.1 device with a compute queue among: ", device_list_,
                       "; use a CPU backend");
  }
  physical_ = devices[best];
  info_.index = static_cast<uint32_t>(best);
  return Status::Ok();
}

Status Context::CreateDevice(bool fp16_features) {
  VkPhysicalDeviceSubgroupProperties subgroup{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
  VkPhysicalDeviceProperties2 props2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
  props2.pNext = &subgroup;
  api_.GetPhysicalDeviceProperties2(physical_, &props2);
  const VkPhysicalDeviceProperties& p = props2.properties;
  info_.name = p.deviceName;
  info_.vendor_id = p.vendorID;
  info_.device_id = p.deviceID;
  info_.driver_version = p.driverVersion;
  info_.api_version = p.apiVersion;
  info_.type = p.deviceType;
  std::memcpy(info_.pipeline_cache_uuid, p.pipelineCacheUUID, VK_UUID_SIZE);
  info_.subgroup_size = subgroup.subgroupSize;
  info_.max_workgroup_invocations = p.limits.maxComputeWorkGroupInvocations;
  for (int d = 0; d < 3; ++d) {
    info_.max_workgroup_size[d] = p.limits.maxComputeWorkGroupSize[d];
    info_.max_workgroup_count[d] = p.limits.maxComputeWorkGroupCount[d];
  }
  info_.max_shared_memory = p.limits.maxComputeSharedMemorySize;
  info_.max_push_constants = p.limits.maxPushConstantsSize;
  info_.storage_offset_alignment = std::max<uint64_t>(4, p.limits.minStorageBufferOffsetAlignment);
  info_.max_storage_range = p.limits.maxStorageBufferRange;
  api_.GetPhysicalDeviceMemoryProperties(physical_, &memory_);

  // Optional fp16 features: the float16 one is core in 1.2, an extension before.
  uint32_t ext_count = 0;
  api_.EnumerateDeviceExtensionProperties(physical_, nullptr, &ext_count, nullptr);
  std::vector<VkExtensionProperties> exts(ext_count);
  api_.EnumerateDeviceExtensionProperties(physical_, nullptr, &ext_count, exts.data());
  for (const VkExtensionProperties& e : exts) {
    if (std::strcmp(e.extensionName, VK_KHR_SHADER_FLOAT16_INT8_EXTENSION_NAME) == 0) {
      has_float16_extension_ = true;
    }
  }
  VkPhysicalDeviceShaderFloat16Int8Features f16{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES};
  VkPhysicalDevice16BitStorageFeatures s16{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES};
  VkPhysicalDeviceFeatures2 features{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
  const bool f16_queryable = has_float16_extension_ || p.apiVersion >= VK_API_VERSION_1_2;
  s16.pNext = f16_queryable ? &f16 : nullptr;
  features.pNext = &s16;
  api_.GetPhysicalDeviceFeatures2(physical_, &features);
  info_.shader_float16 = fp16_features && f16_queryable && f16.shaderFloat16 == VK_TRUE;
  info_.storage_16bit = fp16_features && s16.storageBuffer16BitAccess == VK_TRUE;
  // Enable only what is used: fp16 storage and arithmetic; nothing else of these structs.
  VkPhysicalDeviceShaderFloat16Int8Features f16_on{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES};
  f16_on.shaderFloat16 = info_.shader_float16 ? VK_TRUE : VK_FALSE;
  VkPhysicalDevice16BitStorageFeatures s16_on{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES};
  s16_on.storageBuffer16BitAccess = info_.storage_16bit ? VK_TRUE : VK_FALSE;
  s16_on.pNext = info_.shader_float16 ? &f16_on : nullptr;

  uint32_t families = 0;
  api_.GetPhysicalDeviceQueueFamilyProperties(physical_, &families, nullptr);
  std::vector<VkQueueFamilyProperties> fam(families);
  api_.GetPhysicalDeviceQueueFamilyProperties(physical_, &families, fam.data());
  // Prefer a compute-only family (async compute on desktop GPUs), else any with compute.
  int chosen = -1;
  for (uint32_t i = 0; i < families; ++i) {
    if ((fam[i].queueFlags & VK_QUEUE_COMPUTE_BIT) == 0) continue;
    const bool compute_only = (fam[i].queueFlags & VK_QUEUE_GRAPHICS_BIT) == 0;
    if (chosen < 0 || compute_only) chosen = static_cast<int>(i);
    if (compute_only) break;
  }
  queue_family_ = static_cast<uint32_t>(chosen);
  info_.timestamps = fam[queue_family_].timestampValidBits > 0 && p.limits.timestampPeriod > 0;
  info_.timestamp_period_ns = p.limits.timestampPeriod;
  const float priority = 1.0f;
  VkDeviceQueueCreateInfo queue{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
  queue.queueFamilyIndex = queue_family_;
  queue.queueCount = 1;
  queue.pQueuePriorities = &priority;
  std::vector<const char*> extensions;
  if (info_.shader_float16 && p.apiVersion < VK_API_VERSION_1_2) {
    extensions.push_back(VK_KHR_SHADER_FLOAT16_INT8_EXTENSION_NAME);
  }
  VkDeviceCreateInfo info{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
  info.pNext = &s16_on;
  info.queueCreateInfoCount = 1;
  info.pQueueCreateInfos = &queue;
  info.enabledExtensionCount = static_cast<uint32_t>(extensions.size());
  info.ppEnabledExtensionNames = extensions.data();
  const VkResult r = api_.CreateDevice(physical_, &info, nullptr, &device_);
  if (r != VK_SUCCESS) {
    device_ = VK_NULL_HANDLE;
    return VkError(r, "vkCreateDevice", StrCat("opening Vulkan device '", info_.name, "'"));
  }
  api_.GetDeviceQueue(device_, queue_family_, 0, &queue_);
  return Status::Ok();
}

int32_t Context::FindMemoryType(uint32_t type_bits, VkMemoryPropertyFlags required,
                                VkMemoryPropertyFlags preferred) const {
  int32_t fallback = -1;
  for (uint32_t i = 0; i < memory_.memoryTypeCount; ++i) {
    if ((type_bits & (1u << i)) == 0) continue;
    const VkMemoryPropertyFlags flags = memory_.memoryTypes[i].propertyFlags;
    if ((flags & required) != required) continue;
    if ((flags & preferred) == preferred) return static_cast<int32_t>(i);
    if (fallback < 0) fallback = static_cast<int32_t>(i);
  }
  return fallback;
}

}  // namespace mota::exec::vk
