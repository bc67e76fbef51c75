// Device profile JSON (device-profile.md). The reader never calls a throwing nlohmann accessor
// on an unchecked type: every value is type- and range-checked first.
#include "manifests/lib/device_profile/device_profile.h"

#include <algorithm>
#include <initializer_list>
#include <set>

#include "manifests/lib/conditions/conditions.h"
#include "manifests/lib/device_profile/driver_version.h"
#include "manifests/lib/tuf/canonical_json.h"

namespace mota::device_profile {
namespace {

using Json = nlohmann::json;

// Bounds for profiles that arrive from devices (the server reads them): generous for real
// hardware, small enough that a hostile profile cannot make a reader hold much.
constexpr size_t kMaxStringBytes = 4096;
constexpr size_t kMaxVulkanDevices = 64;

constexpr const char* kArchs[] = {"arm64", "armv7", "x86_64", "x86"};
constexpr const char* kOses[] = {"android", "ios", "linux", "windows", "macos"};
constexpr const char* kGpuTypes[] = {"integrated", "discrete", "virtual", "cpu", "other"};

template <size_t N>
bool OneOf(const std::string& v, const char* const (&list)[N]) {
  for (const char* item : list) {
    if (v == item) return true;
  }
  return false;
}

template <size_t N>
std::string ListText(const char* const (&list)[N]) {
  std::string out;
  for (const char* item : list) out += (out.empty() ? "" : ", ") + std::string(item);
  return out;
}

// Reads one JSON object; every error names `what` and the field's full path.
class Reader {
 public:
  Reader(const Json& obj, std::string_view what, std::string path)
      : obj_(obj), what_(what), path_(std::move(path)) {}

  // The object itself: must be an object holding only `allowed` keys.
  Status Check(std::initializer_list<const char*> allowed) const {
    if (!obj_.is_object()) return Bad(path_, "an object", obj_);
    for (auto it = obj_.begin(); it != obj_.end(); ++it) {
      bool known = false;
      std::string list;
      for (const char* k : allowed) {
        known = known || it.key() == k;
        list += (list.empty() ? "" : ", ") + std::string(k);
      }
      if (!known) {
        return InvalidArgument(what_, ": unknown key '", Sub(it.key()), "' (allowed: ", list,
                               "; format ", kFormat, " admits no others)");
      }
    }
    return Status::Ok();
  }
  const Json* Find(const char* key) const {
    auto it = obj_.find(key);
    return it == obj_.end() ? nullptr : &*it;
  }
  Status Missing(const char* key) const {
    return InvalidArgument(what_, ": ", Sub(key), " is missing (required)");
  }
  Status String(const char* key, bool required, std::string* out) const {
    const Json* v = Find(key);
    if (v == nullptr) return required ? Missing(key) : Status::Ok();
    if (!v->is_string() || v->get_ref<const std::string&>().size() > kMaxStringBytes) {
      return Bad(Sub(key), StrCat("a string of at most ", kMaxStringBytes, " bytes").c_str(), *v);
    }
    *out = v->get_ref<const std::string&>();
    return Status::Ok();
  }
  Status Int(const char* key, bool required, int64_t min, int64_t max, int64_t* out) const {
    const Json* v = Find(key);
    if (v == nullptr) return required ? Missing(key) : Status::Ok();
    return IntValue(*v, Sub(key), min, max, out);
  }
  Status Bool(const char* key, bool required, bool* out) const {
    const Json* v = Find(key);
    if (v == nullptr) return required ? Missing(key) : Status::Ok();
    if (!v->is_boolean()) return Bad(Sub(key), "true or false", *v);
    *out = v->get<bool>();
    return Status::Ok();
  }
  Status OptBool(const char* key, std::optional<bool>* out) const {
    if (Find(key) == nullptr) return Status::Ok();
    bool b = false;
    MOTA_RETURN_IF_ERROR(Bool(key, true, &b));
    *out = b;
    return Status::Ok();
  }
  // A string that must be one of `list`.
  template <size_t N>
  Status Enum(const char* key, bool required, const char* const (&list)[N],
              std::string* out) const {
    MOTA_RETURN_IF_ERROR(String(key, required, out));
    if (Find(key) == nullptr || OneOf(*out, list)) return Status::Ok();
    return Bad(Sub(key), ("one of " + ListText(list)).c_str(), *Find(key));
  }
  Status IntValue(const Json& v, const std::string& path, int64_t min, int64_t max,
                  int64_t* out) const {
    bool ok = false;
    if (v.is_number_unsigned()) {  // nlohmann parses every non-negative integer as unsigned
      const uint64_t u = v.get<uint64_t>();
      ok = u <= static_cast<uint64_t>(max) && (min <= 0 || u >= static_cast<uint64_t>(min));
    } else if (v.is_number_integer()) {
      ok = v.get<int64_t>() >= min && v.get<int64_t>() <= max;
    }
    if (!ok) return Bad(path, StrCat("an integer ", min, "..", max).c_str(), v);
    *out = v.is_number_unsigned() ? static_cast<int64_t>(v.get<uint64_t>()) : v.get<int64_t>();
    return Status::Ok();
  }
  Status Bad(const std::string& path, const char* expected, const Json& got) const {
    // The value as JSON, cut at 120 bytes: a hostile profile must not flood logs.
    std::string shown = got.dump(-1, ' ', false, Json::error_handler_t::replace);
    if (shown.size() > 120)
      shown = shown.substr(0, 120) + "... (" + std::to_string(shown.size()) + " bytes)";
    return InvalidArgument(what_, ": ", path, ": expected ", expected, ", got ", shown);
  }
  std::string Sub(std::string_view key) const {
    return path_.empty() ? std::string(key) : StrCat(path_, ".", key);
  }
  std::string_view what() const { return what_; }

