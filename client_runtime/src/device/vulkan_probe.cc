// Vulkan discovery through dlopen: only the loader's entry point is looked up with dlsym; every
// other function comes from vkGetInstanceProcAddr, so nothing links against libvulkan.
#include "device/vulkan_probe.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstring>

#include "manifests/lib/device_profile/driver_version.h"
#include "manifests/lib/status/status.h"

#if __has_include(<vulkan/vulkan_core.h>)
#define VK_NO_PROTOTYPES 1
#include <vulkan/vulkan_core.h>
#define MOTA_HAVE_VULKAN_HEADERS 1
#endif

namespace mota::device {

const char* DefaultVulkanLibrary() {
#if defined(__ANDROID__)
  return "libvulkan.so";
#else
  return "libvulkan.so.1";
#endif
}

#if MOTA_HAVE_VULKAN_HEADERS
namespace {

using device_profile::DecodeApiVersion;
using device_profile::DecodeDriverVersion;
using device_profile::VulkanDevice;

// The instance-level functions the probe needs.
struct Api {
  PFN_vkGetInstanceProcAddr gipa = nullptr;
  PFN_vkDestroyInstance destroy = nullptr;
  PFN_vkEnumeratePhysicalDevices enumerate = nullptr;
  PFN_vkGetPhysicalDeviceProperties props = nullptr;
  PFN_vkGetPhysicalDeviceProperties2 props2 = nullptr;
  PFN_vkGetPhysicalDeviceFeatures2 features2 = nullptr;
  PFN_vkEnumerateDeviceExtensionProperties extensions = nullptr;
};

template <typename Fn>
Fn Load(PFN_vkGetInstanceProcAddr gipa, VkInstance instance, const char* name) {
  return reinterpret_cast<Fn>(gipa(instance, name));
}

const char* TypeName(VkPhysicalDeviceType t) {
  switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
      return "integrated";
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
      return "discrete";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
      return "virtual";
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
      return "cpu";
    default:
      return "other";
  }
}

std::vector<std::string> DeviceExtensions(const Api& api, VkPhysicalDevice dev) {
  uint32_t n = 0;
  if (api.extensions == nullptr || api.extensions(dev, nullptr, &n, nullptr) != VK_SUCCESS) {
    return {};
  }
  std::vector<VkExtensionProperties> list(n);
  if (api.extensions(dev, nullptr, &n, list.data()) < 0) return {};
  std::vector<std::string> names;
  for (uint32_t i = 0; i < n && i < list.size(); ++i) names.emplace_back(list[i].extensionName);
  return names;
}

// Subgroup size, driver name and the fp16 / int8 features: Vulkan 1.1 queries, with the 1.2
// structures chained only where the device has 1.2 or the extension (chaining an unsupported
// structure is invalid usage).
void QueryDetails(const Api& api, VkPhysicalDevice dev, uint32_t api_version, VulkanDevice* d) {
  const std::vector<std::string> ext = DeviceExtensions(api, dev);
  auto has = [&](const char* name) {
    return api_version >= VK_API_VERSION_1_2 ||
           std::find(ext.begin(), ext.end(), name) != ext.end();
  };
  VkPhysicalDeviceSubgroupProperties subgroup{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
  VkPhysicalDeviceDriverProperties driver{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES};
  VkPhysicalDeviceProperties2 props{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, &subgroup};
  if (has("VK_KHR_driver_properties")) subgroup.pNext = &driver;
  api.props2(dev, &props);
  const uint32_t size = subgroup.subgroupSize;
  d->subgroup_size = size <= 1024 && (size & (size - 1)) == 0 ? size : 0;
  d->driver_name.assign(driver.driverName, strnlen(driver.driverName, sizeof(driver.driverName)));

  VkPhysicalDevice16BitStorageFeatures s16{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES};
  VkPhysicalDevice8BitStorageFeatures s8{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_8BIT_STORAGE_FEATURES};
  VkPhysicalDeviceShaderFloat16Int8Features f16i8{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES};
  VkPhysicalDeviceFeatures2 features{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, &s16};
  void** tail = &s16.pNext;
  if (has("VK_KHR_8bit_storage")) {
    *tail = &s8;
    tail = &s8.pNext;
  }
  if (has("VK_KHR_shader_float16_int8")) *tail = &f16i8;
  api.features2(dev, &features);
  d->fp16 = f16i8.shaderFloat16;
  d->int8 = f16i8.shaderInt8;
  d->fp16_storage = s16.storageBuffer16BitAccess;
  d->int8_storage = s8.storageBuffer8BitAccess;
}

// `usable` is the instance's apiVersion (0: no 1.1 queries); the device may use
// min(usable, its own apiVersion) (Vulkan spec, "Version Numbers").
VulkanDevice Describe(const Api& api, uint32_t usable, VkPhysicalDevice dev,
                      const std::string& os) {
  VkPhysicalDeviceProperties p{};
  api.props(dev, &p);
  VulkanDevice d;
  d.vendor_id = p.vendorID;
  d.device_id = p.deviceID;
  d.name.assign(p.deviceName, strnlen(p.deviceName, sizeof(p.deviceName)));
  d.type = TypeName(p.deviceType);
  d.driver_version_raw = p.driverVersion;
  d.driver_version = DecodeDriverVersion(p.vendorID, p.driverVersion, os);
  d.api_version = DecodeApiVersion(p.apiVersion);
  // A Vulkan 1.0 device (or instance) has none of the 1.1 queries: its details stay unknown.
  const uint32_t version = std::min(usable, p.apiVersion);
  if (version >= VK_API_VERSION_1_1) QueryDetails(api, dev, version, &d);
  return d;
}

std::vector<VulkanDevice> Enumerate(PFN_vkGetInstanceProcAddr gipa, const std::string& os,
                                    std::string* note) {
  auto version_fn =
      Load<PFN_vkEnumerateInstanceVersion>(gipa, nullptr, "vkEnumerateInstanceVersion");
  uint32_t instance_version = VK_API_VERSION_1_0;
  if (version_fn != nullptr && version_fn(&instance_version) != VK_SUCCESS) {
    instance_version = VK_API_VERSION_1_0;
  }
  // A 1.0 loader rejects any other apiVersion; a newer one accepts any, and the device may then
  // use up to min(apiVersion, its own version).
  const bool v11 = instance_version >= VK_API_VERSION_1_1;
  VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
  app.pEngineName = "libmota device profile";
  app.apiVersion =
      v11 ? std::min<uint32_t>(instance_version, VK_API_VERSION_1_3) : VK_API_VERSION_1_0;
  VkInstanceCreateInfo info{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
  info.pApplicationInfo = &app;
  auto create = Load<PFN_vkCreateInstance>(gipa, nullptr, "vkCreateInstance");
  VkInstance instance = VK_NULL_HANDLE;
  if (create == nullptr || create(&info, nullptr, &instance) != VK_SUCCESS) {
    if (note != nullptr) *note = "vkCreateInstance failed (no Vulkan driver installed?)";
    return {};
  }
  Api api{gipa};
  api.destroy = Load<PFN_vkDestroyInstance>(gipa, instance, "vkDestroyInstance");
  api.enumerate =
      Load<PFN_vkEnumeratePhysicalDevices>(gipa, instance, "vkEnumeratePhysicalDevices");
  api.props =
      Load<PFN_vkGetPhysicalDeviceProperties>(gipa, instance, "vkGetPhysicalDeviceProperties");
  api.props2 =
      Load<PFN_vkGetPhysicalDeviceProperties2>(gipa, instance, "vkGetPhysicalDeviceProperties2");
  api.features2 =
      Load<PFN_vkGetPhysicalDeviceFeatures2>(gipa, instance, "vkGetPhysicalDeviceFeatures2");
  api.extensions = Load<PFN_vkEnumerateDeviceExtensionProperties>(
      gipa, instance, "vkEnumerateDeviceExtensionProperties");
  std::vector<VulkanDevice> out;
  uint32_t n = 0;
  if (api.enumerate != nullptr && api.props != nullptr &&
      api.enumerate(instance, &n, nullptr) == VK_SUCCESS && n > 0) {
    std::vector<VkPhysicalDevice> devs(n);
    if (api.enumerate(instance, &n, devs.data()) >= 0) {
      const bool details = v11 && api.props2 != nullptr && api.features2 != nullptr;
      for (uint32_t i = 0; i < n && i < devs.size(); ++i) {
        out.push_back(Describe(api, details ? app.apiVersion : 0, devs[i], os));
      }
    }
  }
  if (out.empty() && note != nullptr) *note = "the Vulkan loader lists no physical device";
  if (api.destroy != nullptr) api.destroy(instance, nullptr);
  return out;
}

}  // namespace

std::vector<device_profile::VulkanDevice> ProbeVulkan(const std::string& library,
                                                      const std::string& os, std::string* note) {
  const std::string name = library.empty() ? DefaultVulkanLibrary() : library;
  void* lib = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    if (note != nullptr) *note = StrCat("no Vulkan loader: dlopen(", name, ") failed: ", dlerror());
    return {};
  }
  auto gipa = reinterpret_cast<PFN_vkGetInstanceProcAddr>(dlsym(lib, "vkGetInstanceProcAddr"));
  std::vector<device_profile::VulkanDevice> out;
  if (gipa == nullptr) {
    if (note != nullptr) *note = StrCat(name, " has no vkGetInstanceProcAddr");
  } else {
    out = Enumerate(gipa, os, note);
  }
  dlclose(lib);
  return out;
}

#else  // no Vulkan headers at build time

std::vector<device_profile::VulkanDevice> ProbeVulkan(const std::string&, const std::string&,
                                                      std::string* note) {
  if (note != nullptr) *note = "built without Vulkan headers";
  return {};
}

#endif

}  // namespace mota::device
