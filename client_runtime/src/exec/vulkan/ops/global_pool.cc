// GlobalAveragePool and GlobalMaxPool (f32, any rank >= 3): one workgroup per (n, c) plane.
#include "exec/vulkan/vk_op.h"

namespace mota::exec::vk {
namespace {

struct Push {
  uint32_t planes, size;
  ActPush act;
};

Status Check(const OpContext& ctx) {
  MOTA_RETURN_IF_ERROR(CheckF32(ctx));
  if (ctx.inputs[0].shape.size() < 3) return ctx.Unsupported("X has rank < 3");
  return ReadActPush(ctx.node).status();
}

Status Build(OpBuilder& b) {
  const Shape& x = b.inputs[0].shape;
  Push p{};
  p.planes = static_cast<uint32_t>(x[0] * x[1]);
  p.size = static_cast<uint32_t>(b.inputs[0].numel() / std::max<int64_t>(1, x[0] * x[1]));
  MOTA_ASSIGN_OR_RETURN(p.act, ReadActPush(b.node));
  uint32_t gx, gy;
  Groups1D(b.device, p.planes, 1, &gx, &gy);  // one workgroup per plane
  const bool is_max = b.node.op_type == "GlobalMaxPool";
  b.Add("global_pool", {b.tuning.reduce_wg, is_max ? 1u : 0u}, p, {b.Input(0)},
        {b.outputs[0].region}, gx, gy);
  return Status::Ok();
}

}  // namespace
}  // namespace mota::exec::vk

MOTA_REGISTER_VK_OP(GlobalAveragePool,
                    {"GlobalAveragePool", ::mota::exec::vk::Check, ::mota::exec::vk::Build});
MOTA_REGISTER_VK_OP(GlobalMaxPool,
                    {"GlobalMaxPool", ::mota::exec::vk::Check, ::mota::exec::vk::Build});
