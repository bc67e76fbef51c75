// Conv (2-D, f32) on the GPU: depthwise (one input channel per group) -> conv_depthwise.comp;
// everything else -> conv_gemm.comp, an implicit GEMM (1x1 stride-1 unpadded convolutions read
// X directly: the GEMM the issue calls "1x1 as GEMM"). The fused activation is applied in the
// shader, and a following residual Add can be fused into conv_gemm (vk_op.h Residual). 1-D and 3-D
// convolutions stay on the CPU.
#include <algorithm>
#include <vector>

#include "exec/reference/conv_util.h"
#include "exec/vulkan/vk_op.h"

namespace mota::exec::vk {
namespace {

constexpr uint32_t kGemmK = 16;  // k depth of the shared-memory tiles (conv_gemm.comp BK)

struct ConvGeometry {
  uint32_t n, c, h, w, m, oh, ow, group, kh, kw, sh, sw, ph, pw, dh, dw;
};

Result<ConvGeometry> Geometry(const OpContext& ctx) {
  const GpuTensor& x = ctx.inputs[0];
  const GpuTensor& w = ctx.inputs[1];
  const std::vector<int64_t> in(x.shape.begin() + 2, x.shape.end());
  const std::vector<int64_t> kernel(w.shape.begin() + 2, w.shape.end());
  MOTA_ASSIGN_OR_RETURN(WindowGeometry g, ResolveWindow(ctx.node, in, {.default_kernel = kernel}));
  const auto u = [](int64_t v) { return static_cast<uint32_t>(v); };
  return ConvGeometry{
      u(x.shape[0]),     u(x.shape[1]),     u(x.shape[2]),    u(x.shape[3]),
      u(w.shape[0]),     u(g.out[0]),       u(g.out[1]),      u(ctx.attrs().GetInt("group", 1)),
      u(kernel[0]),      u(kernel[1]),      u(g.stride[0]),   u(g.stride[1]),
      u(g.pad_begin[0]), u(g.pad_begin[1]), u(g.dilation[0]), u(g.dilation[1])};
}

Status Check(const OpContext& ctx) {
  MOTA_RETURN_IF_ERROR(CheckF32(ctx));
  if (ctx.inputs.size() < 2 || ctx.inputs[0].shape.size() != 4 || ctx.inputs[1].shape.size() != 4) {
    return ctx.Unsupported("only 2-D convolutions (4-D X and W) are implemented");
  }
  if (ctx.inputs[1].host == nullptr) return ctx.Unsupported("W is not a constant");
  if (ctx.has_input(2) && ctx.inputs[2].host == nullptr)
    return ctx.Unsupported("B is not a constant");
  MOTA_ASSIGN_OR_RETURN(ConvGeometry g, Geometry(ctx));
  if (g.group == 0 || g.c % g.group != 0 || g.m % g.group != 0)
    return ctx.Error("bad group ", g.group);
  MOTA_RETURN_IF_ERROR(ReadActPush(ctx.node).status());
  return Status::Ok();
}

template <typename Push>
void SetWindow(const ConvGeometry& g, Push& p) {
  p.C = g.c, p.H = g.h, p.W = g.w, p.M = g.m, p.OH = g.oh, p.OW = g.ow;
  p.KH = g.kh, p.KW = g.kw, p.SH = g.sh, p.SW = g.sw, p.PH = g.ph, p.PW = g.pw, p.DH = g.dh,
  p.DW = g.dw;
}

struct GemmPush {
  uint32_t C, H, W, M, OH, OW;
  uint32_t cg, mg, groups, K;
  uint32_t KH, KW, SH, SW, PH, PW, DH, DW;
  ActPush act;
  ActPush residual_act;
  uint32_t plane;  // split-K: N * M * OH * OW
};

// conv_splitk.comp's push constants.
struct SplitPush {
  uint32_t total, M, ohw;
  ActPush act;
  ActPush residual_act;
};

// The implicit-GEMM path (everything but depthwise) adds residuals in its epilogue.
bool FusesResidual(const OpContext& ctx) {
  auto g = Geometry(ctx);
  return g.ok() && g->group != 0 && g->c / g->group != 1;
}

struct DepthwisePush {
  uint32_t total, C, H, W, M, OH, OW;
  uint32_t KH, KW, SH, SW, PH, PW, DH, DW;
  ActPush act;
};

Status Build(OpBuilder& b) {
  MOTA_ASSIGN_OR_RETURN(ConvGeometry g, Geometry(b));
  MOTA_ASSIGN_OR_RETURN(ActPush act, ReadActPush(b.node));
  const bool has_bias = b.has_input(2);
  const Region x = b.Input(0), w = b.Input(1);
  const Region bias = has_bias ? b.Input(2) : w;  // an unread binding must still be valid
  const Region y = b.outputs[0].region;
  const uint32_t cg = g.c / g.group, mg = g.m / g.group;
  if (cg == 1) {
    DepthwisePush p{};
    SetWindow(g, p);
    p.total = static_cast<uint32_t>(b.outputs[0].numel());
    p.act = act;
    uint32_t gx, gy;
    Groups1D(b.device, p.total, b.tuning.elementwise_wg, &gx, &gy);
    b.Add("conv_depthwise", {b.tuning.elementwise_wg, has_bias ? 1u : 0u}, p, {x, w, bias}, {y}, gx,
          gy);
    return Status::Ok();
  }
  GemmPush p{};
  SetWindow(g, p);
  p.cg = cg, p.mg = mg, p.groups = g.group, p.K = cg * g.kh * g.kw;
  p.act = act;
  if (b.residual) p.residual_act = b.residual->act;
  const Region residual = b.residual ? b.residual->region : x;  // unread without a residual
  const bool pointwise = g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 &&
                         g.pw == 0 && g.oh == g.h && g.ow == g.w;
  // Registers per thread: up to gemm_regs x gemm_regs, fewer where the matrix is smaller than
  // the block (mobilenet's 16-channel layers), so few threads idle.
  const uint32_t tile = b.tuning.gemm_tile, n = g.oh * g.ow;
  const auto regs = [&](uint64_t size) {
    uint32_t r = b.tuning.gemm_regs;
    while (r > 1 && size <= uint64_t{tile} * (r / 2)) r /= 2;
    return r;
  };
  uint32_t rm = regs(mg), rn = std::min(regs(n), tile);  // the shader needs rn <= tile
  // Too few workgroups leave a big GPU idle and make each block walk all of K in sequence:
  // first split K (each slice keeps >= 4 k tiles), then use smaller blocks.
  uint32_t split = 1;
  const auto groups = [&] {
    return uint64_t{CeilDiv(n, tile * rn)} * CeilDiv(mg, tile * rm) * g.n * g.group * split;
  };
  const uint64_t k = uint64_t{cg} * g.kh * g.kw;
  while (groups() < b.tuning.gemm_min_groups && uint64_t{split} * 2 * 4 * kGemmK <= k &&
         split * 2 <= cg) {
    split *= 2;
  }
  while (groups() < b.tuning.gemm_min_groups && (rm > 1 || rn > 1)) {
    (rm >= rn ? rm : rn) /= 2;  // more, smaller blocks: the GPU's units all get work
  }
  // The tap table of conv_gemm.comp: per k = (channel, ky, kx), the X offset of the tap for
  // output (0, 0) and its (dy, dx) for bounds checks.
  std::vector<int32_t> taps;
  for (uint32_t ic = 0; ic < cg && !pointwise; ++ic) {
    for (uint32_t ky = 0; ky < g.kh; ++ky) {
      for (uint32_t kx = 0; kx < g.kw; ++kx) {
        const int32_t dy = static_cast<int32_t>(ky * g.dh), dx = static_cast<int32_t>(kx * g.dw);
        taps.insert(taps.end(),
                    {static_cast<int32_t>(ic * g.h * g.w) + dy * static_cast<int32_t>(g.w) + dx, dy,
                     dx, 0});
      }
    }
  }
  const Region ktab = taps.empty() ? x
                                   : b.AddWeights({reinterpret_cast<const uint8_t*>(taps.data()),
                                                   taps.size() * sizeof(int32_t)});
  const uint32_t total = static_cast<uint32_t>(b.outputs[0].numel());
  p.plane = total;
  // Split-K: float partial sums per slice in the node's scratch, then conv_splitk.comp.
  const Region part = split > 1 ? b.Scratch(uint64_t{split} * total * sizeof(float)) : y;
  b.Add("conv_gemm",
        {tile, tile, pointwise ? 1u : 0u, has_bias ? 1u : 0u, rm, rn, kGemmK, b.residual ? 1u : 0u,
         b.tuning.gemm_shared, split},
        p, {x, w, bias, residual, ktab}, {y, part}, CeilDiv(n, tile * rn), CeilDiv(mg, tile * rm),
        g.n * g.group * split);
  if (split == 1) return Status::Ok();
  SplitPush sp{total, g.m, n, act, p.residual_act};
  uint32_t gx, gy;
  Groups1D(b.device, total, b.tuning.elementwise_wg, &gx, &gy);
  b.Add("conv_splitk", {b.tuning.elementwise_wg, has_bias ? 1u : 0u, b.residual ? 1u : 0u, split},
        sp, {part, bias, residual}, {y}, gx, gy);
  return Status::Ok();
}

}  // namespace
}  // namespace mota::exec::vk

MOTA_REGISTER_VK_OP(Conv, {"Conv", ::mota::exec::vk::Check, ::mota::exec::vk::Build, false,
                           ::mota::exec::vk::FusesResidual});
