// deploy.yaml (packager/src/deploy_spec.h): a researcher's file, parsed with yaml-cpp. Not
// device input, but every mistake in it must give an error with its line, never a crash or a
// yaml-cpp exception escaping. Beyond "no crash": every error starts with "FILE:LINE:COLUMN: ",
// and a spec that parses gives every variant a target `requires` and `tuning` that the device
// parses back.
// Relative paths resolve against a scratch folder holding an empty `model.onnx` (the seeds'
// source), so a valid spec gets past the file checks; nothing is ever written by the parser.
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "fuzz_target.h"
#include "manifests/lib/conditions/conditions.h"
#include "manifests/lib/tuf/target_custom.h"
#include "packager/src/deploy_spec.h"

namespace {

namespace pk = mota::packager;

// "fuzz.yaml:12:3: ..." with positive numbers.
bool HasPosition(const std::string& error) {
  const std::string prefix = "fuzz.yaml:";
  if (error.rfind(prefix, 0) != 0) return false;
  size_t i = prefix.size();
  for (int field = 0; field < 2; ++field) {
    const size_t start = i;
    while (i < error.size() && error[i] >= '0' && error[i] <= '9') ++i;
    if (i == start || i >= error.size() || error[i] != ':' || error[start] == '0') return false;
    ++i;
  }
  return i < error.size() && error[i] == ' ';
}

const std::string& BaseDir() {
  static const std::string dir = [] {
    const std::filesystem::path d = std::filesystem::temp_directory_path() / "mota-fuzz-deploy";
    std::error_code ec;
    std::filesystem::create_directories(d, ec);
    std::ofstream(d / "model.onnx", std::ios::app).flush();  // exists; the parser never reads it
    return d.string();
  }();
  return dir;
}

int Run(const uint8_t* data, size_t size) {
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  pk::ParsedDeploySpec parsed = pk::ParseDeploySpec(yaml, "fuzz.yaml", BaseDir());
  for (const std::string& error : parsed.errors) {
    MOTA_FUZZ_CHECK(HasPosition(error), error);
  }
  if (!parsed.errors.empty()) return 0;
  for (const pk::Variant& v : parsed.spec.variants) {
    const nlohmann::json requires_ = mota::conditions::ToJson(pk::TargetRequires(parsed.spec, v));
    auto back = mota::conditions::ParseRequires(requires_, v.id);
    MOTA_FUZZ_CHECK(back.ok(), back.status().ToString());
    (void)pk::EffectiveGate(parsed.spec, v);
    // The tuning the parser accepted is what the target carries and the device accepts.
    if (v.tuning.empty()) continue;
    const mota::tuf::Json tuning = mota::tuf::ToJson(v.tuning);
    auto read = mota::tuf::ParseVariantTuning(tuning, v.backend, v.id);
    MOTA_FUZZ_CHECK(read.ok(), read.status().ToString());
    MOTA_FUZZ_CHECK(mota::tuf::ToJson(read.value()) == tuning, tuning.dump());
  }
  return 0;
}

}  // namespace

MOTA_FUZZ_TARGET("deploy_spec", Run)
