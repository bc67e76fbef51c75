// RAM and OS facts of the device profile (device-profile.md `ram_mb`, `os`).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "manifests/lib/device_profile/device_profile.h"

namespace mota::device {

// MemTotal of `<procfs_root>/meminfo` in MiB, else sysinfo(2)'s total RAM; 0 when neither works.
int64_t DetectRamMb(const std::string& procfs_root);

// MemTotal in MiB from /proc/meminfo's text; 0 when absent or malformed.
int64_t ParseMemTotalMb(std::string_view meminfo);

// The leading dotted numeric part ("6.1.0-18-amd64" -> "6.1.0", "14" -> "14"); "" when the
// text does not start with a digit. At most 8 components of at most 9 digits.
std::string LeadingDottedVersion(std::string_view text);

// OS name and version from uname(2); on Android also the release and API level from the
// system properties (the app may override both: Profiler::SetAndroidVersion).
device_profile::Os DetectOs();

}  // namespace mota::device
