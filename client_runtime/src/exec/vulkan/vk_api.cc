#include "exec/vulkan/vk_api.h"

#include <dlfcn.h>

#include <mutex>
#include <string>

namespace mota::exec::vk {
namespace {

struct Loaded {
  Api api;
  Status status;
};

Loaded LoadOnce() {
  Loaded loaded;
  // Android and most Linux distributions ship the loader as libvulkan.so(.1).
  void* lib = dlopen("libvulkan.so.1", RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) lib = dlopen("libvulkan.so", RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    const char* why = dlerror();
    loaded.status = Unavailable("no Vulkan loader: dlopen(\"libvulkan.so.1\") failed (",
                                why != nullptr ? why : "unknown reason",
                                "); install a Vulkan driver or use a CPU backend");
    return loaded;
  }
  // Never dlclose: function pointers stay valid for the life of the process.
  loaded.api.GetInstanceProcAddr =
      reinterpret_cast<PFN_vkGetInstanceProcAddr>(dlsym(lib, "vkGetInstanceProcAddr"));
  if (loaded.api.GetInstanceProcAddr == nullptr) {
    loaded.status = Unavailable("the Vulkan loader has no vkGetInstanceProcAddr symbol");
    return loaded;
  }
#define MOTA_VK_LOAD(name)                                                                        \
  loaded.api.name =                                                                               \
      reinterpret_cast<PFN_vk##name>(loaded.api.GetInstanceProcAddr(VK_NULL_HANDLE, "vk" #name)); \
  if (loaded.api.name == nullptr) {                                                               \
    loaded.status = Unavailable("the Vulkan loader does not provide vk" #name);                   \
    return loaded;                                                                                \
  }
  MOTA_VK_GLOBAL_FUNCTIONS(MOTA_VK_LOAD)
#undef MOTA_VK_LOAD
  return loaded;
}

}  // namespace

Result<const Api*> LoadGlobalApi() {
  static std::once_flag once;
  static Loaded* loaded = nullptr;
  std::call_once(once, [] { loaded = new Loaded(LoadOnce()); });
  if (!loaded->status.ok()) return loaded->status;
  return &loaded->api;
}

Status LoadInstanceApi(VkInstance instance, Api* api) {
#define MOTA_VK_LOAD(name)                                                                    \
  api->name = reinterpret_cast<PFN_vk##name>(api->GetInstanceProcAddr(instance, "vk" #name)); \
  if (api->name == nullptr) {                                                                 \
    return Unavailable("the Vulkan instance does not provide vk" #name                        \
                       " (Vulkan 1.1 is required)");                                          \
  }
  MOTA_VK_INSTANCE_FUNCTIONS(MOTA_VK_LOAD)
#undef MOTA_VK_LOAD
  return Status::Ok();
}

const char* VkResultName(VkResult result) {
  switch (result) {
#define MOTA_VK_CASE(r) \
  case r:               \
    return #r;
    MOTA_VK_CASE(VK_SUCCESS)
    MOTA_VK_CASE(VK_NOT_READY)
    MOTA_VK_CASE(VK_TIMEOUT)
    MOTA_VK_CASE(VK_INCOMPLETE)
    MOTA_VK_CASE(VK_ERROR_OUT_OF_HOST_MEMORY)
    MOTA_VK_CASE(VK_ERROR_OUT_OF_DEVICE_MEMORY)
    MOTA_VK_CASE(VK_ERROR_INITIALIZATION_FAILED)
    MOTA_VK_CASE(VK_ERROR_DEVICE_LOST)
    MOTA_VK_CASE(VK_ERROR_MEMORY_MAP_FAILED)
    MOTA_VK_CASE(VK_ERROR_LAYER_NOT_PRESENT)
    MOTA_VK_CASE(VK_ERROR_EXTENSION_NOT_PRESENT)
    MOTA_VK_CASE(VK_ERROR_FEATURE_NOT_PRESENT)
    MOTA_VK_CASE(VK_ERROR_INCOMPATIBLE_DRIVER)
    MOTA_VK_CASE(VK_ERROR_TOO_MANY_OBJECTS)
    MOTA_VK_CASE(VK_ERROR_FORMAT_NOT_SUPPORTED)
    MOTA_VK_CASE(VK_ERROR_FRAGMENTED_POOL)
    MOTA_VK_CASE(VK_ERROR_OUT_OF_POOL_MEMORY)
    MOTA_VK_CASE(VK_ERROR_INVALID_SHADER_NV)
#undef MOTA_VK_CASE
    default:
      return "VK_ERROR_UNKNOWN";
  }
}

Status VkError(VkResult result, const char* call, std::string_view what) {
  std::string message = StrCat(call, " failed with ", VkResultName(result), " (",
                               static_cast<int>(result), ") while ", what);
  switch (result) {
    case VK_ERROR_OUT_OF_HOST_MEMORY:
    case VK_ERROR_OUT_OF_DEVICE_MEMORY:
    case VK_ERROR_OUT_OF_POOL_MEMORY:
    case VK_ERROR_FRAGMENTED_POOL:
      return OutOfMemory(message);
    case VK_ERROR_DEVICE_LOST:
    case VK_ERROR_INITIALIZATION_FAILED:
    case VK_ERROR_INCOMPATIBLE_DRIVER:
    case VK_ERROR_EXTENSION_NOT_PRESENT:
    case VK_ERROR_FEATURE_NOT_PRESENT:
    case VK_TIMEOUT:
      return Unavailable(message, "; use a CPU backend");
    default:
      return Internal(message);
  }
}

}  // namespace mota::exec::vk
