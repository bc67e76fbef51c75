// Device conditions of deploy.yaml: parsing and contradiction checks (the type, its JSON form
// and version order are manifests/lib/conditions).
#include <algorithm>
#include <set>

#include "packager/src/deploy_spec.h"
#include "packager/src/deploy_spec_reader.h"

namespace mota::packager {
namespace {

using deploy_internal::Diagnostics;
using deploy_internal::Entry;
using deploy_internal::MapReader;

const std::vector<std::string_view> kArchs = {"arm64", "armv7", "x86_64", "x86"};
const std::vector<std::string_view> kOses = {"android", "ios", "linux", "windows", "macos"};
const std::vector<std::string_view> kGpuApis = {"vulkan"};
const std::vector<std::string_view> kX86Features = {
    "sse4_1",   "sse4_2",   "avx",      "avx2",        "fma",         "f16c",    "avx512f",
    "avx512bw", "avx512dq", "avx512vl", "avx512_vnni", "avx512_vbmi", "avx_vnni"};
const std::vector<std::string_view> kArm64Features = {"neon", "dotprod", "fp16", "i8mm",
                                                      "bf16", "sve",     "sve2"};
const std::vector<std::string_view> kArmv7Features = {"neon"};

const std::vector<std::string_view>& FeaturesOf(std::string_view arch) {
  if (arch == "arm64") return kArm64Features;
  if (arch == "armv7") return kArmv7Features;
  return kX86Features;  // x86 and x86_64 share the names
}

std::vector<std::string_view> AllFeatures() {
  std::vector<std::string_view> all = kX86Features;
  for (std::string_view f : kArm64Features) all.push_back(f);
  return all;
}

bool Has(const std::vector<std::string_view>& list, std::string_view v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// Architectures (the listed ones, or all) that have every requested feature. Reports a feature
// that no candidate architecture has at its own position; then an empty intersection.
void CheckFeatures(Diagnostics& diag, const MapReader& m, const DeviceConditions& c,
                   const std::vector<YAML::Mark>& marks) {
  std::vector<std::string> candidates = c.arch;
  if (candidates.empty()) candidates.assign(kArchs.begin(), kArchs.end());
  std::set<std::string> fitting(candidates.begin(), candidates.end());
  bool single_error = false;
  for (size_t i = 0; i < c.cpu_features.size(); ++i) {
    const std::string& f = c.cpu_features[i];
    bool any = false;
    for (const std::string& a : candidates) {
      if (Has(FeaturesOf(a), f))
        any = true;
      else
        fitting.erase(a);
    }
    if (!any) {
      single_error = true;
      diag.Error(marks[i], StrCat(m.Label("cpu_features"), "[", i, "]: '", f,
                                  "' is a feature of none of the listed arch (", Join(c.arch),
                                  "); no device can match"));
    }
  }
  if (!single_error && fitting.empty() && !c.cpu_features.empty()) {
    diag.Error(m.Get("cpu_features")->ValueMark(),
               StrCat(m.Label("cpu_features"), ": no ", c.arch.empty() ? "" : "listed ",
                      "architecture has all of ", Join(c.cpu_features), "; no device can match"));
  }
}

void ReadBounds(Diagnostics& diag, const MapReader& m, const char* min_key, const char* max_key,
                std::optional<int64_t>* min, std::optional<int64_t>* max) {
  int64_t v = 0;
  const Entry* lo = m.Get(min_key);
  const Entry* hi = m.Get(max_key);
  if (lo != nullptr && ReadInt(diag, *lo, m.Label(min_key), 1, INT32_MAX, &v)) *min = v;
  if (hi != nullptr && ReadInt(diag, *hi, m.Label(max_key), 1, INT32_MAX, &v)) *max = v;
  if (*min && *max && **min > **max) {
    diag.Error(lo->ValueMark(), StrCat(m.Label(min_key), ": ", **min, " is greater than ", max_key,
                                       " ", **max, "; no device can match"));
  }
}

// min/max versions of one key pair; reports min > max at the min key.
void ReadVersionRange(Diagnostics& diag, const MapReader& m, const char* min_key,
                      const char* max_key, VersionRange* out) {
  const Entry* lo = m.Get(min_key);
  const Entry* hi = m.Get(max_key);
  if (lo != nullptr) ReadVersion(diag, *lo, m.Label(min_key), 0, &out->min);
  if (hi != nullptr) ReadVersion(diag, *hi, m.Label(max_key), 0, &out->max);
  if (!out->min.empty() && !out->max.empty() && CompareVersions(out->min, out->max) > 0) {
    diag.Error(lo->ValueMark(), StrCat(m.Label(min_key), ": '", out->min, "' is greater than ",
                                       max_key, " '", out->max, "'; no device can match"));
  }
}

void ParseGpu(Diagnostics& diag, const Entry& e, const std::string& where, const std::string& field,
              GpuConditions* gpu) {
  MapReader m(diag, e.value, where, field + ".",
              {"api", "vendor_ids", "device_ids", "driver_version"});
  if (!m.ok()) return;
  std::vector<int64_t> ids;
  if (const Entry* a = m.Get("api")) ReadEnum(diag, *a, m.Label("api"), kGpuApis, &gpu->api);
  for (const char* key : {"vendor_ids", "device_ids"}) {
    const Entry* list = m.Get(key);
    ids.clear();
    if (list == nullptr || !ReadIntList(diag, *list, m.Label(key), 0, UINT32_MAX, true, &ids))
      continue;
    auto& out = std::string_view(key) == "vendor_ids" ? gpu->vendor_ids : gpu->device_ids;
    for (int64_t id : ids) out.push_back(static_cast<uint32_t>(id));
  }
  const Entry* driver = m.Get("driver_version");
  if (driver == nullptr) return;
  MapReader range(diag, driver->value, where, field + ".driver_version.", {"min", "max"});
  if (!range.ok()) return;
  if (range.entries().empty()) {
    diag.Error(driver->ValueMark(),
               m.Label("driver_version") + ": an empty range; give min, max or both (or omit it)");
  }
  ReadVersionRange(diag, range, "min", "max", &gpu->driver_version);
}

// OS versions only compare within one OS.
void CheckOsVersions(Diagnostics& diag, const MapReader& m, const DeviceConditions& c) {
  for (const char* key : {"min_os_version", "max_os_version"}) {
    const Entry* e = m.Get(key);
    if (e == nullptr || c.os.size() == 1) continue;
    diag.Error(e->key_node.Mark(),
               StrCat(m.Label(key), ": needs exactly one os to compare against (got ",
                      c.os.empty() ? std::string("none") : Join(c.os),
                      "); OS versions only compare within one OS"));
  }
}

}  // namespace

namespace deploy_internal {

void ParseConditions(Diagnostics& diag, const YAML::Node& node, const std::string& where,
                     const std::string& field, DeviceConditions* c) {
  MapReader m(diag, node, where, field + ".",
              {"arch", "cpu_features", "min_cores", "max_cores", "min_ram_mb", "max_ram_mb", "os",
               "min_os_version", "max_os_version", "soc", "min_runtime_version", "gpu"});
  if (!m.ok()) return;
  std::vector<YAML::Mark> feature_marks;
  if (const Entry* e = m.Get("arch")) ReadStringList(diag, *e, m.Label("arch"), kArchs, &c->arch);
  if (const Entry* e = m.Get("cpu_features")) {
    ReadStringList(diag, *e, m.Label("cpu_features"), AllFeatures(), &c->cpu_features,
                   &feature_marks);
  }
  ReadBounds(diag, m, "min_cores", "max_cores", &c->min_cores, &c->max_cores);
  ReadBounds(diag, m, "min_ram_mb", "max_ram_mb", &c->min_ram_mb, &c->max_ram_mb);
  if (const Entry* e = m.Get("os")) ReadStringList(diag, *e, m.Label("os"), kOses, &c->os);
  ReadVersionRange(diag, m, "min_os_version", "max_os_version", &c->os_version);
  if (const Entry* e = m.Get("soc")) ReadStringList(diag, *e, m.Label("soc"), {}, &c->soc);
  if (const Entry* e = m.Get("min_runtime_version")) {
    ReadVersion(diag, *e, m.Label("min_runtime_version"), 3, &c->min_runtime_version);
  }
  if (const Entry* e = m.Get("gpu")) ParseGpu(diag, *e, where, field + ".gpu", &c->gpu.emplace());
  CheckFeatures(diag, m, *c, feature_marks);
  CheckOsVersions(diag, m, *c);
}

}  // namespace deploy_internal

bool Quirk::Denies(const Variant& variant) const {
  if (!deny_all_backend.empty()) return deny_all_backend == variant.backend;
  return std::find(deny.begin(), deny.end(), variant.id) != deny.end();
}

}  // namespace mota::packager
