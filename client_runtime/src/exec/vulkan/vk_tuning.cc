#include "exec/vulkan/vk_tuning.h"

#include <algorithm>
#include <charconv>

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

bool IsPowerOfTwo(uint32_t v) { return v != 0 && (v & (v - 1)) == 0; }

void Clamp(const DeviceInfo& d, Tuning* t) {
  const uint32_t max_threads = std::min(d.max_workgroup_invocations, d.max_workgroup_size[0]);
  while (t->elementwise_wg > max_threads) t->elementwise_wg /= 2;
  while (t->reduce_wg > max_threads) t->reduce_wg /= 2;
  // tile x tile threads; shared memory: conv_gemm.comp keeps two 16 x (tile * regs) float
  // tiles (one row-padded by an element), gemm.comp two tile x tile ones. The shaders hold at most
  // 4 x 4 accumulators.
  t->gemm_regs = std::min<uint32_t>(t->gemm_regs, 4);
  const auto shared_bytes = [&] {
    return std::max(16 * (2 * t->gemm_tile * t->gemm_regs + 1), 2 * t->gemm_tile * t->gemm_tile) *
           4;
  };
  while (t->gemm_tile > 1 && (t->gemm_tile * t->gemm_tile > d.max_workgroup_invocations ||
                              shared_bytes() > d.max_shared_memory)) {
    t->gemm_tile /= 2;
  }
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
  while (!params.empty()) {
    const size_t comma = params.find(',');
    const std::string_view item = params.substr(0, comma);
    params = comma == std::string_view::npos ? std::string_view() : params.substr(comma + 1);
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      return InvalidArgument("Vulkan tuning parameter '", item, "': expected key=value");
    }
    const std::string_view key = item.substr(0, eq), text = item.substr(eq + 1);
    uint32_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    const bool is_flag = key == "gemm_shared", is_count = key == "gemm_min_groups";
    if (ec != std::errc() || end != text.data() + text.size() ||
        (is_flag ? value > 1 : !is_count && !IsPowerOfTwo(value))) {
      if (is_flag) {
        return InvalidArgument("Vulkan tuning parameter 'gemm_shared': value '", text,
                               "' is not 0 or 1");
      }
      return InvalidArgument("Vulkan tuning parameter '", key, "': value '", text,
                             "' is not a power of two");
    }
    uint32_t* slot = key == "elementwise_wg" ? &tuning->elementwise_wg
                     : key == "gemm_tile"    ? &tuning->gemm_tile
                     : key == "gemm_regs"    ? &tuning->gemm_regs
                     : key == "reduce_wg"    ? &tuning->reduce_wg
                     : key == "gemm_shared"  ? &tuning->gemm_shared
                     : is_count              ? &tuning->gemm_min_groups
                                             : nullptr;
    if (slot == nullptr) {
      return InvalidArgument(
          "unknown Vulkan tuning parameter '", key,
          "' (expected elementwise_wg, gemm_tile, gemm_regs, reduce_wg, gemm_shared or ",
          "gemm_min_groups)");
    }
    *slot = value;
  }
  const Tuning wanted = *tuning;
  Clamp(device, tuning);
  if (wanted.elementwise_wg != tuning->elementwise_wg || wanted.gemm_tile != tuning->gemm_tile ||
      wanted.gemm_regs != tuning->gemm_regs || wanted.reduce_wg != tuning->reduce_wg) {
    return InvalidArgument("Vulkan tuning '", TuningToString(wanted), "' exceeds the limits of '",
                           device.name, "' (", device.max_workgroup_invocations,
                           " threads per workgroup, ", device.max_shared_memory,
                           " bytes of shared memory)");
  }
  return Status::Ok();
}

std::string TuningToString(const Tuning& t) {
  return StrCat("elementwise_wg=", t.elementwise_wg, ",gemm_tile=", t.gemm_tile,
                ",gemm_regs=", t.gemm_regs, ",reduce_wg=", t.reduce_wg,
                ",gemm_shared=", t.gemm_shared, ",gemm_min_groups=", t.gemm_min_groups);
}

}  // namespace mota::exec::vk
