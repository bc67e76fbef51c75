// Driver quirks of the Vulkan backend, from the variant's metadata: known-bad (vendor, device,
// driver range) combinations and what to do on them.
//
// JSON form (a list; `when` is a device condition of manifests/spec/deploy-spec.md with only
// its `gpu` part, parsed by manifests/lib/conditions):
//   [{"when": {"gpu": {"vendor_ids": [4318], "driver_version": {"max": "535.0"}}},
//     "action": "disable_fp16",  // or "disable_backend", or "tuning" with "tuning": "k=v,..."
//     "reason": "fp16 convolutions return NaN on 53x drivers"}]
// The device's driver version is decoded per vendor (device_profile::DecodeDriverVersion) before
// it is compared, as the variant selector does. Every matching quirk applies: disable_backend
// makes Prepare return INCOMPATIBLE with the reason (a Session then falls back to the CPU),
// disable_fp16 keeps the backend in fp32, tuning overrides the tuning parameters (after the
// variant's own: a quirk is a workaround, it wins; a set this device cannot run is skipped and
// noted in the backend's applied_quirks() and parameter_notes()).
//
//   MOTA_ASSIGN_OR_RETURN(options.quirks, ParseVulkanQuirks(custom["vulkan_quirks"], path));
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "exec/vulkan/vk_context.h"
#include "manifests/lib/conditions/conditions.h"

namespace mota::exec::vk {

struct VulkanQuirk {
  enum class Action { kDisableFp16, kDisableBackend, kTuning };
  conditions::GpuConditions when;
  Action action = Action::kDisableFp16;
  std::string tuning;  // kTuning: "key=value,..." (vk_tuning.h)
  std::string reason;
};

// INVALID_ARGUMENT naming the entry and field (`what` + "[i].action") for a malformed entry, an
// unknown action, or a `when` with conditions other than `gpu` (a backend quirk is checked
// against the GPU only; the selector handles the rest).
Result<std::vector<VulkanQuirk>> ParseVulkanQuirks(const nlohmann::json& json,
                                                   std::string_view what);

// Whether `quirk` applies to `device`.
bool QuirkApplies(const VulkanQuirk& quirk, const DeviceInfo& device);

// "disable_fp16", "disable_backend", "tuning".
const char* QuirkActionName(VulkanQuirk::Action action);

// The device as a quirk sees it: "vendor 0x10de device 0x2330 driver 580.159.4.0".
std::string QuirkDeviceText(const DeviceInfo& device);

}  // namespace mota::exec::vk
