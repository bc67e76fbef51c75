// The device profile (manifests/spec/device-profile.md): what a device knows about itself — CPU
// (arch, ISA features, cores and clusters), RAM, OS, every Vulkan device — plus what the app
// adds (SoC model, network, battery, thermal state). The device detects it
// (client_runtime/src/device), the device client matches it against variant conditions
// (ToFacts, facts.h), `mota device-profile --json` prints it, and manifests/devices/ keeps
// profiles of real phone classes for tests. Shared by the device, the toolchain and the server;
// exception-free.
//
//   MOTA_ASSIGN_OR_RETURN(DeviceProfile p, ParseProfile(text, "pixel-7.json"));
//   std::string json = WriteProfile(p);  // canonical: sorted keys, 2-space indent, final newline
//
// Format 1 is strict: unknown keys are errors everywhere except inside the top-level
// `extensions` object, which is kept verbatim. Every error names the field's path.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "manifests/lib/status/status.h"

namespace mota::device_profile {

// The only format this code reads and writes.
inline constexpr int64_t kFormat = 1;

// CPUs that share a maximum frequency (a big.LITTLE cluster). 0: unknown frequency.
struct CpuCluster {
  std::vector<int> cpus;  // logical CPU numbers, ascending
  int64_t max_freq_khz = 0;
  bool operator==(const CpuCluster&) const = default;
};

struct Cpu {
  std::string arch;                   // "arm64" | "armv7" | "x86_64" | "x86"
  std::vector<std::string> features;  // sorted, unique, each in KnownCpuFeatures(arch)
  int64_t cores = 0;                  // logical CPUs, >= 1
  // Fastest first, then by first CPU; together they hold every CPU 0..cores-1 exactly once.
  // Empty when unknown.
  std::vector<CpuCluster> clusters;
  bool operator==(const Cpu&) const = default;
};

struct Os {
  std::string name;       // "android" | "ios" | "linux" | "windows" | "macos"
  std::string version;    // dotted (Android: the release "13"; Linux: the kernel "6.1.0")
  int64_t api_level = 0;  // Android SDK level (33); 0: unknown or not Android
  std::string kernel;     // uname release as is ("5.10.168-android12-9-gabc"); may be empty
  bool operator==(const Os&) const = default;
};

struct VulkanDevice {
  uint32_t vendor_id = 0;  // PCI vendor id (0x5143 Qualcomm, 0x13b5 ARM, 0x10005 Mesa, ...)
  uint32_t device_id = 0;
  std::string name;                 // VkPhysicalDeviceProperties::deviceName
  std::string type;                 // "integrated" | "discrete" | "virtual" | "cpu" | "other"
  std::string driver_name;          // VkPhysicalDeviceDriverProperties::driverName; may be empty
  uint32_t driver_version_raw = 0;  // as the driver reports it
  std::string driver_version;       // DecodeDriverVersion(vendor_id, raw, os.name)
  std::string api_version;          // "1.3.239"
  bool fp16 = false;                // shaderFloat16: half arithmetic in shaders
  bool fp16_storage = false;        // storageBuffer16BitAccess
  bool int8 = false;                // shaderInt8
  bool int8_storage = false;        // storageBuffer8BitAccess
  uint32_t subgroup_size = 0;       // default subgroup size; 0: unknown (Vulkan 1.0)
  bool operator==(const VulkanDevice&) const = default;
};

// Supplied by the app (the OS gives these to apps, not to native code). Unset: unknown.
struct AppFacts {
  std::string soc;           // SoC model as Android's Build.SOC_MODEL says ("SM8550")
  std::string device_model;  // marketing or build model ("Pixel 7"); informational
  std::optional<bool> metered;
  std::optional<int64_t> battery_percent;  // 0..100
  std::optional<bool> charging;
  std::string thermal;  // one of kThermalStates; empty: unknown
  bool operator==(const AppFacts&) const = default;
};

// Android's PowerManager thermal status names, coolest first.
inline constexpr const char* kThermalStates[] = {"none",     "light",     "moderate", "severe",
                                                 "critical", "emergency", "shutdown"};

struct DeviceProfile {
  int64_t format = kFormat;
  std::string name;    // what the profile describes ("Snapdragon 8 Gen 2 phone"); may be empty
  std::string source;  // where the figures come from (detected, or a catalog's spec sheets)
  std::string runtime_version;  // the libmota that detected it, "MAJOR.MINOR.PATCH"; may be empty
  Cpu cpu;
  int64_t ram_mb = 0;  // physical RAM in MiB (MemTotal); 0: unknown
  Os os;
  std::vector<VulkanDevice> vulkan;  // in the loader's order; empty: no Vulkan
  AppFacts app;
  nlohmann::json extensions = nlohmann::json::object();  // free-form, kept verbatim
  bool operator==(const DeviceProfile&) const = default;
};

// CPU feature names a profile may list for `arch` (deploy-spec.md's names, plus avx512dq);
// empty for an unknown arch.
const std::vector<std::string>& KnownCpuFeatures(std::string_view arch);

// The JSON form. ToJson never fails; FromJson checks every field (type, range, enum, the
// cross-field rules of device-profile.md) and names the first bad one as `what`.path.
nlohmann::json ToJson(const DeviceProfile& profile);
Result<DeviceProfile> FromJson(const nlohmann::json& json, std::string_view what);

// Text form: strict JSON parse (duplicate keys, floats and deep nesting are errors), then FromJson.
Result<DeviceProfile> ParseProfile(std::string_view text, std::string_view what);
// Canonical text: keys sorted, 2-space indent, a final newline. Same profile, same bytes.
std::string WriteProfile(const DeviceProfile& profile);

}  // namespace mota::device_profile
