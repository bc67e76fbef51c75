// mota's target custom metadata (manifests/spec/repository.md "Targets: variant indexes") and
// the profile's naming rules. Shared so the packager writes, the server checks and the device
// reads exactly the same fields.
//
//   MOTA_ASSIGN_OR_RETURN(VariantTarget v, ParseVariantTarget(*file.custom, path));
//   if (v.revoked) ...;
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "manifests/lib/tuf/metadata.h"
#include "manifests/lib/tuf/status.h"

namespace mota::tuf {

// Backend tuning parameters (deploy-spec.md `tuning`; repository.md "Targets"): hints the device
// backend applies to this variant. Each key belongs to one backend (threads: cpu, workgroup_size:
// vulkan); a hint the device does not use only costs speed, never correctness.
struct VariantTuning {
  std::optional<int64_t> threads;  // cpu: 1..256
  // vulkan: GPU family -> workgroup [x, y, z] (each >= 1, x*y*z <= 1024). The family is "default"
  // or the PCI vendor id as "0x" + lowercase hex, at least 4 digits, no other leading zeros
  // ("0x5143", "0x10005"): one spelling per vendor, so the device finds its entry by formatting.
  std::map<std::string, std::array<int64_t, 3>> workgroup_size;
  // vulkan: GPU family (as above) -> backend tuning parameter -> integer value
  // ({"default": {"gemm_tile": 16}, "0x10de": {"gemm_min_groups": 512}}). Checked here for syntax
  // only (names `[a-z][a-z0-9_]{0,31}`, integers): the names and ranges are the Vulkan backend's
  // (client_runtime/src/exec/vulkan/vk_tuning_keys.h), which the packager checks against.
  std::map<std::string, std::map<std::string, int64_t>> vulkan_params;
  Json unrecognized = EmptyObject();  // keys of a newer packager, kept

  bool empty() const {
    return !threads && workgroup_size.empty() && vulkan_params.empty() && unrecognized.empty();
  }
};

// The family key of a vendor id: 0x5143 -> "0x5143", 0x10005 -> "0x10005".
std::string GpuFamilyKey(uint32_t vendor_id);
// Whether `key` is "default" or a GpuFamilyKey spelling.
bool IsGpuFamilyKey(std::string_view key);
// The workgroup size for a GPU: its vendor's entry, else "default", else none (the backend's
// own choice).
std::optional<std::array<int64_t, 3>> WorkgroupSizeFor(const VariantTuning& tuning,
                                                       uint32_t vendor_id);

// The vulkan_params entry for a GPU: its vendor's, else "default", else none.
const std::map<std::string, int64_t>* VulkanParamsFor(const VariantTuning& tuning,
                                                      uint32_t vendor_id);
// Whether `name` is a well-formed parameter name: `[a-z][a-z0-9_]{0,31}`.
bool IsTuningParamName(std::string_view name);

// `backend` is the target's; a key of the other backend is an error naming it.
Result<VariantTuning> ParseVariantTuning(const Json& json, std::string_view backend,
                                         std::string_view what);
Json ToJson(const VariantTuning& tuning);

// The custom object of one variant-index target. Every field is required except `tuning`.
struct VariantTarget {
  std::string model;                // = the delegated role's name
  int64_t release = 1;              // >= 1, only increases per model
  std::string version;              // the researcher's label, <= 64 bytes
  std::string variant;              // unique within a release
  std::string backend;              // "cpu" | "vulkan"
  std::string precision;            // "fp32" | "fp16" | "int8" | "int8-weights"
  Json requires_ = Json::object();  // device conditions (deploy-spec.md); opaque here
  int64_t priority = 0;
  std::string min_runtime_version;  // "MAJOR.MINOR.PATCH"
  int64_t format_version = 1;       // the .mota format version
  bool revoked = false;
  std::optional<VariantTuning> tuning;  // absent: no tuning, the backend chooses
  Json unrecognized = EmptyObject();
};

Result<VariantTarget> ParseVariantTarget(const Json& custom, std::string_view what);
Json ToJson(const VariantTarget& target);

// `[a-z0-9][a-z0-9_-]{0,63}`; for models also none of the top-level role names.
Status CheckModelName(std::string_view name, std::string_view what);
Status CheckVariantId(std::string_view id, std::string_view what);
// "models/<model>/<variant>.r<release>.json".
std::string VariantTargetPath(std::string_view model, std::string_view variant, int64_t release);
// The delegation pattern of a model's role: "models/<model>/*".
std::string ModelPathPattern(std::string_view model);

}  // namespace mota::tuf
