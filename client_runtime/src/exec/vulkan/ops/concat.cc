// Concat (f32, any axis): one copy dispatch per input into its slice of the output (unless the
// executable placed the inputs in their slices: see ConcatInPlace in vk_executable.cc). The
// dispatches write disjoint bytes, but the barrier tracker sees one output region and orders
// them; fine for the few inputs Concat has.
#include "exec/vulkan/vk_op.h"

namespace mota::exec::vk {
namespace {

struct Push {  // copy_chunks.comp
  uint32_t total, chunk, in_stride, in_offset, out_stride, out_offset;
};

Status Check(const OpContext& ctx) {
  MOTA_RETURN_IF_ERROR(CheckF32(ctx));
  if (ctx.attrs().Has(kActivationAttr)) return ctx.Unsupported("a fused activation");
  return Status::Ok();
}

Status Build(OpBuilder& b) {
  const Shape& out = b.outputs[0].shape;
  int64_t axis = b.attrs().GetInt("axis", 0);
  if (axis < 0) axis += static_cast<int64_t>(out.size());
  int64_t inner = 1;
  for (size_t d = static_cast<size_t>(axis) + 1; d < out.size(); ++d) inner *= out[d];
  const int64_t out_chunk = out[axis] * inner;
  int64_t offset = 0;
  for (size_t i = 0; i < b.inputs.size(); ++i) {
    const GpuTensor& in = b.inputs[i];
    const int64_t chunk = in.shape[axis] * inner;
    if (in.numel() > 0) {
      const auto u = [](int64_t v) { return static_cast<uint32_t>(v); };
      Push p{u(in.numel()), u(chunk), u(chunk), 0, u(out_chunk), u(offset)};
      uint32_t gx, gy;
      Groups1D(b.device, p.total, b.tuning.elementwise_wg, &gx, &gy);
      b.Add("copy_chunks", {b.tuning.elementwise_wg}, p, {b.Input(i)}, {b.outputs[0].region}, gx,
            gy);
    }
    offset += chunk;
  }
  return Status::Ok();
}

}  // namespace
}  // namespace mota::exec::vk

MOTA_REGISTER_VK_OP(Concat, {"Concat", ::mota::exec::vk::Check, ::mota::exec::vk::Build});