 private:
  const Json& obj_;
  std::string_view what_;
  std::string path_;
};

Status ReadFeatures(const Reader& r, const Json& list, Cpu* cpu) {
  if (!list.is_array()) return r.Bad("cpu.features", "a list of feature names", list);
  const std::vector<std::string>& known = KnownCpuFeatures(cpu->arch);
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string path = StrCat("cpu.features[", i, "]");
    if (!list[i].is_string()) return r.Bad(path, "a feature name", list[i]);
    const std::string& name = list[i].get_ref<const std::string&>();
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string names;
      for (const std::string& k : known) names += (names.empty() ? "" : " ") + k;
      return InvalidArgument(r.what(), ": ", path, ": '", name, "' is not a ", cpu->arch,
                             " feature (known: ", names, ")");
    }
    if (!cpu->features.empty() && cpu->features.back() >= name) {
      return InvalidArgument(r.what(), ": ", path, ": '", name,
                             "' breaks the order: features are sorted and unique");
    }
    cpu->features.push_back(name);
  }
  return Status::Ok();
}

Status ReadCluster(const Reader& parent, const Json& json, const std::string& path, int64_t cores,
                   CpuCluster* cluster) {
  Reader r(json, parent.what(), path);
  MOTA_RETURN_IF_ERROR(r.Check({"cpus", "max_freq_khz"}));
  MOTA_RETURN_IF_ERROR(r.Int("max_freq_khz", true, 0, int64_t{1} << 40, &cluster->max_freq_khz));
  const Json* cpus = r.Find("cpus");
  if (cpus == nullptr) return r.Missing("cpus");
  if (!cpus->is_array() || cpus->empty()) {
    return r.Bad(path + ".cpus", "a non-empty list of CPU numbers", *cpus);
  }
  for (size_t i = 0; i < cpus->size(); ++i) {
    int64_t cpu = 0;
    MOTA_RETURN_IF_ERROR(
        r.IntValue((*cpus)[i], StrCat(path, ".cpus[", i, "]"), 0, cores - 1, &cpu));
    if (!cluster->cpus.empty() && cluster->cpus.back() >= cpu) {
      return InvalidArgument(r.what(), ": ", path, ".cpus[", i, "]: ", cpu,
                             " breaks the order: CPU numbers are ascending and unique");
    }
    cluster->cpus.push_back(static_cast<int>(cpu));
  }
  return Status::Ok();
}

// Clusters hold each CPU exactly once, fastest first (ties: lower first CPU first).
Status CheckClusters(std::string_view what, const Cpu& cpu) {
  std::set<int> seen;
  for (size_t i = 0; i < cpu.clusters.size(); ++i) {
    const CpuCluster& c = cpu.clusters[i];
    for (int n : c.cpus) {
      if (!seen.insert(n).second) {
        return InvalidArgument(what, ": cpu.clusters[", i, "]: CPU ", n,
                               " is already in an earlier cluster");
      }
    }
    if (i == 0) continue;
    const CpuCluster& prev = cpu.clusters[i - 1];
    if (prev.max_freq_khz < c.max_freq_khz ||
        (prev.max_freq_khz == c.max_freq_khz && prev.cpus[0] > c.cpus[0])) {
      return InvalidArgument(what, ": cpu.clusters[", i, "]: max_freq_khz ", c.max_freq_khz,
                             " after ", prev.max_freq_khz,
                             ": clusters are ordered fastest first, then by first CPU");
    }
  }
  if (!cpu.clusters.empty() && static_cast<int64_t>(seen.size()) != cpu.cores) {
    return InvalidArgument(what, ": cpu.clusters hold ", seen.size(), " CPUs but cpu.cores is ",
                           cpu.cores, ": every CPU belongs to exactly one cluster");
  }
  return Status::Ok();
}

