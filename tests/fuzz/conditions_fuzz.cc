// Device conditions (a target's `requires`, manifests/lib/conditions) as the device parses and
// evaluates them. Beyond "no crash": the JSON form is a fixed point (what parses, written back
// and parsed again, writes the same JSON), and evaluation against a few device profiles always
// gives an answer, with a reason whenever a variant does not fit.
#include <string>
#include <string_view>

#include "fuzz_target.h"
#include "manifests/lib/conditions/conditions.h"
#include "manifests/lib/tuf/canonical_json.h"

namespace {

namespace cond = mota::conditions;

// A phone with a Mali GPU, a desktop with nothing optional known, and an empty profile.
std::vector<cond::DeviceFacts> Devices() {
  cond::DeviceFacts phone{"arm64",
                          {"neon", "dotprod"},
                          8,
                          6144,
                          "android",
                          "13",
                          "MT6789",
                          "0.1.0",
                          {{"vulkan", 0x13b5, 0x92020010, "32.1"}}};
  cond::DeviceFacts desktop{"x86_64", {"avx2", "fma"}, 16, 65536, "linux", "6.1", "", "1.2.3", {}};
  return {phone, desktop, cond::DeviceFacts{}};
}

int Run(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  mota::Result<nlohmann::json> doc = mota::tuf::ParseJson(text, "requires");
  if (!doc.ok()) return 0;
  mota::Result<cond::Requires> req = cond::ParseRequires(doc.value(), "requires");
  if (!req.ok()) return 0;
  const nlohmann::json once = cond::ToJson(req.value());
  mota::Result<cond::Requires> again = cond::ParseRequires(once, "requires");
  MOTA_FUZZ_CHECK(again.ok(), again.status().ToString());
  MOTA_FUZZ_CHECK(cond::ToJson(again.value()) == once, once.dump());
  for (const cond::DeviceFacts& device : Devices()) {
    cond::Fit fit = cond::Evaluate(req.value(), device);
    MOTA_FUZZ_CHECK(fit.fits == fit.why.empty(), fit.why);
  }
  const cond::DeviceConditions& c = req.value().conditions;
  for (const std::string* v : {&c.os_version.min, &c.os_version.max, &c.min_runtime_version}) {
    if (v->empty()) continue;
    MOTA_FUZZ_CHECK(cond::IsDottedVersion(*v), *v);
    MOTA_FUZZ_CHECK(cond::CompareVersions(*v, *v) == 0, *v);
  }
  return 0;
}

}  // namespace

MOTA_FUZZ_TARGET("conditions", Run)
