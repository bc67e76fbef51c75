// The Vulkan backend's tuning text (client_runtime/src/exec/vulkan/vk_tuning.h
// ApplyTuningParameters): "0x10de:gemm_tile=8,default:reduce_wg=32", built on the device from the
// variant's tuning.vulkan_params (install record -> VulkanTuningText). Needs no GPU: the device
// is a hand-made DeviceInfo, picked by the input's first byte from kDevices (the limits of real
// drivers, plus a tiny and a zero-limit one); the rest is the text.
// Beyond "no crash": a refused text leaves the tuning as it was, and an accepted one fits the
// device (threads per workgroup, shared memory of the GEMM tiles, <= 4 x 4 accumulators), counted
// in 64 bits so a wrapped product cannot hide a huge tile.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "exec/vulkan/vk_tuning.h"
#include "fuzz_target.h"

namespace {

namespace vk = mota::exec::vk;

struct DeviceRow {
  uint32_t vendor_id;
  VkPhysicalDeviceType type;
  uint32_t invocations, max_x, shared;
};

constexpr DeviceRow kDevices[] = {
    {0x10de, VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU, 1024, 1024, 49152},    // NVIDIA
    {0x1002, VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU, 1024, 1024, 65536},    // AMD
    {0x8086, VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU, 1024, 1024, 65536},  // Intel
    {0x13b5, VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU, 512, 512, 32768},    // Mali
    {0x5143, VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU, 1024, 1024, 32768},  // Adreno
    {0x10005, VK_PHYSICAL_DEVICE_TYPE_CPU, 1024, 1024, 32768},            // lavapipe
    {0x1234, VK_PHYSICAL_DEVICE_TYPE_OTHER, 128, 128, 16384},             // Vulkan's minimum
    {0xffffffff, VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU, 0, 0, 0},           // broken driver
};

vk::DeviceInfo Device(uint8_t pick) {
  const DeviceRow& row = kDevices[pick % std::size(kDevices)];
  vk::DeviceInfo d;
  d.name = "fuzz GPU";
  d.vendor_id = row.vendor_id;
  d.type = row.type;
  d.max_workgroup_invocations = row.invocations;
  d.max_workgroup_size[0] = row.max_x;
  d.max_shared_memory = row.shared;
  return d;
}

bool Same(const vk::Tuning& a, const vk::Tuning& b) {
  return vk::TuningToString(a) == vk::TuningToString(b);
}

int Run(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const vk::DeviceInfo device = Device(data[0]);
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  const vk::Tuning before = vk::DefaultTuning(device);
  vk::Tuning tuning = before;
  const mota::Status status = vk::ApplyTuningParameters(text, device, &tuning);
  if (!status.ok()) {
    MOTA_FUZZ_CHECK(Same(tuning, before), vk::TuningToString(tuning));
    MOTA_FUZZ_CHECK(!status.message().empty(), "an error without a message");
    return 0;
  }
  const std::string got = vk::TuningToString(tuning);
  const uint64_t threads = std::max<uint64_t>(
      1, std::min(device.max_workgroup_invocations, device.max_workgroup_size[0]));
  const uint64_t tile = tuning.gemm_tile, regs = tuning.gemm_regs;
  MOTA_FUZZ_CHECK(tuning.elementwise_wg <= threads && tuning.reduce_wg <= threads, got);
  MOTA_FUZZ_CHECK(regs <= 4 && tuning.gemm_shared <= 1, got);
  if (tile > 1) {
    MOTA_FUZZ_CHECK(tile * tile <= device.max_workgroup_invocations, got);
    const uint64_t shared = std::max(16 * (2 * tile * regs + 1), 2 * tile * tile) * 4;
    MOTA_FUZZ_CHECK(shared <= device.max_shared_memory, got);
  }
  return 0;
}

}  // namespace

MOTA_FUZZ_TARGET("vk_tuning", Run)
