// Pad (f32, rank <= 6, ONNX Pad-18 plus Pad-19's wrap): pads, constant_value and axes must be
// known at prepare time. Modes constant, reflect, edge and wrap; negative pads crop.
#include <climits>
#include <string>

#include "exec/vulkan/vk_op.h"

namespace mota::exec::vk {
namespace {

constexpr size_t kMaxRank = 6;

struct Push {
  uint32_t total;
  uint32_t out_dims[kMaxRank];
  int32_t in_dims[kMaxRank];
  int32_t begin[kMaxRank];
  float value;
};

Result<uint32_t> Mode(const OpContext& ctx) {
  const std::string mode = ctx.attrs().GetString("mode", "constant");
  if (mode == "constant") return 0u;
  if (mode == "reflect") return 1u;
  if (mode == "edge") return 2u;
  if (mode == "wrap") return 3u;
  return ctx.Error("mode '", mode, "' is not supported; expected constant, reflect, edge or wrap");
}

std::vector<int64_t> IntValues(const GpuTensor& t) {
  std::vector<int64_t> v;
  for (int64_t i = 0; t.present() && i < t.numel(); ++i) {
    v.push_back(t.dtype == DType::kI64 ? static_cast<const int64_t*>(t.host)[i]
                                       : static_cast<const int32_t*>(t.host)[i]);
  }
  return v;
}

// The pad before each data dim.
Result<std::vector<int64_t>> Begins(const OpContext& ctx) {
  const int64_t rank = static_cast<int64_t>(ctx.inputs[0].shape.size());
  const std::vector<int64_t> pads = IntValues(ctx.inputs[1]);
  std::vector<int64_t> axes = ctx.has_input(3) ? IntValues(ctx.inputs[3]) : std::vector<int64_t>{};
  if (axes.empty()) {
    for (int64_t d = 0; d < rank; ++d) axes.push_back(d);
  }
  if (pads.size() != 2 * axes.size()) {
    return ctx.Error("pads has ", pads.size(), " values; expected ", 2 * axes.size(),
                     " (begin and end for each of ", axes.size(), " axes)");
  }
  std::vector<int64_t> begin(static_cast<size_t>(rank), 0);
  for (size_t i = 0; i < axes.size(); ++i) {
    const int64_t d = axes[i] < 0 ? axes[i] + rank : axes[i];
    if (d < 0 || d >= rank) return ctx.Error("axis ", axes[i], " is out of range for rank ", rank);
    begin[d] = pads[i];
  }
  return begin;
}

bool KnownInts(const OpContext& ctx, size_t i) {
  if (!ctx.has_input(i)) return i != 1;
  const GpuTensor& t = ctx.inputs[i];
  return t.host != nullptr && (t.dtype == DType::kI64 || t.dtype == DType::kI32);
}

Status Check(const OpContext& ctx) {
  MOTA_RETURN_IF_ERROR(CheckF32(ctx, 1));
  if (ctx.attrs().Has(kActivationAttr)) return ctx.Unsupported("a fused activation");
  if (ctx.inputs[0].shape.empty() || ctx.inputs[0].shape.size() > kMaxRank) {
    return ctx.Unsupported("rank ", ctx.inputs[0].shape.size(), "; 1 to ", kMaxRank,
                           " is implemented");
  }
  if (!KnownInts(ctx, 1) || !KnownInts(ctx, 3)) {
    return ctx.Unsupported("pads or axes are not integers known at prepare time");
  }
  if (ctx.has_input(2) && (ctx.inputs[2].host == nullptr || ctx.inputs[2].dtype != DType::kF32 ||
                           ctx.inputs[2].numel() != 1)) {
    return ctx.Unsupported("constant_value is not an f32 scalar known at prepare time");
  }
  MOTA_RETURN_IF_ERROR(Mode(ctx).status());
  MOTA_ASSIGN_OR_RETURN(const std::vector<int64_t> begin, Begins(ctx));
  for (int64_t v : begin) {
    if (v > INT32_MAX / 2 || v < -(INT32_MAX / 2)) {
      return ctx.Unsupported("pad ", v, " does not fit the shader's 32-bit coordinates");
    }
  }
  return Status::Ok();
}

Status Build(OpBuilder& b) {
  MOTA_ASSIGN_OR_RETURN(const uint32_t mode, Mode(b));
  MOTA_ASSIGN_OR_RETURN(const std::vector<int64_t> begin, Begins(b));
  const Shape& x = b.inputs[0].shape;
  const Shape& out = b.outputs[0].shape;
  Push p{};
  p.total = static_cast<uint32_t>(b.outputs[0].numel());
  p.value = b.has_input(2) ? *static_cast<const float*>(b.inputs[2].host) : 0.0f;
  const size_t lead = kMaxRank - x.size();
  for (size_t d = 0; d < kMaxRank; ++d) {
    p.out_dims[d] = d < lead ? 1 : static_cast<uint32_t>(out[d - lead]);
    p.in_dims[d] = d < lead ? 1 : static_cast<int32_t>(x[d - lead]);
    p.begin[d] = d < lead ? 0 : static_cast<int32_t>(begin[d - lead]);
  }
  uint32_t gx, gy;
  Groups1D(b.device, p.total, b.tuning.elementwise_wg, &gx, &gy);
  b.Add("pad", {b.tuning.elementwise_wg, mode}, p, {b.Input(0)}, {b.outputs[0].region}, gx, gy);
  return Status::Ok();
}

}  // namespace
}  // namespace mota::exec::vk

MOTA_REGISTER_VK_OP(Pad, {"Pad", ::mota::exec::vk::Check, ::mota::exec::vk::Build});
