// Split (f32, any axis): one copy dispatch per output from its slice of the input (the sizes
// were resolved by the planner: the outputs' shapes).
#include "exec/vulkan/vk_op.h"

namespace mota::exec::vk {
namespace {

struct Push {  // copy_chunks.comp
  uint32_t total, chunk, in_stride, in_offset, out_stride, out_offset;
};

int64_t Axis(const OpContext& ctx) {
  int64_t axis = ctx.attrs().GetInt("axis", 0);
  if (axis < 0) axis += static_cast<int64_t>(ctx.inputs[0].shape.size());
  return axis;
}

Status Check(const OpContext& ctx) {
  MOTA_RETURN_IF_ERROR(CheckF32(ctx, /*data_inputs=*/1));
  if (ctx.attrs().Has(kActivationAttr)) return ctx.Unsupported("a fused activation");
  const int64_t axis = Axis(ctx);
  if (axis < 0 || axis >= static_cast<int64_t>(ctx.inputs[0].shape.size())) {
    return ctx.Error("axis ", ctx.attrs().GetInt("axis", 0), " is out of range");
  }
  return Status::Ok();
}

Status Build(OpBuilder& b) {
  const Shape& in = b.inputs[0].shape;
  const int64_t axis = Axis(b);
  int64_t inner = 1;
  for (size_t d = static_cast<size_t>(axis) + 1; d < in.size(); ++d) inner *= in[d];
  const auto u = [](int64_t v) { return static_cast<uint32_t>(v); };
  const Region x = b.Input(0);
  int64_t offset = 0;
  for (const GpuTensor& out : b.outputs) {
    const int64_t chunk = out.shape[axis] * inner;
    Push p{u(out.numel()), u(chunk), u(in[axis] * inner), u(offset), u(chunk), 0};
    uint32_t gx, gy;
    Groups1D(b.device, p.total, b.tuning.elementwise_wg, &gx, &gy);
    b.Add("copy_chunks", {b.tuning.elementwise_wg}, p, {x}, {out.region}, gx, gy);
    offset += chunk;
  }
  return Status::Ok();
}

}  // namespace
}  // namespace mota::exec::vk

MOTA_REGISTER_VK_OP(Split, {"Split", ::mota::exec::vk::Check, ::mota::exec::vk::Build});
