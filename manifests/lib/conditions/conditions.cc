// Device conditions: versions and the JSON form (parse is exception-free: every access is
// type-checked first, and nothing here calls a throwing nlohmann accessor on a wrong type).
#include "manifests/lib/conditions/conditions.h"

#include <limits>

namespace mota::conditions {
namespace {

using Json = nlohmann::json;

bool IsInt(const Json& v, int64_t min, int64_t max) {
  if (v.is_number_unsigned()) {  // nlohmann parses every non-negative integer as unsigned
    const uint64_t u = v.get<uint64_t>();
    return u <= static_cast<uint64_t>(max) && (min <= 0 || u >= static_cast<uint64_t>(min));
  }
  return v.is_number_integer() && v.get<int64_t>() >= min && v.get<int64_t>() <= max;
}

// Reads one object's fields; reports the first problem with its full path.
class Reader {
 public:
  Reader(const Json& obj, std::string path) : obj_(obj), path_(std::move(path)) {}

  Status Strings(const char* key, std::vector<std::string>* out) {
    const Json* v = Find(key);
    if (v == nullptr) return Status::Ok();
    if (!v->is_array() || v->empty()) return Bad(key, "a non-empty list of strings");
    for (const Json& item : *v) {
      if (!item.is_string()) return Bad(key, "a non-empty list of strings");
      out->push_back(item.get_ref<const std::string&>());
    }
    return Status::Ok();
  }
  Status Ids(const char* key, std::vector<uint32_t>* out) {
    const Json* v = Find(key);
    if (v == nullptr) return Status::Ok();
    if (!v->is_array() || v->empty()) return Bad(key, "a non-empty list of integers 0..4294967295");
    for (const Json& item : *v) {
      if (!IsInt(item, 0, std::numeric_limits<uint32_t>::max())) {
        return Bad(key, "a non-empty list of integers 0..4294967295");
      }
      out->push_back(static_cast<uint32_t>(item.get<uint64_t>()));
    }
    return Status::Ok();
  }
  Status Count(const char* key, std::optional<int64_t>* out) {
    const Json* v = Find(key);
    if (v == nullptr) return Status::Ok();
    if (!IsInt(*v, 1, std::numeric_limits<int32_t>::max())) return Bad(key, "an integer >= 1");
    *out = v->get<int64_t>();
    return Status::Ok();
  }
  Status Version(const char* key, int components, std::string* out) {
    const Json* v = Find(key);
    if (v == nullptr) return Status::Ok();
    const bool ok = v->is_string() && IsDottedVersion(v->get_ref<const std::string&>());
    int parts = 1;
    if (ok) {
      for (char c : v->get_ref<const std::string&>()) parts += c == '.';
    }
    if (!ok || (components != 0 && parts != components)) {
      return Bad(key,
                 components == 3 ? "a \"MAJOR.MINOR.PATCH\" string" : "a dotted version string");
    }
    *out = v->get_ref<const std::string&>();
    return Status::Ok();
  }
  Status String(const char* key, std::string* out) {
    const Json* v = Find(key);
    if (v == nullptr) return Status::Ok();
    if (!v->is_string()) return Bad(key, "a string");
    *out = v->get_ref<const std::string&>();
    return Status::Ok();
  }
  const Json* Find(const char* key) {
    read_.push_back(key);
    auto it = obj_.find(key);
    return it == obj_.end() ? nullptr : &*it;
  }
  // Keys present but never asked for.
  std::vector<std::string> Unread() const {
    std::vector<std::string> out;
    for (auto it = obj_.begin(); it != obj_.end(); ++it) {
      bool read = false;
      for (const std::string& k : read_) read = read || k == it.key();
      if (!read) out.push_back(it.key());
    }
    return out;
  }
  const std::string& path() const { return path_; }

