// ReduceSum, ReduceMean, ReduceMax, ReduceMin (f32, opset 18: axes as input 1, known at
// prepare time; keepdims; noop_with_empty_axes) when the reduced axes are one contiguous run
// (LayerNorm-style last-axis means, global pools). Other axis sets stay on the CPU.
#include <algorithm>

#include "exec/vulkan/vk_op.h"

namespace mota::exec::vk {
namespace {

struct Push {
  uint32_t outputs, reduced, inner;
  ActPush act;
};

struct Plan {
  int64_t outer = 1, reduced = 1, inner = 1;
};

Result<Plan> MakePlan(const OpContext& ctx) {
  const Shape& x = ctx.inputs[0].shape;
  const int64_t rank = static_cast<int64_t>(x.size());
  std::vector<bool> reduced(x.size(), false);
  bool any = false;
  if (ctx.has_input(1)) {
    if (ctx.inputs[1].host == nullptr) return ctx.Unsupported("axes are not known at prepare time");
    const TensorView axes{ctx.inputs[1].dtype, ctx.inputs[1].shape,
                          const_cast<void*>(ctx.inputs[1].host)};
    for (int64_t a : ReadIntValues(axes)) {
      if (a < -rank || a >= rank) return ctx.Error("axis ", a, " is out of range for rank ", rank);
      reduced[a < 0 ? a + rank : a] = true;
      any = true;
    }
  }
  if (!any) {
    if (ctx.attrs().GetInt("noop_with_empty_axes", 0) != 0)
      return ctx.Unsupported("a no-op reduce");
    std::fill(reduced.begin(), reduced.end(), true);
  }
  const auto first = std::find(reduced.begin(), reduced.end(), true) - reduced.begin();
  const auto last = reduced.rend() - std::find(reduced.rbegin(), reduced.rend(), true);
  Plan p;
  for (int64_t d = 0; d < rank; ++d) {
    if (d < first) {
      p.outer *= x[d];
    } else if (d >= last) {
      p.inner *= x[d];
    } else if (!reduced[d]) {
      return ctx.Unsupported("the reduced axes are not contiguous");
    } else {
      p.reduced *= x[d];
    }
  }
  if (p.reduced == 0) return ctx.Unsupported("an empty reduction");
  return p;
}

Status Check(const OpContext& ctx) {
  MOTA_RETURN_IF_ERROR(CheckF32(ctx, /*data_inputs=*/1));
  MOTA_RETURN_IF_ERROR(MakePlan(ctx).status());
  return ReadActPush(ctx.node).status();
}

Status Build(OpBuilder& b) {
  MOTA_ASSIGN_OR_RETURN(Plan plan, MakePlan(b));
  Push p{static_cast<uint32_t>(plan.outer * plan.inner),
         static_cast<uint32_t>(plan.reduced),
         static_cast<uint32_t>(plan.inner),
         {}};
  MOTA_ASSIGN_OR_RETURN(p.act, ReadActPush(b.node));
  const std::string& op = b.node.op_type;
  const uint32_t code = op == "ReduceSum" ? 0 : op == "ReduceMean" ? 1 : op == "ReduceMax" ? 2 : 3;
  uint32_t gx, gy;
  Groups1D(b.device, p.outputs, b.tuning.elementwise_wg, &gx, &gy);
  b.Add("reduce", {b.tuning.elementwise_wg, code}, p, {b.Input(0)}, {b.outputs[0].region}, gx, gy);
  return Status::Ok();
}

}  // namespace
}  // namespace mota::exec::vk

MOTA_REGISTER_VK_OP(ReduceSum, {"ReduceSum", ::mota::exec::vk::Check, ::mota::exec::vk::Build});
MOTA_REGISTER_VK_OP(ReduceMean, {"ReduceMean", ::mota::exec::vk::Check, ::mota::exec::vk::Build});
MOTA_REGISTER_VK_OP(ReduceMax, {"ReduceMax", ::mota::exec::vk::Check, ::mota::exec::vk::Build});
MOTA_REGISTER_VK_OP(ReduceMin, {"ReduceMin", ::mota::exec::vk::Check, ::mota::exec::vk::Build});
