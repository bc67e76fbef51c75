// mota's target custom metadata (manifests/spec/repository.md "Targets: variant indexes") and
// the profile's naming rules. Shared so the packager writes, the server checks and the device
// reads exactly the same fields.
//
//   MOTA_ASSIGN_OR_RETURN(VariantTarget v, ParseVariantTarget(*file.custom, path));
//   if (v.revoked) ...;
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "manifests/lib/tuf/metadata.h"
#include "manifests/lib/tuf/status.h"

namespace mota::tuf {

// The custom object of one variant-index target. Every field is required.
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
