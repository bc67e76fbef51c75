// Winograd F(4x4, 3x3) / F(2x2, 3x3) NHWC kernel: weight transform and packing, the per-run block
// loop, and the factory that picks Conv nodes (see winograd.h for the algorithm, README.md for the
// rule).
#include "exec/cpu/winograd/winograd.h"

#include <algorithm>
#include <limits>
#include <utility>
#include <vector>

#include "base/aligned_buffer.h"
#include "base/file.h"
#include "exec/cpu/cpu_features.h"
#include "exec/reference/conv_util.h"
#include "exec/tensor.h"

namespace mota::exec::winograd {
namespace {

// G of F(4x4, 3x3) (6 x 3) and of F(2x2, 3x3) (4 x 3); U = G g G^T.
constexpr float kG43[6][3] = {{1.0f / 4, 0, 0},
                              {-1.0f / 6, -1.0f / 6, -1.0f / 6},
                              {-1.0f / 6, 1.0f / 6, -1.0f / 6},
                              {1.0f / 24, 1.0f / 12, 1.0f / 6},
                              {1.0f / 24, -1.0f / 12, 1.0f / 6},
                              {0, 0, 1}};
constexpr float kG23[4][3] = {{1, 0, 0}, {0.5f, 0.5f, 0.5f}, {0.5f, -0.5f, 0.5f}, {0, 0, 1}};

const Ops& OpsFor(Isa isa, int tile) {
#if defined(__x86_64__)
  if (isa == Isa::kAvx512) return Avx512Ops(tile);
  if (isa == Isa::kAvx2) return Avx2Ops(tile);
#endif
  (void)isa;
  return PortableOps(tile);
}

// Packs U as [pos][panel][C_in][panel width] so that the GEMM reads each panel sequentially.
// Per (panel, input channel) the panel's 3x3 filters are transposed into g[tap][j] and
// transformed with j innermost (the compiler vectorizes it); each position's row of `width`
// values then goes to its plane in one sequential write.
void PackWeights(const Plan& p, const float* weights, float* u) {
  const int64_t cin = p.s.channels, cout = p.s.filters, w = p.nr;
  const int alpha = p.tile + 2;
  const float(*kG)[3] = p.tile == 2 ? kG23 : kG43;
  std::vector<float> g(9 * w), t(alpha * 3 * w), r(p.positions * w);
  for (int64_t col0 = 0; col0 < p.cpad; col0 += p.nr) {
    const int64_t width = std::min(p.nr, p.cpad - col0), valid = std::min(width, cout - col0);
    for (int64_t ci = 0; ci < cin; ++ci) {
      for (int64_t j = 0; j < valid; ++j) {
        for (int k = 0; k < 9; ++k) g[k * w + j] = weights[((col0 + j) * cin + ci) * 9 + k];
      }
      for (int i = 0; i < alpha; ++i) {  // t = G g
        for (int b = 0; b < 3; ++b) {
          for (int64_t j = 0; j < valid; ++j) {
            t[(i * 3 + b) * w + j] = kG[i][0] * g[b * w + j] + kG[i][1] * g[(3 + b) * w + j] +
                                     kG[i][2] * g[(6 + b) * w + j];
          }
        }
      }
      for (int i = 0; i < alpha; ++i) {  // r = t G^T
        for (int k = 0; k < alpha; ++k) {
          const float* ti = t.data() + i * 3 * w;
          for (int64_t j = 0; j < valid; ++j) {
            r[(i * alpha + k) * w + j] =
                ti[j] * kG[k][0] + ti[w + j] * kG[k][1] + ti[2 * w + j] * kG[k][2];
          }
        }
      }
      float* dst = u + col0 * cin + ci * width;
      for (int pos = 0; pos < p.positions; ++pos) {  // U is not zeroed: write the padding too
        float* row = dst + pos * cin * p.cpad;
        std::copy(r.begin() + pos * w, r.begin() + pos * w + valid, row);
        std::fill(row + valid, row + width, 0.0f);
      }
    }
  }
}

// Tiles per block: V and M of a block should stay in L2 (~1 MB on the machines we target)
// while U is streamed once per block; when U is large (deep layers, small images) blocks grow
// with it so that U is streamed only a few times (14x14x256: one block instead of 12 + 4 tiles).
int64_t ChooseTilesPerBlock(const Plan& p) {
  const int64_t per_tile = p.positions * (p.s.channels + p.cpad) * 4;
  const int64_t u_bytes = p.positions * p.s.channels * p.cpad * 4;
  const int64_t budget = std::max<int64_t>(512 * 1024, u_bytes / 8);
  const int64_t tiles = std::max<int64_t>(12, budget / per_tile / 6 * 6);
  return std::min(p.tiles, tiles);
}

bool Missing(const HostTensor& t) { return t.dtype() == DType::kUndefined; }

class WinogradKernel final : public NhwcKernel {
 public:
  WinogradKernel(const Ops& ops, Plan plan, int64_t tiles_per_block)
      : ops_(ops), plan_(std::move(plan)), tiles_per_block_(tiles_per_block) {}

