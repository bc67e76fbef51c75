// Transpose (f32, rank <= 6; perm defaults to reversing the dims).
#include <numeric>

#include "exec/vulkan/vk_op.h"

namespace mota::exec::vk {
namespace {

constexpr size_t kMaxRank = 6;

struct Push {
  uint32_t total;
  uint32_t dims[kMaxRank];
  uint32_t in_strides[kMaxRank];
};

std::vector<int64_t> Perm(const OpContext& ctx) {
  std::vector<int64_t> perm = ctx.attrs().GetInts("perm");
  if (perm.empty()) {
    perm.resize(ctx.inputs[0].shape.size());
    std::iota(perm.rbegin(), perm.rend(), 0);
  }
  return perm;
}

Status Check(const OpContext& ctx) {
  MOTA_RETURN_IF_ERROR(CheckF32(ctx));
  if (ctx.attrs().Has(kActivationAttr)) return ctx.Unsupported("a fused activation");
  if (ctx.inputs[0].shape.size() > kMaxRank) return ctx.Unsupported("rank above ", kMaxRank);
  return Status::Ok();
}

Status Build(OpBuilder& b) {
  const Shape& x = b.inputs[0].shape;
  const std::vector<int64_t> perm = Perm(b);
  std::vector<uint32_t> strides(x.size(), 1);
  for (int64_t d = static_cast<int64_t>(x.size()) - 2; d >= 0; --d) {
    strides[d] = strides[d + 1] * static_cast<uint32_t>(x[d + 1]);
  }
  Push p{};
  p.total = static_cast<uint32_t>(b.outputs[0].numel());
  const size_t lead = kMaxRank - x.size();
  for (size_t d = 0; d < kMaxRank; ++d) {
    p.dims[d] = d < lead ? 1 : static_cast<uint32_t>(x[perm[d - lead]]);
    p.in_strides[d] = d < lead ? 0 : strides[perm[d - lead]];
  }
  uint32_t gx, gy;
  Groups1D(b.device, p.total, b.tuning.elementwise_wg, &gx, &gy);
  b.Add("transpose", {b.tuning.elementwise_wg}, p, {b.Input(0)}, {b.outputs[0].region}, gx, gy);
  return Status::Ok();
}

}  // namespace
}  // namespace mota::exec::vk

MOTA_REGISTER_VK_OP(Transpose, {"Transpose", ::mota::exec::vk::Check, ::mota::exec::vk::Build});
