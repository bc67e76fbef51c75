// The Vulkan backend's tuning parameters as data: names, what values each takes, and the most a
// device can run. Header-only and free of Vulkan headers, so that the packager checks a variant's
// `tuning.vulkan_params` (deploy-spec.md) against the very table the device parses with
// (vk_tuning.cc ApplyTuningParameters), without a GPU and in builds without the Vulkan backend.
//
//   const TuningKey* key = FindTuningKey("gemm_tile");   // null: unknown
//   MOTA_RETURN_IF_ERROR(CheckTuningValue(*key, 16));     // kind and device-independent range
//
// The device checks the kind (power of two, flag, count) and its own limits; the packager checks
// the kind and `max`, the most any device's shaders are written for (1024 threads per workgroup:
// Vulkan drivers report at most that, and a workgroup_size is bounded the same way).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace mota::exec::vk {

enum class TuningValueKind {
  kPowerOfTwo,  // 1, 2, 4, ... <= max
  kFlag,        // 0 or 1
  kCount,       // 0 ..= max
};

struct TuningKey {
  std::string_view name;
  TuningValueKind kind;
  uint32_t max;
};

// In Tuning's field order (vk_tuning.h documents each field).
inline constexpr TuningKey kTuningKeys[] = {
    {"elementwise_wg", TuningValueKind::kPowerOfTwo, 1024},  // threads per workgroup
    {"gemm_tile", TuningValueKind::kPowerOfTwo, 32},         // tile x tile <= 1024 threads
    {"gemm_regs", TuningValueKind::kPowerOfTwo, 4},          // shaders hold <= 4 x 4 accumulators
    {"reduce_wg", TuningValueKind::kPowerOfTwo, 1024},       // threads per workgroup
    {"gemm_shared", TuningValueKind::kFlag, 1},
    {"gemm_min_groups", TuningValueKind::kCount, UINT32_MAX},
};

// The key named `name`; null when there is none.
inline const TuningKey* FindTuningKey(std::string_view name) {
  for (const TuningKey& key : kTuningKeys) {
    if (key.name == name) return &key;
  }
  return nullptr;
}

// "elementwise_wg, gemm_tile, gemm_regs, reduce_wg, gemm_shared, gemm_min_groups".
inline std::string TuningKeyNames() {
  std::string out;
  for (const TuningKey& key : kTuningKeys) out += StrCat(out.empty() ? "" : ", ", key.name);
  return out;
}

// What `key` takes: "a power of two 1..32", "0 or 1", "an integer 0..4294967295".
inline std::string TuningValueRange(const TuningKey& key) {
  switch (key.kind) {
    case TuningValueKind::kPowerOfTwo:
      return StrCat("a power of two 1..", key.max);
    case TuningValueKind::kFlag:
      return "0 or 1";
    case TuningValueKind::kCount:
      break;
  }
  return StrCat("an integer 0..", key.max);
}

// Whether `value` has the key's kind (power of two, flag, count); no upper bound for powers of
// two and counts beyond uint32 (the device's own limits bound them, vk_tuning.cc).
inline bool HasTuningKind(const TuningKey& key, int64_t value) {
  if (value < 0 || value > int64_t{UINT32_MAX}) return false;
  switch (key.kind) {
    case TuningValueKind::kPowerOfTwo:
      return value != 0 && (value & (value - 1)) == 0;
    case TuningValueKind::kFlag:
      return value <= 1;
    case TuningValueKind::kCount:
      break;
  }
  return true;
}

// The device-independent check: the key's kind and `max`. INVALID_ARGUMENT naming the key, the
// value and the range.
inline Status CheckTuningValue(const TuningKey& key, int64_t value) {
  if (HasTuningKind(key, value) && value <= int64_t{key.max}) return Status::Ok();
  return InvalidArgument("Vulkan tuning parameter '", key.name, "': value ", value, " is not ",
                         TuningValueRange(key));
}

}  // namespace mota::exec::vk
