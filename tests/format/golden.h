// The golden .mota corpus: valid models that must load and run, and hostile or broken files that
// must fail with a specific, clear error. Built deterministically from code so that a format
// change shows up as a byte difference against the committed files in manifests/golden/.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace mota::golden {

struct GoldenFile {
  std::string name;            // file name under manifests/golden/{valid,invalid}/
  std::vector<uint8_t> bytes;
  std::string expected_error;  // invalid only: a substring of the loader's message
  std::string description;
};

Result<std::vector<GoldenFile>> BuildValid();
Result<std::vector<GoldenFile>> BuildInvalid();

}  // namespace mota::golden
