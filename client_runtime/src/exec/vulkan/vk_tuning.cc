#include "exec/vulkan/vk_tuning.h"

#include <algorithm>
#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <vector>

#include "exec/vulkan/vk_tuning_keys.h"

namespace mota::exec::vk {
namespace {

struct VendorRow {
  uint32_t vendor_id;
  const char* name;
  Tuning tuning;
};

// Why these values: NVIDIA runs 32-wide warps and likes 256-thread groups; AMD GCN/RDNA 64-wide
// waves; Intel 8-32-wide SIMD with small register files; Mali and PowerVR prefer small groups
// (64) and small tiles (register pressure, 16 KB shared memory); Adreno 64-128-wide waves;
// lavapipe runs a workgroup on one CPU thread with 8-wide lanes (AVX2), so moderate groups
// amortise the per-group overhead. Measured numbers override these through the variant.
// gemm_min_groups: a few workgroups per compute unit (big AMD: 60-96 CUs, Intel Xe: 32-96 EUs
// / 8, mobile GPUs: 1-16 cores); off on CPU devices (2-16 threads). NVIDIA measured on an H100
// (132 SMs; steady median fp32 / fp16, bench/vulkan/RESULTS.md): 0 -> 128 -> 512 gives resnet18
// 6.07 -> 1.00 -> 0.70 ms / 5.67 -> 0.90 -> 0.74 ms, squeezenet1_1 0.86 -> 0.46 -> 0.46 ms,
// mobilenet_v2 1.18 -> 0.56 -> 0.57 ms.
constexpr VendorRow kVendors[] = {
    // elementwise_wg, gemm_tile, gemm_regs, reduce_wg, gemm_shared, gemm_min_groups
    {0x10DE, "NVIDIA", {256, 16, 4, 128, 1, 512}},
    {0x1002, "AMD", {256, 16, 4, 64, 1, 64}},
    {0x8086, "Intel", {128, 16, 2, 64, 1, 32}},
    {0x13B5, "ARM Mali", {64, 8, 4, 64, 1, 8}},
    {0x5143, "Qualcomm Adreno", {128, 16, 2, 64, 1, 8}},
    {0x1010, "Imagination PowerVR", {64, 8, 2, 32, 1, 4}},
    {0x10005, "Mesa (CPU)", {64, 16, 4, 64, 1, 0}},
};

// "0x10de" for 0x10DE, "0x10005": the family keys of a variant's tuning (manifests/lib/tuf/
// target_custom.h GpuFamilyKey), at least 4 lowercase hex digits.
std::string FamilyOf(uint32_t vendor_id) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%04" PRIx32, vendor_id);
  return buf;
}

bool IsFamily(std::string_view family) {
  if (family == "default") return true;
  if (family.size() < 6 || family.size() > 10 || family.substr(0, 2) != "0x") return false;
  return std::all_of(family.begin() + 2, family.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// The field a (known) key sets.
uint32_t* Slot(Tuning* t, std::string_view key) {
  return key == "elementwise_wg" ? &t->elementwise_wg
         : key == "gemm_tile"    ? &t->gemm_tile
         : key == "gemm_regs"    ? &t->gemm_regs
         : key == "reduce_wg"    ? &t->reduce_wg
         : key == "gemm_shared"  ? &t->gemm_shared
                                 : &t->gemm_min_groups;
}

void Clamp(const DeviceInfo& d, Tuning* t) {
  const uint32_t max_threads = std::min(d.max_workgroup_invocations, d.max_workgroup_size[0]);
  while (t->elementwise_wg > max_threads) t->elementwise_wg /= 2;
  while (t->reduce_wg > max_threads) t->reduce_wg /= 2;
  // tile x tile threads; shared memory: conv_gemm.comp keeps two 16 x (tile * regs) float
  // tiles (one row-padded by an element), gemm.comp two tile x tile ones. The shaders hold at most
  // 4 x 4 accumulators.
  t->gemm_regs = std::min<uint32_t>(t->gemm_regs, 4);
  // In 64 bits: a variant's gemm_tile may be any power of two below 2^32, and in 32 bits
  // 2^30 x 2^30 wraps to 0 and passed as fitting (found by tests/fuzz vk_tuning).
  const auto tile = [&] { return uint64_t{t->gemm_tile}; };
  const auto shared_bytes = [&] {
    return std::max(16 * (2 * tile() * t->gemm_regs + 1), 2 * tile() * tile()) * 4;
  };
  while (t->gemm_tile > 1 &&
         (tile() * tile() > d.max_workgroup_invocations || shared_bytes() > d.max_shared_memory)) {
    t->gemm_tile /= 2;
  }
}

// One "[family:]key=value" item, checked against the key table (vk_tuning_keys.h).
struct Item {
  std::string_view family;  // empty: unqualified (the default entry)
  std::string_view key;
  uint32_t value = 0;
};

Result<Item> ParseItem(std::string_view text) {
  Item item;
  const size_t eq = text.find('=');
  if (eq == std::string_view::npos && text.back() == ':' &&
      IsFamily(text.substr(0, text.size() - 1))) {
    item.family = text.substr(0, text.size() - 1);  // "0x10005:": that family's entry is empty
    return item;
  }
  if (eq == std::string_view::npos) {
    return InvalidArgument("Vulkan tuning parameter '", text, "': expected key=value");
  }
  item.key = text.substr(0, eq);
  const std::string_view value = text.substr(eq + 1);
  if (const size_t colon = item.key.find(':'); colon != std::string_view::npos) {
    item.family = item.key.substr(0, colon);
    item.key = item.key.substr(colon + 1);
    if (!IsFamily(item.family)) {
      return InvalidArgument("Vulkan tuning parameter '", text, "': GPU family '", item.family,
                             "' is neither 'default' nor a vendor id like '0x10de'");
    }
  }
  const TuningKey* key = FindTuningKey(item.key);
  if (key == nullptr) {
    return InvalidArgument("unknown Vulkan tuning parameter '", item.key, "' (expected one of ",
                           TuningKeyNames(), ")");
  }
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), item.value);
  if (ec != std::errc() || end != value.data() + value.size() || !HasTuningKind(*key, item.value)) {
    return InvalidArgument("Vulkan tuning parameter '", item.key, "': value '", value, "' is not ",
                           key->kind == TuningValueKind::kFlag         ? "0 or 1"
                           : key->kind == TuningValueKind::kPowerOfTwo ? "a power of two"
                                                                       : "a count 0..4294967295");
  }
  return item;
}

}  // namespace

