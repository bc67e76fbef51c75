#include "manifests/lib/device_profile/facts.h"

namespace mota::device_profile {

conditions::DeviceFacts ToFacts(const DeviceProfile& p) {
  conditions::DeviceFacts f;
  f.arch = p.cpu.arch;
  f.cpu_features = p.cpu.features;
  f.cores = p.cpu.cores;
  f.ram_mb = p.ram_mb;
  f.os = p.os.name;
  f.os_version = p.os.version;
  f.soc = p.app.soc;
  f.runtime_version = p.runtime_version;
  for (const VulkanDevice& d : p.vulkan) {
    f.gpus.push_back(conditions::GpuFacts{"vulkan", d.vendor_id, d.device_id, d.driver_version});
  }
  return f;
}

}  // namespace mota::device_profile
