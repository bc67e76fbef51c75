// The variant index (manifests/lib/bundle/index.h), as the device reads it from a target.
// Beyond "no crash": an index that parses is canonical, so serializing it gives back exactly
// the input bytes, and it passes ValidateIndex.
#include <string>

#include "fuzz_target.h"
#include "manifests/lib/bundle/index.h"

namespace {

int Run(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  mota::Result<mota::bundle::VariantIndex> index = mota::bundle::ParseIndex(text);
  if (!index.ok()) return 0;
  MOTA_FUZZ_CHECK(mota::bundle::ValidateIndex(index.value()).ok(), text);
  mota::Result<std::string> bytes = mota::bundle::SerializeIndex(index.value());
  MOTA_FUZZ_CHECK(bytes.ok(), bytes.status().ToString());
  MOTA_FUZZ_CHECK(bytes.value() == text, "serialize(parse(x)) != x: " + bytes.value());
  return 0;
}

}  // namespace

MOTA_FUZZ_TARGET("variant_index", Run)
