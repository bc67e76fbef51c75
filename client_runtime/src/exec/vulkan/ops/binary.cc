// Add, Sub, Mul, Div, Pow (f32) with numpy broadcasting up to 6 dims, fused activation applied.
#include <algorithm>

#include "exec/vulkan/vk_op.h"

namespace mota::exec::vk {
namespace {

constexpr int kMaxRank = 6;

struct Push {
  uint32_t total;
  uint32_t dims[kMaxRank];
  uint32_t a_strides[kMaxRank];
  uint32_t b_strides[kMaxRank];
  ActPush act;
};

uint32_t OpCode(const std::string& op) {
  return op == "Add" ? 0 : op == "Sub" ? 1 : op == "Mul" ? 2 : op == "Div" ? 3 : 4;
}

// Strides of `in` read as a right-aligned kMaxRank-dim output: 0 where `in` broadcasts.
void BroadcastStrides(const Shape& in, uint32_t* strides) {
  const size_t offset = kMaxRank - in.size();
  uint32_t stride = 1;
  for (int d = kMaxRank - 1; d >= 0; --d) {
    if (static_cast<size_t>(d) < offset) {
      strides[d] = 0;
      continue;
    }
    const int64_t n = in[d - offset];
    strides[d] = n == 1 ? 0 : stride;
    stride *= static_cast<uint32_t>(n);
  }
}

Status Check(const OpContext& ctx) {
  MOTA_RETURN_IF_ERROR(CheckF32(ctx));
  if (ctx.outputs[0].shape.size() > kMaxRank) {
    return ctx.Unsupported("rank ", ctx.outputs[0].shape.size(), " exceeds ", kMaxRank);
  }
  return ReadActPush(ctx.node).status();
}

Status Build(OpBuilder& b) {
  Push p{};
  MOTA_ASSIGN_OR_RETURN(p.act, ReadActPush(b.node));
  const Shape& out = b.outputs[0].shape;
  p.total = static_cast<uint32_t>(b.outputs[0].numel());
  for (int d = 0; d < kMaxRank; ++d) {
    const int offset = kMaxRank - static_cast<int>(out.size());
    p.dims[d] = d < offset ? 1 : static_cast<uint32_t>(out[d - offset]);
  }
  BroadcastStrides(b.inputs[0].shape, p.a_strides);
  BroadcastStrides(b.inputs[1].shape, p.b_strides);
  const bool broadcast = b.inputs[0].shape != out || b.inputs[1].shape != out;
  uint32_t gx, gy;
  Groups1D(b.device, p.total, b.tuning.elementwise_wg, &gx, &gy);
  b.Add("binary", {b.tuning.elementwise_wg, OpCode(b.node.op_type), broadcast ? 1u : 0u}, p,
        {b.Input(0), b.Input(1)}, {b.outputs[0].region}, gx, gy);
  return Status::Ok();
}

}  // namespace
}  // namespace mota::exec::vk

MOTA_REGISTER_VK_OP(Add, {"Add", ::mota::exec::vk::Check, ::mota::exec::vk::Build});
MOTA_REGISTER_VK_OP(Sub, {"Sub", ::mota::exec::vk::Check, ::mota::exec::vk::Build});
MOTA_REGISTER_VK_OP(Mul, {"Mul", ::mota::exec::vk::Check, ::mota::exec::vk::Build});
MOTA_REGISTER_VK_OP(Div, {"Div", ::mota::exec::vk::Check, ::mota::exec::vk::Build});
MOTA_REGISTER_VK_OP(Pow, {"Pow", ::mota::exec::vk::Check, ::mota::exec::vk::Build});
