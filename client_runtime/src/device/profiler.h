// The device profile of the device we run on (manifests/spec/device-profile.md): detected once,
// then completed by the app through setters with what only it can ask the OS (SoC model,
// network, battery, thermal state). The device client matches Facts() against each variant's
// `requires`.
//
//   device::Profiler profiler;                    // detects: CPU, RAM, OS, Vulkan devices
//   MOTA_RETURN_IF_ERROR(profiler.SetSoc("SM8550"));
//   conditions::Fit fit = conditions::Evaluate(requires_, profiler.Facts());
//
// Not thread-safe: the owner (the client) serializes access. Exception-free.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "manifests/lib/conditions/conditions.h"
#include "manifests/lib/device_profile/device_profile.h"

namespace mota::device {

struct DetectOptions {
  std::string sysfs_root = "/sys";    // tests pass a fake tree
  std::string procfs_root = "/proc";  // meminfo
  bool probe_vulkan = true;
  std::string vulkan_library;  // empty: DefaultVulkanLibrary()
};

// One-shot detection. Never fails: what cannot be detected stays unknown (0 / empty), and
// `notes` (when not null) gets one line per fact that could not be detected, with the reason.
device_profile::DeviceProfile DetectDeviceProfile(const DetectOptions& options,
                                                  std::vector<std::string>* notes = nullptr);

// This libmota's version, "MAJOR.MINOR.PATCH" (the fact min_runtime_version checks).
const char* RuntimeVersion();

class Profiler {
 public:
  explicit Profiler(const DetectOptions& options = {});

  const device_profile::DeviceProfile& profile() const { return profile_; }
  const std::vector<std::string>& notes() const { return notes_; }
  conditions::DeviceFacts Facts() const;

  // App-supplied facts (device-profile.md `app`). Each checks its value and says what is allowed.
  Status SetSoc(std::string_view soc);  // Build.SOC_MODEL, e.g. "SM8550"; 1..64 printable ASCII
  Status SetDeviceModel(std::string_view model);  // Build.MODEL; 1..128 printable ASCII
  void SetMetered(bool metered) { profile_.app.metered = metered; }
  Status SetBattery(int64_t percent, bool charging);  // percent 0..100
  Status SetThermal(std::string_view state);          // one of device_profile::kThermalStates
  // Android release ("14") and SDK level (34), when the app's view differs from the system
  // properties (or native code could not read them).
  Status SetAndroidVersion(std::string_view release, int64_t api_level);

 private:
  device_profile::DeviceProfile profile_;
  std::vector<std::string> notes_;
};

}  // namespace mota::device
