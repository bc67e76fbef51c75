// MaxPool (without the Indices output) and AveragePool over 2-D windows (f32), with pads,
// strides, dilations, ceil_mode, auto_pad and count_include_pad as the reference backend
// resolves them (exec/reference/conv_util.h ResolveWindow).
#include "exec/reference/conv_util.h"
#include "exec/vulkan/vk_op.h"

namespace mota::exec::vk {
namespace {

struct Push {
  uint32_t total, H, W, OH, OW;
  uint32_t KH, KW, SH, SW, PH, PW, DH, DW;
  uint32_t padded_h, padded_w;
  uint32_t include_pad;
  ActPush act;
};

Result<WindowGeometry> Window(const OpContext& ctx) {
  const Shape& x = ctx.inputs[0].shape;
  const std::vector<int64_t> in(x.begin() + 2, x.end());
  return ResolveWindow(ctx.node, in, {.ceil_mode = ctx.attrs().GetInt("ceil_mode", 0) != 0});
}

Status Check(const OpContext& ctx) {
  MOTA_RETURN_IF_ERROR(CheckF32(ctx));
  if (ctx.inputs[0].shape.size() != 4) return ctx.Unsupported("only 2-D pooling is implemented");
  if (ctx.outputs.size() > 1) return ctx.Unsupported("the Indices output is not implemented");
  if (ctx.attrs().GetInt("storage_order", 0) != 0) return ctx.Unsupported("storage_order 1");
  MOTA_RETURN_IF_ERROR(Window(ctx).status());
  return ReadActPush(ctx.node).status();
}

Status Build(OpBuilder& b) {
  MOTA_ASSIGN_OR_RETURN(WindowGeometry g, Window(b));
  const Shape& x = b.inputs[0].shape;
  const auto u = [](int64_t v) { return static_cast<uint32_t>(v); };
  Push p{};
  p.total = u(b.outputs[0].numel());
  p.H = u(x[2]), p.W = u(x[3]), p.OH = u(g.out[0]), p.OW = u(g.out[1]);
  p.KH = u(g.kernel[0]), p.KW = u(g.kernel[1]), p.SH = u(g.stride[0]), p.SW = u(g.stride[1]);
  p.PH = u(g.pad_begin[0]), p.PW = u(g.pad_begin[1]), p.DH = u(g.dilation[0]),
  p.DW = u(g.dilation[1]);
  p.padded_h = u(x[2] + g.pad_begin[0] + g.pad_end[0]);
  p.padded_w = u(x[3] + g.pad_begin[1] + g.pad_end[1]);
  p.include_pad = b.attrs().GetInt("count_include_pad", 0) != 0 ? 1 : 0;
  MOTA_ASSIGN_OR_RETURN(p.act, ReadActPush(b.node));
  const bool is_max = b.node.op_type == "MaxPool";
  uint32_t gx, gy;
  Groups1D(b.device, p.total, b.tuning.elementwise_wg, &gx, &gy);
  b.Add("pool", {b.tuning.elementwise_wg, is_max ? 1u : 0u}, p, {b.Input(0)}, {b.outputs[0].region},
        gx, gy);
  return Status::Ok();
}

}  // namespace
}  // namespace mota::exec::vk

MOTA_REGISTER_VK_OP(MaxPool, {"MaxPool", ::mota::exec::vk::Check, ::mota::exec::vk::Build});
MOTA_REGISTER_VK_OP(AveragePool, {"AveragePool", ::mota::exec::vk::Check, ::mota::exec::vk::Build});
