#include "manifests/lib/tuf/target_custom.h"

#include <algorithm>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <vector>

namespace mota::tuf {
namespace {

bool IsNameChar(char c, bool first) {
  const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  return alnum || (!first && (c == '_' || c == '-'));
}

Status CheckName(std::string_view name, std::string_view kind, std::string_view what) {
  bool ok = !name.empty() && name.size() <= 64;
  for (size_t i = 0; ok && i < name.size(); ++i) ok = IsNameChar(name[i], i == 0);
  if (ok) return Status::Ok();
  return Invalid(what, ": ", kind, " \"", name,
                 "\" is not a valid name (expected [a-z0-9][a-z0-9_-]{0,63})");
}

bool OneOf(const std::string& value, std::initializer_list<const char*> allowed) {
  for (const char* a : allowed) {
    if (value == a) return true;
  }
  return false;
}

bool IsSemver(const std::string& v) {
  int parts = 0;
  size_t digits = 0;
  for (char c : v) {
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if (c == '.' && digits > 0) {
      ++parts;
      digits = 0;
    } else {
      return false;
    }
  }
  return parts == 2 && digits > 0;
}

// Field readers over one object; `used` collects the names read, for preservation of the rest.
struct Reader {
  const Json& obj;
  std::string path;
  std::vector<std::string> used;

