// Ops whose output is input 0's bytes with another shape: Reshape, Flatten, Squeeze,
// Unsqueeze, Identity. No dispatch: the executable maps the output onto the input's arena
// region (shape arithmetic was done by the planner).
#include "exec/vulkan/vk_op.h"

namespace mota::exec::vk {
namespace {

Status Check(const OpContext& ctx) {
  if (ctx.attrs().Has(kActivationAttr)) return ctx.Unsupported("a fused activation");
  if (ctx.outputs.size() != 1 || !ctx.has_input(0) || ctx.inputs[0].dtype != ctx.outputs[0].dtype ||
      ctx.inputs[0].numel() != ctx.outputs[0].numel()) {
    return ctx.Unsupported("output 0 is not a view of input 0");
  }
  return Status::Ok();
}

}  // namespace
}  // namespace mota::exec::vk

#define MOTA_VK_VIEW(op) \
  MOTA_REGISTER_VK_OP(op, {#op, ::mota::exec::vk::Check, nullptr, /*view=*/true})
MOTA_VK_VIEW(Reshape);
MOTA_VK_VIEW(Flatten);
MOTA_VK_VIEW(Squeeze);
MOTA_VK_VIEW(Unsqueeze);
MOTA_VK_VIEW(Identity);