Status ReadCpu(const Reader& top, const Json& json, Cpu* cpu) {
  Reader r(json, top.what(), "cpu");
  MOTA_RETURN_IF_ERROR(r.Check({"arch", "clusters", "cores", "features"}));
  MOTA_RETURN_IF_ERROR(r.Enum("arch", true, kArchs, &cpu->arch));
  MOTA_RETURN_IF_ERROR(r.Int("cores", true, 1, 65536, &cpu->cores));
  const Json* features = r.Find("features");
  if (features == nullptr) return r.Missing("features");
  MOTA_RETURN_IF_ERROR(ReadFeatures(r, *features, cpu));
  const Json* clusters = r.Find("clusters");
  if (clusters == nullptr) return r.Missing("clusters");
  if (!clusters->is_array()) return r.Bad("cpu.clusters", "a list of clusters", *clusters);
  for (size_t i = 0; i < clusters->size(); ++i) {
    CpuCluster c;
    MOTA_RETURN_IF_ERROR(
        ReadCluster(r, (*clusters)[i], StrCat("cpu.clusters[", i, "]"), cpu->cores, &c));
    cpu->clusters.push_back(std::move(c));
  }
  return CheckClusters(top.what(), *cpu);
}

Status ReadOs(const Reader& top, const Json& json, Os* os) {
  Reader r(json, top.what(), "os");
  MOTA_RETURN_IF_ERROR(r.Check({"api_level", "kernel", "name", "version"}));
  MOTA_RETURN_IF_ERROR(r.Enum("name", true, kOses, &os->name));
  MOTA_RETURN_IF_ERROR(r.String("version", true, &os->version));
  if (!conditions::IsDottedVersion(os->version)) {
    return r.Bad("os.version", "a dotted version such as \"13\" or \"6.1.0\"", *r.Find("version"));
  }
  MOTA_RETURN_IF_ERROR(r.Int("api_level", false, 1, 10000, &os->api_level));
  if (os->api_level != 0 && os->name != "android") {
    return InvalidArgument(top.what(), ": os.api_level is ", os->api_level, " but os.name is '",
                           os->name, "': an API level belongs to android only");
  }
  return r.String("kernel", false, &os->kernel);
}

Status ReadVulkanFlags(const Reader& r, VulkanDevice* d) {
  MOTA_RETURN_IF_ERROR(r.Bool("fp16", true, &d->fp16));
  MOTA_RETURN_IF_ERROR(r.Bool("fp16_storage", true, &d->fp16_storage));
  MOTA_RETURN_IF_ERROR(r.Bool("int8", true, &d->int8));
  MOTA_RETURN_IF_ERROR(r.Bool("int8_storage", true, &d->int8_storage));
  int64_t subgroup = 0;
  MOTA_RETURN_IF_ERROR(r.Int("subgroup_size", true, 0, 1024, &subgroup));
  if ((subgroup & (subgroup - 1)) != 0) {
    return r.Bad(r.Sub("subgroup_size"), "0 (unknown) or a power of two", *r.Find("subgroup_size"));
  }
  d->subgroup_size = static_cast<uint32_t>(subgroup);
  return Status::Ok();
}