const char* VendorName(uint32_t vendor_id) {
  for (const VendorRow& row : kVendors) {
    if (row.vendor_id == vendor_id) return row.name;
  }
  return "other";
}

Tuning DefaultTuning(const DeviceInfo& device) {
  Tuning t{64, 8, 2, 64};
  for (const VendorRow& row : kVendors) {
    if (row.vendor_id == device.vendor_id) t = row.tuning;
  }
  // lavapipe, SwiftShader: a workgroup barrier is a coroutine switch per SIMD slice. Measured on
  // lavapipe (steady median, loaded 2-core machine): mobilenet_v2 3360 -> 1496 ms and
  // squeezenet1_1 2889 -> 1596 ms without shared-memory tiles; resnet18 within noise.
  t.gemm_shared = device.type == VK_PHYSICAL_DEVICE_TYPE_CPU ? 0 : 1;
  Clamp(device, &t);
  return t;
}

Status ApplyTuningParameters(std::string_view params, const DeviceInfo& device, Tuning* tuning) {
  std::vector<Item> items;
  while (!params.empty()) {
    const size_t comma = params.find(',');
    const std::string_view text = params.substr(0, comma);
    params = comma == std::string_view::npos ? std::string_view() : params.substr(comma + 1);
    if (text.empty()) continue;
    MOTA_ASSIGN_OR_RETURN(Item item, ParseItem(text));
    items.push_back(item);
  }
  // The device's family entry when there is one, else the default entry: the rule of the
  // variant's workgroup_size (vulkan_backend.h), so one variant carries every vendor's values.
  const std::string family = FamilyOf(device.vendor_id);
  const bool own =
      std::any_of(items.begin(), items.end(), [&](const Item& i) { return i.family == family; });
  Tuning wanted = *tuning;
  for (const Item& item : items) {
    const bool applies =
        own ? item.family == family : item.family.empty() || item.family == "default";
    if (applies && !item.key.empty()) *Slot(&wanted, item.key) = item.value;
  }
  Tuning clamped = wanted;
  Clamp(device, &clamped);
  if (wanted.elementwise_wg != clamped.elementwise_wg || wanted.gemm_tile != clamped.gemm_tile ||
      wanted.gemm_regs != clamped.gemm_regs || wanted.reduce_wg != clamped.reduce_wg) {
    return InvalidArgument("Vulkan tuning '", TuningToString(wanted), "' exceeds the limits of '",
                           device.name, "' (", device.max_workgroup_invocations,
                           " threads per workgroup, ", device.max_shared_memory,
                           " bytes of shared memory)");
  }
  *tuning = clamped;  // only now: a refused set leaves the tuning as it was
  return Status::Ok();
}

std::string TuningToString(const Tuning& t) {
  return StrCat("elementwise_wg=", t.elementwise_wg, ",gemm_tile=", t.gemm_tile,
                ",gemm_regs=", t.gemm_regs, ",reduce_wg=", t.reduce_wg,
                ",gemm_shared=", t.gemm_shared, ",gemm_min_groups=", t.gemm_min_groups);
}

}  // namespace mota::exec::vk
