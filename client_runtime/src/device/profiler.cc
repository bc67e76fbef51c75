#include "device/profiler.h"

#include "device/cpu_info.h"
#include "device/system_info.h"
#include "device/vulkan_probe.h"
#include "manifests/lib/device_profile/facts.h"

#ifndef MOTA_RUNTIME_VERSION
#error "MOTA_RUNTIME_VERSION must come from the CMake project version"
#endif

namespace mota::device {
namespace {

// Printable ASCII of 1..max bytes: these strings go into JSON, logs and condition matches.
Status CheckText(std::string_view what, std::string_view value, size_t max) {
  bool printable = !value.empty() && value.size() <= max;
  for (char c : value) printable = printable && c >= 0x20 && c < 0x7f;
  if (printable) return Status::Ok();
  return InvalidArgument(what, " '", value, "' must be 1..", max,
                         " printable ASCII characters (got ", value.size(), " bytes)");
}

}  // namespace

const char* RuntimeVersion() { return MOTA_RUNTIME_VERSION; }

device_profile::DeviceProfile DetectDeviceProfile(const DetectOptions& options,
                                                  std::vector<std::string>* notes) {
  device_profile::DeviceProfile p;
  p.source = StrCat("detected by libmota ", RuntimeVersion());
  p.runtime_version = RuntimeVersion();
  p.cpu = DetectCpu(options.sysfs_root);
  p.ram_mb = DetectRamMb(options.procfs_root);
  p.os = DetectOs();
  std::string note;
  if (options.probe_vulkan) p.vulkan = ProbeVulkan(options.vulkan_library, p.os.name, &note);
  if (notes != nullptr) {
    if (p.cpu.clusters.empty()) notes->push_back("CPU clusters unknown: CPU numbers not 0..n-1");
    if (p.cpu.clusters.size() == 1 && p.cpu.clusters[0].max_freq_khz == 0) {
      notes->push_back(StrCat("CPU frequencies unknown: no cpufreq under ", options.sysfs_root,
                              "/devices/system/cpu"));
    }
    if (p.ram_mb == 0) notes->push_back("RAM unknown: no MemTotal in meminfo and sysinfo failed");
    if (!options.probe_vulkan) notes->push_back("Vulkan not probed (disabled)");
    if (!note.empty()) notes->push_back("no Vulkan devices: " + note);
  }
  return p;
}

Profiler::Profiler(const DetectOptions& options) {
  // In the body: notes_ must exist before detection appends to it.
  profile_ = DetectDeviceProfile(options, &notes_);
}

conditions::DeviceFacts Profiler::Facts() const { return device_profile::ToFacts(profile_); }

Status Profiler::SetSoc(std::string_view soc) {
  MOTA_RETURN_IF_ERROR(CheckText("SoC model", soc, 64));
  profile_.app.soc = soc;
  return Status::Ok();
}

Status Profiler::SetDeviceModel(std::string_view model) {
  MOTA_RETURN_IF_ERROR(CheckText("device model", model, 128));
  profile_.app.device_model = model;
  return Status::Ok();
}

Status Profiler::SetBattery(int64_t percent, bool charging) {
  if (percent < 0 || percent > 100) {
    return InvalidArgument("battery level ", percent, " is not a percentage 0..100");
  }
  profile_.app.battery_percent = percent;
  profile_.app.charging = charging;
  return Status::Ok();
}

Status Profiler::SetThermal(std::string_view state) {
  std::string names;
  for (const char* s : device_profile::kThermalStates) {
    if (state == s) {
      profile_.app.thermal = s;
      return Status::Ok();
    }
    names += (names.empty() ? "" : ", ") + std::string(s);
  }
  return InvalidArgument("thermal state '", state, "' is not one of ", names,
                         " (Android PowerManager thermal status)");
}

Status Profiler::SetAndroidVersion(std::string_view release, int64_t api_level) {
  if (profile_.os.name != "android") {
    return FailedPrecondition("an Android version was set, but this OS is '", profile_.os.name,
                              "'");
  }
  const std::string version = LeadingDottedVersion(release);
  if (version.empty() || version.size() != release.size()) {
    return InvalidArgument("Android release '", release, "' is not a dotted version like \"14\"");
  }
  if (api_level < 1 || api_level > 10000) {
    return InvalidArgument("Android API level ", api_level, " is not in 1..10000");
  }
  profile_.os.version = version;
  profile_.os.api_level = api_level;
  return Status::Ok();
}

}  // namespace mota::device
