#include "device/system_info.h"

#include <sys/utsname.h>

#include <fstream>
#include <sstream>

#if defined(__linux__)
#include <sys/sysinfo.h>
#endif
#if defined(__ANDROID__)
#include <sys/system_properties.h>
#endif

namespace mota::device {
namespace {

#if defined(__ANDROID__)
std::string Property(const char* name) {
  char value[PROP_VALUE_MAX] = {};
  return __system_property_get(name, value) > 0 ? std::string(value) : std::string();
}
#endif

}  // namespace

int64_t ParseMemTotalMb(std::string_view meminfo) {
  const size_t at = meminfo.find("MemTotal:");
  if (at == std::string_view::npos) return 0;
  size_t i = at + 9;
  while (i < meminfo.size() && meminfo[i] == ' ') ++i;
  int64_t kb = 0;
  const size_t start = i;
  while (i < meminfo.size() && meminfo[i] >= '0' && meminfo[i] <= '9' && kb < (int64_t{1} << 50)) {
    kb = kb * 10 + (meminfo[i++] - '0');
  }
  if (i == start || meminfo.substr(i, 3) != " kB") return 0;
  return kb / 1024;
}

int64_t DetectRamMb(const std::string& procfs_root) {
  std::ifstream in(procfs_root + "/meminfo");
  std::stringstream text;
  text << in.rdbuf();
  if (const int64_t mb = ParseMemTotalMb(text.str()); mb > 0) return mb;
#if defined(__linux__)
  struct sysinfo info {};
  if (sysinfo(&info) == 0) {
    return static_cast<int64_t>(info.totalram) * info.mem_unit / (1024 * 1024);
  }
#endif
  return 0;
}

std::string LeadingDottedVersion(std::string_view text) {
  std::string out;
  int parts = 0, digits = 0;
  for (char c : text) {
    if (c >= '0' && c <= '9' && digits < 9) {
      out.push_back(c);
      ++digits;
    } else if (c == '.' && digits > 0 && parts < 7) {
      out.push_back(c);
      ++parts;
      digits = 0;
    } else {
      break;
    }
  }
  if (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

device_profile::Os DetectOs() {
  device_profile::Os os;
  struct utsname u {};
  if (uname(&u) == 0) os.kernel = u.release;
#if defined(__ANDROID__)
  os.name = "android";
  os.version = LeadingDottedVersion(Property("ro.build.version.release"));
  const std::string sdk = LeadingDottedVersion(Property("ro.build.version.sdk"));
  int64_t level = 0;
  for (char c : sdk) level = c == '.' ? 0 : level * 10 + (c - '0');
  if (sdk.find('.') == std::string::npos && level >= 1 && level <= 10000) os.api_level = level;
#elif defined(__APPLE__)
  os.name = "macos";
  os.version = LeadingDottedVersion(os.kernel);  // Darwin's version; the app may refine it
#elif defined(_WIN32)
  os.name = "windows";
#else
  os.name = "linux";
  os.version = LeadingDottedVersion(os.kernel);
#endif
  // device-profile.md requires a dotted version; "0" says "unknown" and meets no minimum.
  if (os.version.empty()) os.version = "0";
  return os;
}

}  // namespace mota::device
