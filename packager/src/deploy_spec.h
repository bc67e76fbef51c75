// The deployment spec `deploy.yaml` (manifests/spec/deploy-spec.md): parsed with yaml-cpp into
// plain structs and validated as a whole. Every problem is reported, not only the first, each as
// "FILE:LINE:COLUMN: where: what was wrong, and what was expected":
//
//   deploy.yaml:14:16: variant 'gpu-fp16': precision 'int4' is not one of fp32, fp16, int8,
//   int8-weights
//
// Paths in the spec are resolved against the yaml's directory and checked: the source model
// must exist, and calibration directories must hold samples matching the declared inputs.
//
// Usage:
//   MOTA_ASSIGN_OR_RETURN(DeploySpec spec, LoadDeploySpec("examples/mobilenet_v2/deploy.yaml"));
//   for (const Variant& v : spec.variants) { ... EffectiveGate(spec, v) ... }
//
// Host-only (packager): yaml-cpp exceptions are caught here and never leave this file.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "manifests/lib/conditions/conditions.h"
#include "manifests/lib/tuf/target_custom.h"

namespace mota::packager {

// Where a value came from in the yaml (1-based; 0 when unknown).
struct SourceMark {
  int line = 0;
  int column = 0;
};

// Device conditions (a variant's `requires`, a quirk's `when`) are the shared type of
// manifests/lib/conditions, which the device client evaluates; see conditions.h.
using conditions::CompareVersions;
using conditions::DeviceConditions;
using conditions::GpuConditions;
using conditions::IsDottedVersion;
using conditions::ToJson;
using conditions::VersionRange;

// The accuracy gate; unset fields take the precision's default (manifests/spec/quantization.md).
struct AccuracyGate {
  std::optional<double> min_cosine;
  std::optional<double> min_sqnr_db;
};

// Backend tuning parameters: the type that travels in the target's custom metadata
// (manifests/lib/tuf/target_custom.h), so what the parser checked is what the device reads.
using Tuning = tuf::VariantTuning;

// A driver quirk of a vulkan variant (deploy-spec.md `driver_quirks`): on the GPUs `when` names,
// the device's Vulkan backend runs this variant in fp32 or not at all (then on the CPU). It
// travels in the target's custom metadata as `vulkan_quirks` (exec/vulkan/vk_quirks.h).
struct DriverQuirk {
  DeviceConditions when;  // only `gpu` conditions
  std::string action;     // "disable_fp16" | "disable_backend" | "tuning"
  // action tuning: Vulkan tuning parameters (as in tuning.vulkan_params, checked against the
  // backend's table) the matching GPUs run with, over the variant's own.
  std::map<std::string, int64_t> tuning;
  std::string reason;
};

struct Variant {
  std::string id;
  std::string backend;    // "cpu" | "vulkan"
  std::string precision;  // "fp32" | "fp16" | "int8" | "int8-weights"
  DeviceConditions requires_;
  int64_t priority = 0;
  AccuracyGate gate;  // the variant's own override; see EffectiveGate
  Tuning tuning;
  std::vector<DriverQuirk> driver_quirks;  // vulkan variants only
  SourceMark mark;
};

struct Quirk {
  DeviceConditions when;
  std::vector<std::string> deny;  // variant ids
  std::string deny_all_backend;   // "cpu" | "vulkan"; empty when `deny` is used
  std::string reason;
  SourceMark mark;

  // Whether this quirk denies `variant`.
  bool Denies(const Variant& variant) const;
};

struct Calibration {
  std::string dir;       // resolved (absolute or relative to the working directory)
  std::string eval_dir;  // resolved; empty: the calibration samples
  std::string method = "minmax";
  double percentile = 99.99;
  int samples = 0;       // sample subdirectories found in dir
  int eval_samples = 0;  // ... in eval_dir
};

struct InputShape {
  std::string name;
  std::vector<int64_t> dims;
};

struct DeploySpec {
  std::string path;  // the yaml file as given
  int64_t format = 1;
  std::string model;
  std::string version;
  std::string source;              // resolved path of the .onnx file
  std::vector<InputShape> inputs;  // in file order
  std::optional<Calibration> calibration;
  AccuracyGate gate;
  std::vector<Variant> variants;  // in file order
  std::vector<Quirk> quirks;      // in file order
};

// Reads, parses and validates `path`. On any problem: INVALID_ARGUMENT (NOT_FOUND when only the
// file itself is missing) whose message lists every error, one per line.
Result<DeploySpec> LoadDeploySpec(const std::string& path);

// Parses yaml text. `display_name` prefixes the errors; relative paths resolve against `base_dir`.
// Returns the spec and every error found ("FILE:LINE:COLUMN: ..."); the spec is only meaningful
// when `errors` is empty.
struct ParsedDeploySpec {
  DeploySpec spec;
  std::vector<std::string> errors;
};
ParsedDeploySpec ParseDeploySpec(std::string_view yaml, const std::string& display_name,
                                 const std::string& base_dir);

// The variant's gate: its own fields, else the spec's, else unset (the precision's default).
AccuracyGate EffectiveGate(const DeploySpec& spec, const Variant& variant);

// The target's `requires` (deploy-spec.md "What travels with the release"): the variant's
// conditions plus "quirks": [{"when": ..., "reason": ...}] for every quirk that denies it.
// Canonical-JSON-ready: integers and strings only, absent keys omitted.
conditions::Requires TargetRequires(const DeploySpec& spec, const Variant& variant);

}  // namespace mota::packager
