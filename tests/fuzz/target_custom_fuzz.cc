// A variant target's custom metadata (manifests/lib/tuf/target_custom.h) as the device reads it
// from a verified targets role, with its `requires` and `tuning` parsed as the device does.
// Beyond "no crash": what parses is a fixed point of ToJson(Parse(.)), unknown fields included.
#include <string>
#include <string_view>

#include "fuzz_target.h"
#include "manifests/lib/conditions/conditions.h"
#include "manifests/lib/tuf/canonical_json.h"
#include "manifests/lib/tuf/target_custom.h"

namespace {

namespace tuf = mota::tuf;

int Run(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  mota::Result<tuf::Json> doc = tuf::ParseJson(text, "custom");
  if (!doc.ok()) return 0;
  mota::Result<tuf::VariantTarget> target = tuf::ParseVariantTarget(doc.value(), "target");
  if (!target.ok()) return 0;
  const tuf::Json once = tuf::ToJson(target.value());
  MOTA_FUZZ_CHECK(once == doc.value(), once.dump());
  mota::Result<tuf::VariantTarget> again = tuf::ParseVariantTarget(once, "target");
  MOTA_FUZZ_CHECK(again.ok(), again.status().ToString());
  MOTA_FUZZ_CHECK(tuf::ToJson(again.value()) == once, once.dump());
  (void)tuf::VariantTargetPath(target.value().model, target.value().variant,
                               target.value().release);
  (void)mota::conditions::ParseRequires(target.value().requires_, "target.custom.requires");
  return 0;
}

}  // namespace

MOTA_FUZZ_TARGET("target_custom", Run)
