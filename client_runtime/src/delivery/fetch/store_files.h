// File helpers of the device chunk store (POSIX, exception-free).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace mota::fetch {

// mkdir -p.
Status MakeDirs(const std::string& path);

// The whole file; OutOfRange when it is larger than `max_bytes`, NotFound when it is missing.
Result<std::vector<uint8_t>> ReadWholeFile(const std::string& path, uint64_t max_bytes);

// rename(from, to), naming both paths on failure.
Status Rename(const std::string& from, const std::string& to);

// Size of a regular file, or -1 when it does not exist.
int64_t FileSize(const std::string& path);

}  // namespace mota::fetch
