// Tuning parameters of the shaders (workgroup and tile sizes), passed to pipelines as
// specialization constants. Defaults come from a small table keyed by the PCI vendor id; a
// variant's backend parameters ("gemm_tile=8,gemm_regs=2") override them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "exec/vulkan/vk_context.h"

namespace mota::exec::vk {

struct Tuning {
  uint32_t elementwise_wg = 64;  // threads per workgroup of 1-D kernels (elementwise, pooling)
  uint32_t gemm_tile = 16;       // GEMM and convolution: tile x tile threads per workgroup
  uint32_t gemm_regs = 4;        // convolution: each thread computes up to regs x regs outputs
  uint32_t reduce_wg = 64;       // threads reducing one row together (global pooling, softmax)
  uint32_t gemm_shared = 1;      // convolution: 1 stages tiles in shared memory; 0 reads operands
                                 // directly (CPU devices, where barriers are expensive)
  // convolution: fewer registers per thread (smaller blocks) until a dispatch has at least this
  // many workgroups, so a big GPU is not left idle by small late layers (resnet18's 7x7 stage:
  // 8 workgroups of 64 x 64 outputs). 0: off.
  uint32_t gemm_min_groups = 0;
};

// The defaults for a device: its vendor's row of the table, clamped to its limits.
Tuning DefaultTuning(const DeviceInfo& device);
// The vendor's name in the table ("NVIDIA", "Mesa (CPU)", ...; "other" when not listed).
const char* VendorName(uint32_t vendor_id);
// Applies "key=value,key=value" over `tuning`; INVALID_ARGUMENT naming the key for an unknown
// key or a value that is not of the key's kind (vk_tuning_keys.h) or that the device cannot
// run; nothing is applied then. A key may be qualified by a GPU family, "0x10de:gemm_tile=16"
// or "default:gemm_tile=8" (unqualified = default): the items of the device's family (its PCI
// vendor id as "0x" + lowercase hex, at least 4 digits) apply when there are any, else the
// default ones, as for a variant's workgroup_size; a bare "0x10005:" gives a family an empty
// entry (its vendor defaults, not the default items). This is how a variant's per-family
// tuning.vulkan_params (manifests/lib/tuf/target_custom.h) reaches the device's own GPU.
Status ApplyTuningParameters(std::string_view params, const DeviceInfo& device, Tuning* tuning);
// "elementwise_wg=64,gemm_tile=16,gemm_regs=4,reduce_wg=64,gemm_shared=1".
std::string TuningToString(const Tuning& tuning);

}  // namespace mota::exec::vk