Status ReadVulkan(const Reader& top, const Json& json, const std::string& path,
                  const std::string& os, VulkanDevice* d) {
  Reader r(json, top.what(), path);
  MOTA_RETURN_IF_ERROR(r.Check({"api_version", "device_id", "driver_name", "driver_version",
                                "driver_version_raw", "fp16", "fp16_storage", "int8",
                                "int8_storage", "name", "subgroup_size", "type", "vendor_id"}));
  int64_t v = 0;
  MOTA_RETURN_IF_ERROR(r.Int("vendor_id", true, 0, UINT32_MAX, &v));
  d->vendor_id = static_cast<uint32_t>(v);
  MOTA_RETURN_IF_ERROR(r.Int("device_id", true, 0, UINT32_MAX, &v));
  d->device_id = static_cast<uint32_t>(v);
  MOTA_RETURN_IF_ERROR(r.String("name", true, &d->name));
  MOTA_RETURN_IF_ERROR(r.Enum("type", true, kGpuTypes, &d->type));
  MOTA_RETURN_IF_ERROR(r.String("driver_name", false, &d->driver_name));
  MOTA_RETURN_IF_ERROR(r.Int("driver_version_raw", true, 0, UINT32_MAX, &v));
  d->driver_version_raw = static_cast<uint32_t>(v);
  MOTA_RETURN_IF_ERROR(r.String("driver_version", true, &d->driver_version));
  const std::string decoded = DecodeDriverVersion(d->vendor_id, d->driver_version_raw, os);
  if (d->driver_version != decoded) {
    return InvalidArgument(top.what(), ": ", path, ".driver_version: '", d->driver_version,
                           "' does not match driver_version_raw ", d->driver_version_raw,
                           ", which decodes to '", decoded, "' for vendor ", d->vendor_id, " on ",
                           os, " (device-profile.md \"Driver versions\")");
  }
  MOTA_RETURN_IF_ERROR(r.String("api_version", true, &d->api_version));
  if (!conditions::IsDottedVersion(d->api_version) ||
      std::count(d->api_version.begin(), d->api_version.end(), '.') != 2) {
    return r.Bad(path + ".api_version", "\"MAJOR.MINOR.PATCH\"", *r.Find("api_version"));
  }
  return ReadVulkanFlags(r, d);
}

Status ReadApp(const Reader& top, const Json& json, AppFacts* app) {
  Reader r(json, top.what(), "app");
  MOTA_RETURN_IF_ERROR(
      r.Check({"battery_percent", "charging", "device_model", "metered", "soc", "thermal"}));
  MOTA_RETURN_IF_ERROR(r.String("soc", false, &app->soc));
  MOTA_RETURN_IF_ERROR(r.String("device_model", false, &app->device_model));
  MOTA_RETURN_IF_ERROR(r.OptBool("metered", &app->metered));
  MOTA_RETURN_IF_ERROR(r.OptBool("charging", &app->charging));
  if (r.Find("battery_percent") != nullptr) {
    int64_t pct = 0;
    MOTA_RETURN_IF_ERROR(r.Int("battery_percent", true, 0, 100, &pct));
    app->battery_percent = pct;
  }
  return r.Enum("thermal", false, kThermalStates, &app->thermal);
}

Status ReadTop(const Reader& r, DeviceProfile* p) {
  MOTA_RETURN_IF_ERROR(r.Check({"app", "cpu", "extensions", "format", "name", "os", "ram_mb",
                                "runtime_version", "source", "vulkan"}));
  MOTA_RETURN_IF_ERROR(r.Int("format", true, 0, INT64_MAX, &p->format));
  if (p->format != kFormat) {
    return InvalidArgument(r.what(), ": format ", p->format,
                           " is not supported (this reader knows ", kFormat,
                           "; a newer libmota or server reads newer profiles)");
  }
  MOTA_RETURN_IF_ERROR(r.String("name", false, &p->name));
  MOTA_RETURN_IF_ERROR(r.String("source", true, &p->source));
  if (p->source.empty()) return r.Bad("source", "a non-empty string", *r.Find("source"));
  MOTA_RETURN_IF_ERROR(r.String("runtime_version", false, &p->runtime_version));
  if (r.Find("runtime_version") != nullptr &&
      (!conditions::IsDottedVersion(p->runtime_version) ||
       std::count(p->runtime_version.begin(), p->runtime_version.end(), '.') != 2)) {
    return r.Bad("runtime_version", "\"MAJOR.MINOR.PATCH\"", *r.Find("runtime_version"));
  }
  MOTA_RETURN_IF_ERROR(r.Int("ram_mb", true, 0, int64_t{1} << 40, &p->ram_mb));
  return Status::Ok();
}

}  // namespace

const std::vector<std::string>& KnownCpuFeatures(std::string_view arch) {
  static const std::vector<std::string> kX86 = {
      "avx",      "avx2",     "avx512_vbmi", "avx512_vnni", "avx512bw", "avx512dq", "avx512f",
      "avx512vl", "avx_vnni", "f16c",        "fma",         "sse4_1",   "sse4_2"};
  static const std::vector<std::string> kArm64 = {"bf16", "dotprod", "fp16", "i8mm",
                                                  "neon", "sve",     "sve2"};
  static const std::vector<std::string> kArmv7 = {"neon"};
  static const std::vector<std::string> kNone;
  if (arch == "x86_64" || arch == "x86") return kX86;
  if (arch == "arm64") return kArm64;
  if (arch == "armv7") return kArmv7;
  return kNone;
}

