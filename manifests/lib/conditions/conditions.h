// Device conditions (manifests/spec/deploy-spec.md "Device conditions", "What travels with the
// release"): the data a variant's target carries in `custom.requires`, and their evaluation
// against the facts a device knows about itself. Shared: the packager writes the JSON form, the
// device client parses it and decides whether a variant fits. Exception-free.
//
//   MOTA_ASSIGN_OR_RETURN(conditions::Requires req, conditions::ParseRequires(custom["requires"],
//   path)); conditions::Fit fit = conditions::Evaluate(req, facts); if (!fit.fits) log("skip ",
//   variant, ": ", fit.why);
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "manifests/lib/status/status.h"

namespace mota::conditions {

// Inclusive bounds on a dotted numeric version; an empty string is an open end.
struct VersionRange {
  std::string min;
  std::string max;
};

struct GpuConditions {
  std::string api;                   // "vulkan"; empty: any
  std::vector<uint32_t> vendor_ids;  // any of; empty: any
  std::vector<uint32_t> device_ids;  // any of; empty: any
  VersionRange driver_version;
};

// Every present field must hold. Lists mean "any of", except cpu_features ("all of").
// Empty / unset fields do not constrain.
struct DeviceConditions {
  std::vector<std::string> arch;          // "arm64" | "armv7" | "x86_64" | "x86"
  std::vector<std::string> cpu_features;  // all of
  std::optional<int64_t> min_cores, max_cores;
  std::optional<int64_t> min_ram_mb, max_ram_mb;
  std::vector<std::string> os;  // "android" | "ios" | "linux" | "windows" | "macos"
  VersionRange os_version;      // min_os_version / max_os_version; with exactly one os
  std::vector<std::string> soc;
  std::string min_runtime_version;  // "MAJOR.MINOR.PATCH"; empty: any
  std::optional<GpuConditions> gpu;
  // Keys a newer packager wrote that this code does not know. A variant whose conditions have
  // one does not fit (it cannot be checked); a quirk whose `when` has one applies when its known
  // conditions hold (denying is the safe side).
  std::vector<std::string> unknown_keys;

  bool empty() const;
};

// A target's `requires`: the variant's conditions plus the quirks that deny it.
struct Requires {
  struct Quirk {
    DeviceConditions when;
    std::string reason;
  };
  DeviceConditions conditions;
  std::vector<Quirk> quirks;
};

// What a device knows about itself (a subset of its device profile). Empty strings and zero
// counts are unknown; a condition on an unknown fact is not met.
struct GpuFacts {
  std::string api;  // "vulkan"
  uint32_t vendor_id = 0;
  uint32_t device_id = 0;
  std::string driver_version;  // dotted, decoded per vendor (device-profile.md)
};
struct DeviceFacts {
  std::string arch;
  std::vector<std::string> cpu_features;
  int64_t cores = 0;
  int64_t ram_mb = 0;
  std::string os;
  std::string os_version;
  std::string soc;
  std::string runtime_version;  // this libmota, "MAJOR.MINOR.PATCH"
  std::vector<GpuFacts> gpus;
};

// Dotted numeric versions ("1.10.2"): at most 8 components of 1 to 9 digits. CompareVersions
// returns <0, 0, >0, components compared as integers, a missing one counting as 0
// ("10" == "10.0"); both inputs must satisfy IsDottedVersion.
bool IsDottedVersion(std::string_view version);
int CompareVersions(std::string_view a, std::string_view b);

// JSON form (deploy-spec.md): keys as in deploy.yaml, integers as integers, versions as strings,
// absent keys omitted. ParseConditions checks every type; unknown keys go to unknown_keys.
nlohmann::json ToJson(const DeviceConditions& conditions);
nlohmann::json ToJson(const Requires& requires_);
Result<DeviceConditions> ParseConditions(const nlohmann::json& json, std::string_view what);
Result<Requires> ParseRequires(const nlohmann::json& json, std::string_view what);

// The first condition the device does not meet, in words ("arch x86 is not one of arm64,
// x86_64"); empty when it meets all of them.
std::string Unmet(const DeviceConditions& conditions, const DeviceFacts& device);
inline bool Matches(const DeviceConditions& conditions, const DeviceFacts& device) {
  return Unmet(conditions, device).empty();
}

// Whether a variant fits: its conditions hold and no quirk applies. `why` says what failed or
// which quirk denied it (with the quirk's reason); empty when it fits.
struct Fit {
  bool fits = false;
  std::string why;
};
Fit Evaluate(const Requires& requires_, const DeviceFacts& device);

}  // namespace mota::conditions
