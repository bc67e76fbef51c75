// Evaluation of device conditions against a device's facts (deploy-spec.md semantics).
#include <algorithm>
#include <cstdio>

#include "manifests/lib/conditions/conditions.h"

namespace mota::conditions {
namespace {

template <typename T>
bool Contains(const std::vector<T>& list, const T& v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string Hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%04x", v);
  return buf;
}

// "" when `value` lies in [min, max] (open ends allowed), else why not. `what` names the fact.
std::string CheckVersion(const std::string& value, const VersionRange& range, const char* what) {
  if (range.min.empty() && range.max.empty()) return "";
  if (!IsDottedVersion(value)) {
    return StrCat(what, " '", value, "' is unknown or not a dotted version");
  }
  if (!range.min.empty() && CompareVersions(value, range.min) < 0) {
    return StrCat(what, " ", value, " is below ", range.min);
  }
  if (!range.max.empty() && CompareVersions(value, range.max) > 0) {
    return StrCat(what, " ", value, " is above ", range.max);
  }
  return "";
}

std::string CheckCount(int64_t value, const std::optional<int64_t>& min,
                       const std::optional<int64_t>& max, const char* what) {
  if (!min && !max) return "";
  if (value <= 0) return StrCat(what, " is unknown");
  if (min && value < *min) return StrCat(what, " ", value, " is below ", *min);
  if (max && value > *max) return StrCat(what, " ", value, " is above ", *max);
  return "";
}

// "" when `value` is one of `list` (or the list is empty).
std::string CheckOneOf(const std::string& value, const std::vector<std::string>& list,
                       const char* what) {
  if (list.empty() || Contains(list, value)) return "";
  if (value.empty()) return StrCat(what, " is unknown (needs one of ", Join(list), ")");
  return StrCat(what, " ", value, " is not one of ", Join(list));
}

std::string CheckGpu(const GpuConditions& g, const GpuFacts& gpu) {
  if (!g.api.empty() && gpu.api != g.api) return StrCat("api ", gpu.api, " is not ", g.api);
  if (!g.vendor_ids.empty() && !Contains(g.vendor_ids, gpu.vendor_id)) {
    return StrCat("vendor id ", Hex(gpu.vendor_id), " is not listed");
  }
  if (!g.device_ids.empty() && !Contains(g.device_ids, gpu.device_id)) {
    return StrCat("device id ", Hex(gpu.device_id), " is not listed");
  }
  return CheckVersion(gpu.driver_version, g.driver_version, "driver version");
}

// Some GPU of the device must meet every GPU condition.
std::string CheckGpus(const GpuConditions& g, const std::vector<GpuFacts>& gpus) {
  if (gpus.empty()) return "the device has no GPU";
  std::string first_reason;
  for (const GpuFacts& gpu : gpus) {
    std::string why = CheckGpu(g, gpu);
    if (why.empty()) return "";
    if (first_reason.empty()) first_reason = std::move(why);
  }
  return "no GPU fits: " + first_reason;
}

}  // namespace

std::string Unmet(const DeviceConditions& c, const DeviceFacts& d) {
  if (!c.unknown_keys.empty()) {
    return StrCat("condition ", Join(c.unknown_keys), " is unknown to this runtime");
  }
  std::string why = CheckOneOf(d.arch, c.arch, "arch");
  for (const std::string& f : c.cpu_features) {
    if (why.empty() && !Contains(d.cpu_features, f)) why = "the CPU lacks " + f;
  }
  if (why.empty()) why = CheckCount(d.cores, c.min_cores, c.max_cores, "cores");
  if (why.empty()) why = CheckCount(d.ram_mb, c.min_ram_mb, c.max_ram_mb, "RAM (MiB)");
  if (why.empty()) why = CheckOneOf(d.os, c.os, "os");
  if (why.empty()) why = CheckVersion(d.os_version, c.os_version, "os version");
  if (why.empty()) why = CheckOneOf(d.soc, c.soc, "SoC");
  if (why.empty() && !c.min_runtime_version.empty()) {
    why =
        CheckVersion(d.runtime_version, VersionRange{c.min_runtime_version, ""}, "runtime version");
  }
  if (why.empty() && c.gpu) why = CheckGpus(*c.gpu, d.gpus);
  return why;
}

Fit Evaluate(const Requires& r, const DeviceFacts& device) {
  if (std::string why = Unmet(r.conditions, device); !why.empty()) return Fit{false, why};
  for (const Requires::Quirk& q : r.quirks) {
    // A quirk with conditions this runtime does not know applies when its known ones hold.
    DeviceConditions known = q.when;
    known.unknown_keys.clear();
    if (Matches(known, device)) return Fit{false, "denied by a quirk: " + q.reason};
  }
  return Fit{true, ""};
}

}  // namespace mota::conditions