  Status Init(const float* weights, const float* bias) {
    const ConvShape& s = plan_.s;
    const int64_t pos = plan_.positions;
    const bool u_ok = u_.ResizeUninitialized(sizeof(float) * pos * s.channels * plan_.cpad);
    bias_ = HostTensor::Allocate(DType::kF32, {plan_.cpad});
    v_ = HostTensor::Allocate(DType::kF32, {pos, tiles_per_block_, s.channels});
    m_ = HostTensor::Allocate(DType::kF32, {pos, tiles_per_block_, plan_.cpad});
    if (!u_ok || Missing(bias_) || Missing(v_) || Missing(m_)) {
      return OutOfMemory("winograd conv ", s.channels, "->", s.filters, ": cannot allocate ",
                         (u_.size() + v_.nbytes() + m_.nbytes()) >> 20, " MiB of buffers");
    }
    u_.AdviseHugePages();
    float* u = reinterpret_cast<float*>(u_.data());
    PackWeights(plan_, weights, u);
    if (bias != nullptr) std::copy(bias, bias + s.filters, bias_.as<float>());
    // Weights and bias are not read again: when they are views of the model file, their pages
    // need not stay resident next to U (up to 4x their size).
    ReleaseMappedPages(weights, sizeof(float) * s.filters * s.channels * 9);
    ReleaseMappedPages(bias, sizeof(float) * s.filters);
    plan_.u = u;
    plan_.bias = bias_.as<float>();
    return Status::Ok();
  }

  Status Run(std::span<const TensorView> inputs, const TensorView& output,
             ThreadPool* pool) override {
    MOTA_RETURN_IF_ERROR(CheckShapes(inputs, output));
    Block b{inputs[0].as<const float>(), output.as<float>(), v_.as<float>(), m_.as<float>(), 0, 0};
    const int64_t items = plan_.positions * plan_.panels;
    for (b.t_begin = 0; b.t_begin < plan_.tiles; b.t_begin += tiles_per_block_) {
      b.count = std::min(tiles_per_block_, plan_.tiles - b.t_begin);
      ParallelFor(pool, b.count, 1, [&](int64_t t0, int64_t t1) { ops_.input(plan_, b, t0, t1); });
      ParallelFor(pool, items, 1, [&](int64_t i0, int64_t i1) { ops_.gemm(plan_, b, i0, i1); });
      ParallelFor(pool, b.count, 1, [&](int64_t t0, int64_t t1) { ops_.output(plan_, b, t0, t1); });
    }
    return Status::Ok();
  }

  size_t bytes() const override { return u_.size() + bias_.nbytes() + v_.nbytes() + m_.nbytes(); }

 private:
  Status CheckShapes(std::span<const TensorView> inputs, const TensorView& output) const {
    const ConvShape& s = plan_.s;
    const Shape in = {s.batch, s.in_h, s.in_w, s.channels};
    const Shape out = {s.batch, s.out_h, s.out_w, s.filters};
    if (inputs.size() != 1 || inputs[0].dtype != DType::kF32 || inputs[0].shape != in) {
      return InvalidArgument(
          "winograd conv: expected one f32 NHWC input ", ShapeToString(in), ", got ", inputs.size(),
          " input(s)",
          inputs.empty() ? "" : StrCat(", the first ", ShapeToString(inputs[0].shape)));
    }
    if (output.dtype != DType::kF32 || output.shape != out) {
      return InvalidArgument("winograd conv: expected f32 NHWC output ", ShapeToString(out),
                             ", got ", DTypeName(output.dtype), " ", ShapeToString(output.shape));
    }
    return Status::Ok();
  }