Result<DeviceProfile> FromJson(const Json& json, std::string_view what) {
  DeviceProfile p;
  const Reader r(json, what, "");
  MOTA_RETURN_IF_ERROR(ReadTop(r, &p));
  const Json* cpu = r.Find("cpu");
  if (cpu == nullptr) return r.Missing("cpu");
  MOTA_RETURN_IF_ERROR(ReadCpu(r, *cpu, &p.cpu));
  const Json* os = r.Find("os");
  if (os == nullptr) return r.Missing("os");
  MOTA_RETURN_IF_ERROR(ReadOs(r, *os, &p.os));
  const Json* vulkan = r.Find("vulkan");
  if (vulkan == nullptr) return r.Missing("vulkan");
  if (!vulkan->is_array() || vulkan->size() > kMaxVulkanDevices) {
    return r.Bad("vulkan", StrCat("a list of at most ", kMaxVulkanDevices, " devices").c_str(),
                 *vulkan);
  }
  for (size_t i = 0; i < vulkan->size(); ++i) {
    VulkanDevice d;
    MOTA_RETURN_IF_ERROR(ReadVulkan(r, (*vulkan)[i], StrCat("vulkan[", i, "]"), p.os.name, &d));
    p.vulkan.push_back(std::move(d));
  }
  if (const Json* app = r.Find("app")) MOTA_RETURN_IF_ERROR(ReadApp(r, *app, &p.app));
  if (const Json* ext = r.Find("extensions")) {
    if (!ext->is_object()) return r.Bad("extensions", "an object", *ext);
    p.extensions = *ext;
  }
  return p;
}

Json ToJson(const DeviceProfile& p) {
  Json cpu = {{"arch", p.cpu.arch}, {"features", p.cpu.features}, {"cores", p.cpu.cores}};
  cpu["clusters"] = Json::array();
  for (const CpuCluster& c : p.cpu.clusters) {
    cpu["clusters"].push_back({{"cpus", c.cpus}, {"max_freq_khz", c.max_freq_khz}});
  }
  Json os = {{"name", p.os.name}, {"version", p.os.version}};
  if (p.os.api_level != 0) os["api_level"] = p.os.api_level;
  if (!p.os.kernel.empty()) os["kernel"] = p.os.kernel;
  Json vulkan = Json::array();
  for (const VulkanDevice& d : p.vulkan) {
    Json j = {{"vendor_id", d.vendor_id},
              {"device_id", d.device_id},
              {"name", d.name},
              {"type", d.type},
              {"driver_version_raw", d.driver_version_raw},
              {"driver_version", d.driver_version},
              {"api_version", d.api_version},
              {"fp16", d.fp16},
              {"fp16_storage", d.fp16_storage},
              {"int8", d.int8},
              {"int8_storage", d.int8_storage},
              {"subgroup_size", d.subgroup_size}};
    if (!d.driver_name.empty()) j["driver_name"] = d.driver_name;
    vulkan.push_back(std::move(j));
  }
  Json out = {{"format", p.format}, {"source", p.source},  {"cpu", std::move(cpu)},
              {"ram_mb", p.ram_mb}, {"os", std::move(os)}, {"vulkan", std::move(vulkan)}};
  if (!p.name.empty()) out["name"] = p.name;
  if (!p.runtime_version.empty()) out["runtime_version"] = p.runtime_version;
  Json app = Json::object();
  if (!p.app.soc.empty()) app["soc"] = p.app.soc;
  if (!p.app.device_model.empty()) app["device_model"] = p.app.device_model;
  if (p.app.metered) app["metered"] = *p.app.metered;
  if (p.app.battery_percent) app["battery_percent"] = *p.app.battery_percent;
  if (p.app.charging) app["charging"] = *p.app.charging;
  if (!p.app.thermal.empty()) app["thermal"] = p.app.thermal;
  if (!app.empty()) out["app"] = std::move(app);
  if (p.extensions.is_object() && !p.extensions.empty()) out["extensions"] = p.extensions;
  return out;
}

Result<DeviceProfile> ParseProfile(std::string_view text, std::string_view what) {
  MOTA_ASSIGN_OR_RETURN(Json json, tuf::ParseJson(text, what));
  return FromJson(json, what);
}

std::string WriteProfile(const DeviceProfile& profile) {
  // nlohmann's objects are std::maps: keys come out sorted, so the bytes are canonical.
  // Strings from drivers and uname are not guaranteed UTF-8: replace bad bytes, never throw.
  return ToJson(profile).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace mota::device_profile
