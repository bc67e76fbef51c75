#include "exec/vulkan/vk_quirks.h"

#include <cstdio>

#include "manifests/lib/device_profile/driver_version.h"

namespace mota::exec::vk {
namespace {

// The OS name DecodeDriverVersion keys on (Intel packs its version differently on Windows).
constexpr const char* kOsName =
#if defined(_WIN32)
    "windows";
#elif defined(__ANDROID__)
    "android";
#elif defined(__APPLE__)
    "macos";
#else
    "linux";
#endif

Result<VulkanQuirk::Action> ParseAction(const nlohmann::json& q, const std::string& path) {
  auto it = q.find("action");
  if (it == q.end() || !it->is_string()) {
    return InvalidArgument(path, ".action: expected \"disable_fp16\", \"disable_backend\" or ",
                           "\"tuning\", got ", it == q.end() ? "nothing" : it->dump());
  }
  const std::string& a = it->get_ref<const std::string&>();
  if (a == "disable_fp16") return VulkanQuirk::Action::kDisableFp16;
  if (a == "disable_backend") return VulkanQuirk::Action::kDisableBackend;
  if (a == "tuning") return VulkanQuirk::Action::kTuning;
  return InvalidArgument(path, ".action: unknown action '", a,
                         "'; expected disable_fp16, disable_backend or tuning");
}

Result<VulkanQuirk> ParseQuirk(const nlohmann::json& q, const std::string& path) {
  if (!q.is_object()) return InvalidArgument(path, ": expected an object, got ", q.dump());
  VulkanQuirk quirk;
  MOTA_ASSIGN_OR_RETURN(quirk.action, ParseAction(q, path));
  auto when = q.find("when");
  if (when == q.end()) return InvalidArgument(path, ".when: missing");
  MOTA_ASSIGN_OR_RETURN(conditions::DeviceConditions c,
                        conditions::ParseConditions(*when, path + ".when"));
  if (!c.unknown_keys.empty()) {
    return InvalidArgument(path, ".when.", c.unknown_keys[0], ": not a condition this runtime ",
                           "knows");
  }
  if (!c.gpu) return InvalidArgument(path, ".when: expected a `gpu` condition");
  quirk.when = *c.gpu;
  c.gpu.reset();
  if (!c.empty()) {
    return InvalidArgument(path, ".when: a Vulkan backend quirk may only have `gpu` conditions");
  }
  if (!quirk.when.api.empty() && quirk.when.api != "vulkan") {
    return InvalidArgument(path, ".when.gpu.api: '", quirk.when.api, "' is not vulkan");
  }
  auto tuning = q.find("tuning");
  if (quirk.action == VulkanQuirk::Action::kTuning) {
    if (tuning == q.end() || !tuning->is_string() || tuning->get_ref<const std::string&>().empty())
      return InvalidArgument(path, ".tuning: expected \"key=value,...\" for action tuning");
    quirk.tuning = tuning->get<std::string>();
  } else if (tuning != q.end()) {
    return InvalidArgument(path, ".tuning: only for action tuning");
  }
  auto reason = q.find("reason");
  if (reason == q.end() || !reason->is_string()) {
    return InvalidArgument(path, ".reason: expected a string");
  }
  quirk.reason = reason->get<std::string>();
  return quirk;
}

}  // namespace

Result<std::vector<VulkanQuirk>> ParseVulkanQuirks(const nlohmann::json& json,
                                                   std::string_view what) {
  if (!json.is_array()) return InvalidArgument(what, ": expected a list, got ", json.dump());
  std::vector<VulkanQuirk> quirks;
  for (size_t i = 0; i < json.size(); ++i) {
    MOTA_ASSIGN_OR_RETURN(VulkanQuirk q, ParseQuirk(json[i], StrCat(what, "[", i, "]")));
    quirks.push_back(std::move(q));
  }
  return quirks;
}

bool QuirkApplies(const VulkanQuirk& quirk, const DeviceInfo& device) {
  conditions::DeviceConditions when;
  when.gpu = quirk.when;
  conditions::DeviceFacts facts;
  facts.gpus.push_back(conditions::GpuFacts{
      "vulkan", device.vendor_id, device.device_id,
      device_profile::DecodeDriverVersion(device.vendor_id, device.driver_version, kOsName)});
  return conditions::Matches(when, facts);
}

const char* QuirkActionName(VulkanQuirk::Action action) {
  switch (action) {
    case VulkanQuirk::Action::kDisableFp16:
      return "disable_fp16";
    case VulkanQuirk::Action::kDisableBackend:
      return "disable_backend";
    case VulkanQuirk::Action::kTuning:
      return "tuning";
  }
  return "?";
}

std::string QuirkDeviceText(const DeviceInfo& device) {
  char ids[64];
  std::snprintf(ids, sizeof(ids), "vendor 0x%04x device 0x%04x", device.vendor_id,
                device.device_id);
  return StrCat(
      ids, " driver ",
      device_profile::DecodeDriverVersion(device.vendor_id, device.driver_version, kOsName));
}

}  // namespace mota::exec::vk