 private:
  Status Bad(const char* key, const char* expected) {
    return InvalidArgument(path_, ".", key, ": expected ", expected, ", got ",
                           obj_.find(key)->dump());
  }
  const Json& obj_;
  std::string path_;
  std::vector<std::string> read_;
};

Status ParseGpu(const Json& json, const std::string& path, GpuConditions* gpu,
                std::vector<std::string>* unknown) {
  if (!json.is_object()) return InvalidArgument(path, ": expected an object, got ", json.dump());
  Reader r(json, path);
  MOTA_RETURN_IF_ERROR(r.String("api", &gpu->api));
  MOTA_RETURN_IF_ERROR(r.Ids("vendor_ids", &gpu->vendor_ids));
  MOTA_RETURN_IF_ERROR(r.Ids("device_ids", &gpu->device_ids));
  if (const Json* range = r.Find("driver_version")) {
    if (!range->is_object()) {
      return InvalidArgument(path, ".driver_version: expected an object, got ", range->dump());
    }
    Reader rr(*range, path + ".driver_version");
    MOTA_RETURN_IF_ERROR(rr.Version("min", 0, &gpu->driver_version.min));
    MOTA_RETURN_IF_ERROR(rr.Version("max", 0, &gpu->driver_version.max));
    for (const std::string& k : rr.Unread()) unknown->push_back("gpu.driver_version." + k);
  }
  for (const std::string& k : r.Unread()) unknown->push_back("gpu." + k);
  return Status::Ok();
}

}  // namespace

bool DeviceConditions::empty() const {
  return arch.empty() && cpu_features.empty() && !min_cores && !max_cores && !min_ram_mb &&
         !max_ram_mb && os.empty() && os_version.min.empty() && os_version.max.empty() &&
         soc.empty() && min_runtime_version.empty() && !gpu && unknown_keys.empty();
}

bool IsDottedVersion(std::string_view v) {
  int parts = 0;
  size_t digits = 0;
  for (size_t i = 0; i <= v.size(); ++i) {
    if (i < v.size() && v[i] >= '0' && v[i] <= '9') {
      if (++digits > 9) return false;
    } else if (i == v.size() || v[i] == '.') {
      if (digits == 0 || ++parts > 8) return false;
      digits = 0;
    } else {
      return false;
    }
  }
  return true;
}

int CompareVersions(std::string_view a, std::string_view b) {
  // Components have at most 9 digits (IsDottedVersion), so they fit an int64 without overflow.
  auto next = [](std::string_view& s) -> int64_t {
    int64_t v = 0;
    while (!s.empty() && s.front() != '.') v = v * 10 + (s.front() - '0'), s.remove_prefix(1);
    if (!s.empty()) s.remove_prefix(1);
    return v;
  };
  while (!a.empty() || !b.empty()) {
    const int64_t x = next(a), y = next(b);
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

Json ToJson(const DeviceConditions& c) {
  Json j = Json::object();
  auto put_list = [&](const char* key, const std::vector<std::string>& v) {
    if (!v.empty()) j[key] = v;
  };
  auto put_int = [&](const char* key, const std::optional<int64_t>& v) {
    if (v) j[key] = *v;
  };
  auto put_str = [](Json& o, const char* key, const std::string& v) {
    if (!v.empty()) o[key] = v;
  };
  put_list("arch", c.arch);
  put_list("cpu_features", c.cpu_features);
  put_int("min_cores", c.min_cores);
  put_int("max_cores", c.max_cores);
  put_int("min_ram_mb", c.min_ram_mb);
  put_int("max_ram_mb", c.max_ram_mb);
  put_list("os", c.os);
  put_str(j, "min_os_version", c.os_version.min);
  put_str(j, "max_os_version", c.os_version.max);
  put_list("soc", c.soc);
  put_str(j, "min_runtime_version", c.min_runtime_version);
  if (c.gpu) {
    Json g = Json::object();
    put_str(g, "api", c.gpu->api);
    if (!c.gpu->vendor_ids.empty()) g["vendor_ids"] = c.gpu->vendor_ids;
    if (!c.gpu->device_ids.empty()) g["device_ids"] = c.gpu->device_ids;
    Json range = Json::object();
    put_str(range, "min", c.gpu->driver_version.min);
    put_str(range, "max", c.gpu->driver_version.max);
    if (!range.empty()) g["driver_version"] = range;
    j["gpu"] = g;
  }
  return j;
}

Json ToJson(const Requires& r) {
  Json j = ToJson(r.conditions);
  if (r.quirks.empty()) return j;
  Json quirks = Json::array();
  for (const Requires::Quirk& q : r.quirks) {
    quirks.push_back(Json{{"when", ToJson(q.when)}, {"reason", q.reason}});
  }
  j["quirks"] = quirks;
  return j;
}

Result<DeviceConditions> ParseConditions(const Json& json, std::string_view what) {
  if (!json.is_object()) return InvalidArgument(what, ": expected an object, got ", json.dump());
  DeviceConditions c;
  Reader r(json, std::string(what));
  MOTA_RETURN_IF_ERROR(r.Strings("arch", &c.arch));
  MOTA_RETURN_IF_ERROR(r.Strings("cpu_features", &c.cpu_features));
  MOTA_RETURN_IF_ERROR(r.Count("min_cores", &c.min_cores));
  MOTA_RETURN_IF_ERROR(r.Count("max_cores", &c.max_cores));
  MOTA_RETURN_IF_ERROR(r.Count("min_ram_mb", &c.min_ram_mb));
  MOTA_RETURN_IF_ERROR(r.Count("max_ram_mb", &c.max_ram_mb));
  MOTA_RETURN_IF_ERROR(r.Strings("os", &c.os));
  MOTA_RETURN_IF_ERROR(r.Version("min_os_version", 0, &c.os_version.min));
  MOTA_RETURN_IF_ERROR(r.Version("max_os_version", 0, &c.os_version.max));
  MOTA_RETURN_IF_ERROR(r.Strings("soc", &c.soc));
  MOTA_RETURN_IF_ERROR(r.Version("min_runtime_version", 3, &c.min_runtime_version));
  if (const Json* gpu = r.Find("gpu")) {
    MOTA_RETURN_IF_ERROR(ParseGpu(*gpu, r.path() + ".gpu", &c.gpu.emplace(), &c.unknown_keys));
  }
  r.Find("quirks");  // belongs to Requires, not to the conditions
  for (const std::string& k : r.Unread()) c.unknown_keys.push_back(k);
  return c;
}

Result<Requires> ParseRequires(const Json& json, std::string_view what) {
  Requires out;
  MOTA_ASSIGN_OR_RETURN(out.conditions, ParseConditions(json, what));
  auto it = json.find("quirks");
  if (it == json.end()) return out;
  if (!it->is_array()) return InvalidArgument(what, ".quirks: expected a list, got ", it->dump());
  for (size_t i = 0; i < it->size(); ++i) {
    const Json& q = (*it)[i];
    const std::string path = StrCat(what, ".quirks[", i, "]");
    auto when = q.is_object() ? q.find("when") : q.end();
    auto reason = q.is_object() ? q.find("reason") : q.end();
    if (!q.is_object() || when == q.end() || reason == q.end() || !reason->is_string()) {
      return InvalidArgument(path, ": expected {\"when\": {...}, \"reason\": \"...\"}, got ",
                             q.dump());
    }
    Requires::Quirk quirk;
    MOTA_ASSIGN_OR_RETURN(quirk.when, ParseConditions(*when, path + ".when"));
    quirk.reason = reason->get_ref<const std::string&>();
    out.quirks.push_back(std::move(quirk));
  }
  return out;
}

}  // namespace mota::conditions