  Result<const Json*> Get(const char* name) {
    used.push_back(name);
    auto it = obj.find(name);
    if (it == obj.end()) return Invalid(path, ".", name, ": missing (required field)");
    return &*it;
  }
  Status Str(const char* name, std::string* out) {
    MOTA_ASSIGN_OR_RETURN(const Json* v, Get(name));
    if (!v->is_string()) return Invalid(path, ".", name, ": expected a string");
    *out = v->get_ref<const std::string&>();
    return Status::Ok();
  }
  Status Int(const char* name, int64_t min, int64_t* out) {
    MOTA_ASSIGN_OR_RETURN(const Json* v, Get(name));
    if (!v->is_number_integer() || (v->is_number_unsigned() && v->get<uint64_t>() > INT64_MAX) ||
        v->get<int64_t>() < min) {
      return Invalid(path, ".", name, ": expected an integer >= ", min);
    }
    *out = v->get<int64_t>();
    return Status::Ok();
  }
};

// An empty map is never written (repository.md "Targets"), and ToJson could not write it back:
// the parsed target would not be what was signed (found by tests/fuzz target_custom).
Status CheckNotEmpty(const Json& json, const std::string& path) {
  if (!json.empty()) return Status::Ok();
  return Invalid(path, ": empty; give at least one GPU family or leave the key out");
}

Status ParseWorkgroupSizes(const Json& json, std::string_view backend, const std::string& path,
                           VariantTuning* t) {
  if (backend != "vulkan") {
    return Invalid(path, ": applies only to backend vulkan (this target's backend is ", backend,
                   ")");
  }
  if (!json.is_object()) return Invalid(path, ": expected an object {family: [x, y, z]}");
  MOTA_RETURN_IF_ERROR(CheckNotEmpty(json, path));
  for (const auto& [family, xyz] : json.items()) {
    const std::string at = Cat(path, ".", family);
    if (!IsGpuFamilyKey(family)) {
      return Invalid(at, ": GPU family \"", family,
                     "\" is neither \"default\" nor a vendor id like \"0x5143\" (lowercase hex, "
                     "at least 4 digits, no extra leading zeros)");
    }
    std::array<int64_t, 3> size{};
    bool ok = xyz.is_array() && xyz.size() == 3;
    for (size_t i = 0; ok && i < 3; ++i) {
      ok =
          xyz[i].is_number_integer() && xyz[i].get<int64_t>() >= 1 && xyz[i].get<int64_t>() <= 1024;
      if (ok) size[i] = xyz[i].get<int64_t>();
    }
    if (!ok || size[0] * size[1] * size[2] > 1024) {
      return Invalid(at, ": expected [x, y, z], integers >= 1 with x*y*z <= 1024");
    }
    t->workgroup_size[family] = size;
  }
  return Status::Ok();
}

Status ParseVulkanParams(const Json& json, std::string_view backend, const std::string& path,
                         VariantTuning* t) {
  if (backend != "vulkan") {
    return Invalid(path, ": applies only to backend vulkan (this target's backend is ", backend,
                   ")");
  }
  if (!json.is_object()) return Invalid(path, ": expected an object {family: {name: integer}}");
  MOTA_RETURN_IF_ERROR(CheckNotEmpty(json, path));
  for (const auto& [family, params] : json.items()) {
    const std::string at = Cat(path, ".", family);
    if (!IsGpuFamilyKey(family)) {
      return Invalid(at, ": GPU family \"", family,
                     "\" is neither \"default\" nor a vendor id like \"0x5143\" (lowercase hex, "
                     "at least 4 digits, no extra leading zeros)");
    }
    if (!params.is_object()) return Invalid(at, ": expected an object {name: integer}");
    std::map<std::string, int64_t>& out = t->vulkan_params[family];
    for (const auto& [name, value] : params.items()) {
      if (!IsTuningParamName(name)) {
        return Invalid(at, ": parameter name \"", name, "\" is not [a-z][a-z0-9_]{0,31}");
      }
      if (!value.is_number_integer() ||
          (value.is_number_unsigned() && value.get<uint64_t>() > INT64_MAX)) {
        return Invalid(at, ".", name, ": expected an integer, got ", value.dump());
      }
      out[name] = value.get<int64_t>();
    }
  }
  return Status::Ok();
}

}  // namespace

bool IsTuningParamName(std::string_view name) {
  if (name.empty() || name.size() > 32 || name[0] < 'a' || name[0] > 'z') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

const std::map<std::string, int64_t>* VulkanParamsFor(const VariantTuning& tuning,
                                                      uint32_t vendor_id) {
  auto it = tuning.vulkan_params.find(GpuFamilyKey(vendor_id));
  if (it == tuning.vulkan_params.end()) it = tuning.vulkan_params.find("default");
  return it == tuning.vulkan_params.end() ? nullptr : &it->second;
}

std::string GpuFamilyKey(uint32_t vendor_id) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%04" PRIx32, vendor_id);
  return buf;
}

bool IsGpuFamilyKey(std::string_view key) {
  if (key == "default") return true;
  if (key.size() < 6 || key.size() > 10 || key.substr(0, 2) != "0x") return false;
  for (char c : key.substr(2)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return key.size() == 6 || key[2] != '0';  // "0x0005143" would be a second spelling of 0x5143
}

std::optional<std::array<int64_t, 3>> WorkgroupSizeFor(const VariantTuning& tuning,
                                                       uint32_t vendor_id) {
  auto it = tuning.workgroup_size.find(GpuFamilyKey(vendor_id));
  if (it == tuning.workgroup_size.end()) it = tuning.workgroup_size.find("default");
  if (it == tuning.workgroup_size.end()) return std::nullopt;
  return it->second;
}

Result<VariantTuning> ParseVariantTuning(const Json& json, std::string_view backend,
                                         std::string_view what) {
  const std::string path(what);
  if (!json.is_object()) return Invalid(path, ": expected an object");
  VariantTuning t;
  for (const auto& [key, value] : json.items()) {
    if (key == "threads") {
      if (backend != "cpu") {
        return Invalid(path, ".threads: applies only to backend cpu (this target's backend is ",
                       backend, ")");
      }
      if (!value.is_number_integer() || value.get<int64_t>() < 1 || value.get<int64_t>() > 256) {
        return Invalid(path, ".threads: expected an integer 1..256");
      }
      t.threads = value.get<int64_t>();
    } else if (key == "workgroup_size") {
      MOTA_RETURN_IF_ERROR(ParseWorkgroupSizes(value, backend, path + ".workgroup_size", &t));
    } else if (key == "vulkan_params") {
      MOTA_RETURN_IF_ERROR(ParseVulkanParams(value, backend, path + ".vulkan_params", &t));
    } else {
      t.unrecognized[key] = value;
    }
  }
  return t;
}

Json ToJson(const VariantTuning& t) {
  Json out = t.unrecognized.is_object() ? t.unrecognized : Json::object();
  if (t.threads) out["threads"] = *t.threads;
  if (!t.workgroup_size.empty()) {
    Json sizes = Json::object();
    for (const auto& [family, xyz] : t.workgroup_size) sizes[family] = xyz;
    out["workgroup_size"] = sizes;
  }
  if (!t.vulkan_params.empty()) {
    Json params = Json::object();
    for (const auto& [family, values] : t.vulkan_params) params[family] = values;
    out["vulkan_params"] = params;
  }
  return out;
}

Status CheckModelName(std::string_view name, std::string_view what) {
  MOTA_RETURN_IF_ERROR(CheckName(name, "model", what));
  for (const char* reserved : {"root", "targets", "snapshot", "timestamp"}) {
    if (name == reserved) {
      return Invalid(what, ": model \"", name, "\" is a top-level role name; choose another");
    }
  }
  return Status::Ok();
}

Status CheckVariantId(std::string_view id, std::string_view what) {
  return CheckName(id, "variant", what);
}

std::string VariantTargetPath(std::string_view model, std::string_view variant, int64_t release) {
  return Cat("models/", model, "/", variant, ".r", release, ".json");
}

std::string ModelPathPattern(std::string_view model) { return Cat("models/", model, "/*"); }

Result<VariantTarget> ParseVariantTarget(const Json& custom, std::string_view what) {
  const std::string path = Cat(what, ".custom");
  if (!custom.is_object()) return Invalid(path, ": expected an object");
  Reader r{custom, path, {}};
  VariantTarget t;
  MOTA_RETURN_IF_ERROR(r.Str("model", &t.model));
  MOTA_RETURN_IF_ERROR(CheckModelName(t.model, path + ".model"));
  MOTA_RETURN_IF_ERROR(r.Int("release", 1, &t.release));
  MOTA_RETURN_IF_ERROR(r.Str("version", &t.version));
  if (t.version.empty() || t.version.size() > 64) {
    return Invalid(path, ".version: expected 1 to 64 bytes, got ", t.version.size());
  }
  MOTA_RETURN_IF_ERROR(r.Str("variant", &t.variant));
  MOTA_RETURN_IF_ERROR(CheckVariantId(t.variant, path + ".variant"));
  MOTA_RETURN_IF_ERROR(r.Str("backend", &t.backend));
  if (!OneOf(t.backend, {"cpu", "vulkan"})) {
    return Invalid(path, ".backend: \"", t.backend, "\" is not one of cpu, vulkan");
  }
  MOTA_RETURN_IF_ERROR(r.Str("precision", &t.precision));
  if (!OneOf(t.precision, {"fp32", "fp16", "int8", "int8-weights"})) {
    return Invalid(path, ".precision: \"", t.precision,
                   "\" is not one of fp32, fp16, int8, int8-weights");
  }
  MOTA_ASSIGN_OR_RETURN(const Json* req, r.Get("requires"));
  if (!req->is_object()) return Invalid(path, ".requires: expected an object");
  t.requires_ = *req;
  MOTA_RETURN_IF_ERROR(r.Int("priority", INT64_MIN, &t.priority));
  MOTA_RETURN_IF_ERROR(r.Str("min_runtime_version", &t.min_runtime_version));
  if (!IsSemver(t.min_runtime_version)) {
    return Invalid(path, ".min_runtime_version: \"", t.min_runtime_version,
                   "\" is not MAJOR.MINOR.PATCH");
  }
  MOTA_RETURN_IF_ERROR(r.Int("format_version", 1, &t.format_version));
  MOTA_ASSIGN_OR_RETURN(const Json* revoked, r.Get("revoked"));
  if (!revoked->is_boolean()) return Invalid(path, ".revoked: expected true or false");
  t.revoked = revoked->get<bool>();
  r.used.push_back("tuning");
  if (auto it = custom.find("tuning"); it != custom.end()) {
    MOTA_ASSIGN_OR_RETURN(t.tuning, ParseVariantTuning(*it, t.backend, path + ".tuning"));
  }
  for (const auto& [k, v] : custom.items()) {
    if (std::find(r.used.begin(), r.used.end(), k) == r.used.end()) t.unrecognized[k] = v;
  }
  return t;
}

Json ToJson(const VariantTarget& t) {
  Json out = t.unrecognized.is_object() ? t.unrecognized : Json::object();
  out["model"] = t.model;
  out["release"] = t.release;
  out["version"] = t.version;
  out["variant"] = t.variant;
  out["backend"] = t.backend;
  out["precision"] = t.precision;
  out["requires"] = t.requires_;
  out["priority"] = t.priority;
  out["min_runtime_version"] = t.min_runtime_version;
  out["format_version"] = t.format_version;
  out["revoked"] = t.revoked;
  if (t.tuning) out["tuning"] = ToJson(*t.tuning);
  return out;
}

}  // namespace mota::tuf
