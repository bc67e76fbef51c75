// Softmax and LogSoftmax (f32, opset 13: one axis, default -1).
#include "exec/vulkan/vk_op.h"

namespace mota::exec::vk {
namespace {

struct Push {
  uint32_t rows, axis, inner;
};

Status Check(const OpContext& ctx) {
  MOTA_RETURN_IF_ERROR(CheckF32(ctx));
  if (ctx.attrs().Has(kActivationAttr)) return ctx.Unsupported("a fused activation");
  const int64_t rank = static_cast<int64_t>(ctx.inputs[0].shape.size());
  const int64_t axis = ctx.attrs().GetInt("axis", -1);
  if (axis < -rank || axis >= rank)
    return ctx.Error("axis ", axis, " is out of range for rank ", rank);
  return Status::Ok();
}

Status Build(OpBuilder& b) {
  const Shape& x = b.inputs[0].shape;
  int64_t axis = b.attrs().GetInt("axis", -1);
  if (axis < 0) axis += static_cast<int64_t>(x.size());
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= x[d];
  for (size_t d = static_cast<size_t>(axis) + 1; d < x.size(); ++d) inner *= x[d];
  Push p{static_cast<uint32_t>(outer * inner), static_cast<uint32_t>(x[axis]),
         static_cast<uint32_t>(inner)};
  uint32_t gx, gy;
  Groups1D(b.device, p.rows, b.tuning.elementwise_wg, &gx, &gy);
  const bool log = b.node.op_type == "LogSoftmax";
  b.Add("softmax", {b.tuning.elementwise_wg, log ? 1u : 0u}, p, {b.Input(0)}, {b.outputs[0].region},
        gx, gy);
  return Status::Ok();
}

}  // namespace
}  // namespace mota::exec::vk

MOTA_REGISTER_VK_OP(Softmax, {"Softmax", ::mota::exec::vk::Check, ::mota::exec::vk::Build});
MOTA_REGISTER_VK_OP(LogSoftmax, {"LogSoftmax", ::mota::exec::vk::Check, ::mota::exec::vk::Build});
