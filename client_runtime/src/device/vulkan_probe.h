// Every Vulkan physical device (device-profile.md `vulkan[]`), found through the Vulkan loader
// opened with dlopen at run time: libmota has no link dependency on Vulkan, and a device
// without a loader, a driver or a GPU simply has an empty list.
#pragma once

#include <string>
#include <vector>

#include "manifests/lib/device_profile/device_profile.h"

namespace mota::device {

// The platform's loader: "libvulkan.so" on Android, "libvulkan.so.1" elsewhere.
const char* DefaultVulkanLibrary();

// Lists the devices. `library` names the loader to dlopen (empty: DefaultVulkanLibrary());
// `os` decodes driver versions (DecodeDriverVersion). Never fails: a missing loader, a failed
// instance creation or no device give an empty list, and `note` (when not null) says why.
// Creates and destroys one VkInstance; thread-safe as the loader is.
std::vector<device_profile::VulkanDevice> ProbeVulkan(const std::string& library,
                                                      const std::string& os, std::string* note);

}  // namespace mota::device