  const Ops& ops_;
  Plan plan_;
  int64_t tiles_per_block_;
  AlignedBuffer u_;  // fully written by PackWeights
  HostTensor bias_, v_, m_;
};

// ---- the factory ----

// The node's problem when the kernel can take it: 2-D, group 1, 3x3, stride 1, dilation 1,
// pads <= 1, f32 with constant weights (and constant bias when present), static shapes.
bool ReadProblem(const model::Node& node, std::span<const TensorView> inputs, ConvShape* s) {
  if (node.op_type != "Conv" || inputs.size() < 2) return false;
  const TensorView& x = inputs[0];
  const TensorView& w = inputs[1];
  if (x.dtype != DType::kF32 || w.dtype != DType::kF32 || x.rank() != 4 || w.rank() != 4)
    return false;
  if (w.data == nullptr || w.shape[2] != 3 || w.shape[3] != 3 || w.shape[1] != x.shape[1])
    return false;
  if (node.attrs.GetInt("group", 1) != 1) return false;
  for (int64_t d : x.shape) {
    if (d <= 0) return false;
  }
  if (inputs.size() > 2 && inputs[2].present()) {
    const TensorView& b = inputs[2];
    if (b.data == nullptr || b.dtype != DType::kF32 || b.numel() != w.shape[0]) return false;
  }
  auto g = ResolveWindow(node, {x.shape[2], x.shape[3]}, {.default_kernel = {3, 3}});
  if (!g.ok() || g->kernel != std::vector<int64_t>{3, 3}) return false;
  for (int d = 0; d < 2; ++d) {
    if (g->stride[d] != 1 || g->dilation[d] != 1) return false;
    if (g->pad_begin[d] < 0 || g->pad_begin[d] > 1 || g->pad_end[d] < 0 || g->pad_end[d] > 1)
      return false;
    if (g->out[d] <= 0) return false;
  }
  *s = {.batch = x.shape[0],
        .channels = x.shape[1],
        .filters = w.shape[0],
        .in_h = x.shape[2],
        .in_w = x.shape[3],
        .out_h = g->out[0],
        .out_w = g->out[1],
        .pad_top = g->pad_begin[0],
        .pad_left = g->pad_begin[1]};
  return true;
}

Result<std::unique_ptr<NhwcKernel>> CreateFromNode(const model::Node& node,
                                                   std::span<const TensorView> inputs,
                                                   const TensorView& output) {
  ConvShape s;
  if (!ReadProblem(node, inputs, &s)) return std::unique_ptr<NhwcKernel>();
  const int tile = ChooseTile(s);
  if (tile == 0) return std::unique_ptr<NhwcKernel>();
  if (output.rank() == 4 && (output.shape[2] != s.out_h || output.shape[3] != s.out_w)) {
    return std::unique_ptr<NhwcKernel>();
  }
  MOTA_ASSIGN_OR_RETURN(Activation act, ReadActivation(node.attrs));
  const float* bias =
      inputs.size() > 2 && inputs[2].present() ? inputs[2].as<const float>() : nullptr;
  auto kernel =
      CreateKernel(s, inputs[1].as<const float>(), bias, act, {.isa = BestIsa(), .tile = tile});
  if (!kernel.ok()) return kernel.status().WithContext(StrCat("Conv node '", node.name, "'"));
  return kernel;
}

}  // namespace

const char* IsaName(Isa isa) {
  switch (isa) {
    case Isa::kPortable:
      return "portable";
    case Isa::kAvx2:
      return "avx2";
    case Isa::kAvx512:
      return "avx512";
  }
  return "?";
}

bool IsaAvailable(Isa isa) {
  const CpuFeatures& f = GetCpuFeatures();
#if defined(__x86_64__)
  if (isa == Isa::kAvx512) return f.avx512;
  if (isa == Isa::kAvx2) return f.avx2;
#endif
  (void)f;
  return isa == Isa::kPortable;
}

Isa BestIsa() {
  if (IsaAvailable(Isa::kAvx512)) return Isa::kAvx512;
  if (IsaAvailable(Isa::kAvx2)) return Isa::kAvx2;
  return Isa::kPortable;
}

int ChooseTile(const ConvShape& s) {
  // Measured on Zen 4 against XNNPACK (README.md): below 16 input channels the transforms
  // outweigh the saved multiplications (C_in 8 ties, C_in 12 wins 1.3x, 16 wins 1.6x-2x); few
  // output channels are fine (C_out 8 wins 1.9x, XNNPACK is slow there too).
  if (s.channels < 16 || s.filters < 8) return 0;
  // U is streamed from memory once per run and stays resident; per output pixel it grows as the
  // image shrinks. F(4x4) (U = 4x the weights) up to 640 KiB per pixel (4x4x256: 576 KiB, 1.6x
  // faster than XNNPACK). Beyond, F(4x4) still won 1.2-1.4x at 7x7x512 (752 KiB) but for 28 MiB
  // more memory per layer than F(2x2) (U = 1.8x the weights), which is as fast there (README.md).
  const int64_t cpad = (s.filters + kChannelPad - 1) / kChannelPad * kChannelPad;
  const double pixels = static_cast<double>(s.batch * s.out_h * s.out_w);
  const double u_per_position = 4.0 * s.channels * cpad / pixels;
  if (u_per_position * Positions(4) <= 640.0 * 1024) return 4;
  if (u_per_position * Positions(2) <= 512.0 * 1024) return 2;
  return 0;
}

Result<std::unique_ptr<NhwcKernel>> CreateKernel(const ConvShape& s, const float* weights,
                                                 const float* bias, const Activation& act,
                                                 const KernelOptions& options) {
  if (!IsaAvailable(options.isa)) {
    return FailedPrecondition("winograd conv: ISA ", IsaName(options.isa),
                              " is not available on this CPU (", GetCpuFeatures().ToString(), ")");
  }
  if (s.batch <= 0 || s.channels <= 0 || s.filters <= 0 || s.out_h <= 0 || s.out_w <= 0 ||
      s.out_h > s.in_h + 2 * s.pad_top || s.out_w > s.in_w + 2 * s.pad_left) {
    return InvalidArgument("winograd conv: bad shape: batch ", s.batch, ", ", s.channels, "->",
                           s.filters, " channels, input ", s.in_h, "x", s.in_w, ", output ",
                           s.out_h, "x", s.out_w, ", pads ", s.pad_top, ",", s.pad_left);
  }
  if (options.tile != 2 && options.tile != 4) {
    return InvalidArgument("winograd conv: tile side ", options.tile, ", expected 2 or 4");
  }
  const Ops& ops = OpsFor(options.isa, options.tile);
  Plan p;
  p.s = s;
  p.tile = options.tile;
  p.positions = Positions(p.tile);
  p.tiles_y = (s.out_h + p.tile - 1) / p.tile;
  p.tiles_x = (s.out_w + p.tile - 1) / p.tile;
  p.tiles = s.batch * p.tiles_y * p.tiles_x;
  p.cpad = (s.filters + kChannelPad - 1) / kChannelPad * kChannelPad;
  p.nr = ops.nr;
  p.panels = (p.cpad + p.nr - 1) / p.nr;
  p.act = act;
  p.clamp = act.kind == ActivationKind::kRelu || act.kind == ActivationKind::kClip;
  p.lo = act.kind == ActivationKind::kRelu ? 0.0f : act.alpha;
  p.hi = act.kind == ActivationKind::kRelu ? std::numeric_limits<float>::infinity() : act.beta;
  const int64_t tpb = options.tiles_per_block > 0 ? std::min(options.tiles_per_block, p.tiles)
                                                  : ChooseTilesPerBlock(p);
  auto kernel = std::make_unique<WinogradKernel>(ops, std::move(p), tpb);
  MOTA_RETURN_IF_ERROR(kernel->Init(weights, bias));
  return std::unique_ptr<NhwcKernel>(std::move(kernel));
}

}  // namespace mota::exec::winograd

MOTA_REGISTER_NHWC_KERNEL(winograd_f43, {.name = "winograd_f43",
                                         .priority = 100,
                                         .create = &::mota::exec::winograd::CreateFromNode});
