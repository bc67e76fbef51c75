#include "exec/vulkan/vk_op.h"

#include <algorithm>
#include <map>

namespace mota::exec::vk {
namespace {

std::map<std::string, VkOpDef, std::less<>>& Registry() {
  static auto* registry = new std::map<std::string, VkOpDef, std::less<>>();
  return *registry;
}

}  // namespace

VkOpRegistrar::VkOpRegistrar(const VkOpDef& def) { Registry().emplace(def.name, def); }

const VkOpDef* FindVkOp(std::string_view name) {
  auto it = Registry().find(name);
  return it == Registry().end() ? nullptr : &it->second;
}

std::vector<std::string> VkOpNames() {
  std::vector<std::string> names;
  for (const auto& [name, def] : Registry()) names.push_back(name);
  return names;
}

Result<ActPush> ReadActPush(const model::Node& node) {
  MOTA_ASSIGN_OR_RETURN(Activation act, ReadActivation(node.attrs));
  return ActPush{static_cast<uint32_t>(act.kind), act.alpha, act.beta};
}

Status CheckF32(const OpContext& ctx, size_t data_inputs) {
  auto check = [&](const GpuTensor& t, const char* role, size_t i) -> Status {
    if (!t.present()) return Status::Ok();
    if (t.dtype != DType::kF32) {
      return ctx.Unsupported(role, " ", i, " is ", DTypeName(t.dtype), "; only f32 is implemented");
    }
    if (t.numel() >= (int64_t{1} << 31)) {
      return ctx.Unsupported(role, " ", i, " has ", t.numel(),
                             " elements; 32-bit indexing allows 2^31");
    }
    if (t.numel() == 0) return ctx.Unsupported(role, " ", i, " is empty");
    if (t.nbytes() > ctx.device.max_storage_range) {
      return ctx.Unsupported(role, " ", i, " has ", t.nbytes(), " bytes; the device binds at most ",
                             ctx.device.max_storage_range, " per storage buffer");
    }
    return Status::Ok();
  };
  for (size_t i = 0; i < std::min(data_inputs, ctx.inputs.size()); ++i) {
    MOTA_RETURN_IF_ERROR(check(ctx.inputs[i], "input", i));
  }
  for (size_t i = 0; i < ctx.outputs.size(); ++i)
    MOTA_RETURN_IF_ERROR(check(ctx.outputs[i], "output", i));
  return Status::Ok();
}

void Groups1D(const DeviceInfo& device, uint64_t n, uint32_t wg, uint32_t* gx, uint32_t* gy) {
  const uint64_t groups = std::max<uint64_t>(1, (n + wg - 1) / wg);
  const uint64_t max_x = device.max_workgroup_count[0];
  if (groups <= max_x) {
    *gx = static_cast<uint32_t>(groups);
    *gy = 1;
  } else {
    *gy = static_cast<uint32_t>((groups + max_x - 1) / max_x);
    *gx = static_cast<uint32_t>((groups + *gy - 1) / *gy);
  }
}

}  // namespace mota::exec::vk
