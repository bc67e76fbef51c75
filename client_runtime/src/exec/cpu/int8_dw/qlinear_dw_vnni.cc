// Prepared kernel "int8_dwconv_vnni" (kernels.h seam 3, priority above ../int8_ew's
// "int8_dwconv"): depthwise QLinearConv (group == C, M = C * multiplier, dilation 1, horizontal
// stride <= 4, kernel width <= 16, at most 256 taps) on the AVX512-VNNI routines of dw_vnni.h.
// It declines (and "int8_dwconv", whose AVX-512 / AVX2 / portable tables keep every CPU covered,
// or the reference runs) when the CPU lacks AVX512-VNNI or VBMI (run-time dispatch, also through
// MOTA_CPU_DISABLE=avx512), when a weight minus its zero point does not fit s8, or when a
// parameter is not a constant.
#include <cmath>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "base/thread_pool.h"
#include "exec/cpu/cpu_features.h"
#include "exec/cpu/int8/real_requant.h"
#include "exec/cpu/int8_dw/dw_vnni.h"
#include "exec/cpu/kernels.h"
#include "exec/reference/quant_util.h"

namespace mota::exec::int8_dw {
namespace {

enum Input : int { kX = 0, kXScale, kXZp, kW, kWScale, kWZp, kYScale, kYZp, kBias };

constexpr int64_t kMaxTaps = 256;               // sums below 256 * 255 * 128 < 2^23
constexpr int64_t kMaxBias = int64_t{1} << 30;  // acc + bias stays inside i32

int32_t CodeAt(const TensorView& t, int64_t i) {
  return t.dtype == DType::kU8 ? t.as<const uint8_t>()[i] : t.as<const int8_t>()[i];
}

// Everything a run needs, read once from the node's constants.
struct DwPlan {
  DwGeometry g;
  int64_t batch = 0, channels = 0, filters = 0;
  int64_t multiplier = 1;        // output channels per input channel
  std::vector<int32_t> weights;  // filters x (kh * groups) dwords
  std::vector<DwChannel> ch;     // filters
  DwOut out;
  bool real_domain = false;
  int8::RealRow real;           // real-domain output rows (add / scale set per channel)
  std::vector<float> in_scale;  // filters: x_scale * w_scale[m]
};

// Packs filter m's taps w - w_zp (must fit s8) as dwords of 4 taps; fills its DwChannel.
bool PackFilter(const TensorView& w, int64_t m, int32_t w_zp, int32_t bias, DwPlan& p) {
  const DwGeometry& g = p.g;
  int32_t* dst = p.weights.data() + m * g.kh * g.groups;
  int64_t sum = 0;
  for (int64_t ky = 0; ky < g.kh; ++ky) {
    for (int gr = 0; gr < g.groups; ++gr) {
      uint32_t word = 0;
      for (int j = 0; j < 4; ++j) {
        const int64_t kx = 4 * gr + j;
        if (kx >= g.kw) continue;
        const int32_t v = CodeAt(w, (m * g.kh + ky) * g.kw + kx) - w_zp;
        if (v < -128 || v > 127) return false;
        sum += v;
        word |= static_cast<uint32_t>(static_cast<uint8_t>(static_cast<int8_t>(v))) << (8 * j);
      }
      dst[ky * g.groups + gr] = static_cast<int32_t>(word);
    }
  }
  p.ch[m].weights = dst;
  p.ch[m].add = static_cast<int32_t>(bias - int64_t{g.pad} * sum);
  return true;
}

// Whether ctx's node is a conv this kernel runs; fills `p`.
bool MakePlan(const KernelContext& ctx, DwPlan& p) {
  const TensorView& x = ctx.inputs[kX];
  const TensorView& w = ctx.inputs[kW];
  if (x.rank() != 4 || w.rank() != 4) return false;
  Result<IntConvProblem> prob = MakeIntConvProblem(ctx.node, x, w);
  if (!prob.ok()) return false;
  const Window3& win = prob->w;
  if (prob->group != prob->channels || w.shape[1] != 1) return false;
  if (prob->filters % prob->channels != 0) return false;
  if (win.dilation[1] != 1 || win.dilation[2] != 1 || win.kernel_size() > kMaxTaps) return false;
  if (win.stride[2] > kMaxStrideW || win.kernel[2] > 4 * kMaxGroups) return false;
  for (int zp : {kXZp, kWZp}) {
    const int operand = zp == kXZp ? kX : kW;
    if (ctx.has_input(zp) && ctx.inputs[zp].dtype != ctx.inputs[operand].dtype) return false;
  }
  Result<QuantOperand> xq = ReadQuantOperand(ctx, kXScale, kXZp, 1);
  Result<QuantOperand> wq = ReadQuantOperand(ctx, kWScale, kWZp, prob->filters);
  Result<QuantOperand> yq = ReadQuantOperand(ctx, kYScale, kYZp, 1);
  if (!xq.ok() || !wq.ok() || !yq.ok()) return false;
  Result<Requantizer> rq = MakeRequantizer(ctx, *yq);
  if (!rq.ok()) return false;
  p.batch = prob->batch, p.channels = prob->channels, p.filters = prob->filters;
  p.multiplier = p.filters / p.channels;
  DwGeometry& g = p.g;
  g.h = win.in[1], g.w = win.in[2], g.oh = win.out[1], g.ow = win.out[2];
  g.kh = win.kernel[1], g.kw = win.kernel[2], g.sh = win.stride[1], g.sw = win.stride[2];
  g.pt = win.pad[1], g.pl = win.pad[2];
  g.x_i8 = x.dtype == DType::kI8;
  g.pad = static_cast<uint8_t>(xq->zero_point(0) + (g.x_i8 ? 128 : 0));
  FinishGeometry(g);
  p.out = {rq->zero_point, rq->lo, rq->hi};
  p.real_domain = rq->real_domain;
  p.real.act = rq->act;
  p.real.y_scale = rq->scale;
  p.real.zero_point = static_cast<float>(rq->zero_point);
  p.real.lo = static_cast<float>(rq->lo), p.real.hi = static_cast<float>(rq->hi);
  p.real.u8 = rq->dtype == DType::kU8;
  int8::PrepareDivision(p.real);
  const int32_t* bias = ctx.has_input(kBias) ? ctx.inputs[kBias].as<const int32_t>() : nullptr;
  p.weights.resize(static_cast<size_t>(p.filters * g.kh * g.groups));
  p.ch.resize(static_cast<size_t>(p.filters));
  p.in_scale.resize(static_cast<size_t>(p.filters));
  for (int64_t m = 0; m < p.filters; ++m) {
    const int64_t b = bias != nullptr ? bias[m] : 0;
    if (b > kMaxBias || b < -kMaxBias) return false;
    if (!PackFilter(w, m, wq->zero_point(m), static_cast<int32_t>(b), p)) return false;
    // Requantizer::Apply's multiplier; a non-finite one (NaN outputs) is left to the others.
    p.in_scale[m] = xq->scale(0) * wq->scale(m);
    p.ch[m].mult = p.in_scale[m] / rq->scale;
    if (!std::isfinite(p.ch[m].mult)) return false;
    // |sum(x_u8 * w')| <= 255 * 128 per tap.
    const double bound = std::abs(static_cast<double>(p.ch[m].add)) +
                         255.0 * 128.0 * static_cast<double>(g.kh * g.kw);
    p.ch[m].small = bound * std::abs(static_cast<double>(p.ch[m].mult)) < 536870912.0;  // 2^29
  }
  return true;
}

// One thread's buffers: two expanded input planes (plane i + 1 is expanded before plane i is
// convolved, so the convolution's loads never wait on the expansion's stores), each with its
// padded rows' pointers (rows of padding point at `pad_row`), and i32 sums for real-domain rows.
struct Scratch {
  std::vector<int32_t> storage[3], acc;
  int32_t* expanded[2] = {};  // 64-byte aligned in storage[0], storage[1]
  std::vector<const int32_t*> rows[2];
  explicit Scratch(const DwPlan& p) {
    const DwGeometry& g = p.g;
    const int32_t pad = static_cast<int32_t>(0x01010101u * g.pad);
    // Rows start 64-byte aligned (row_dwords is a multiple of 16), so the loads of tap group 0
    // never cross a cache line: ~12% faster than vectors' 16-byte alignment.
    const int32_t* pad_row = Aligned(storage[2], g.row_dwords(), pad);
    for (int b = 0; b < 2; ++b) {
      expanded[b] = Aligned(storage[b], g.expanded_dwords(), 0);
      for (int64_t r = 0; r < g.rows; ++r) {
        const int64_t iy = r - g.pt;
        rows[b].push_back(iy >= 0 && iy < g.used_h ? expanded[b] + iy * g.row_dwords() : pad_row);
      }
    }
    if (p.real_domain) acc.resize(static_cast<size_t>(g.oh * g.ow));
  }
  Scratch(const Scratch&) = delete;  // rows point into this object's vectors
  Scratch& operator=(const Scratch&) = delete;
  size_t bytes() const {
    return (storage[0].size() + storage[1].size() + storage[2].size() + acc.size()) * 4;
  }

 private:
  // n dwords of `v` (filled with `fill`) from its first 64-byte boundary.
  static int32_t* Aligned(std::vector<int32_t>& v, int64_t n, int32_t fill) {
    v.assign(static_cast<size_t>(n + 16), fill);
    const uintptr_t address = reinterpret_cast<uintptr_t>(v.data());
    return v.data() + ((64 - address % 64) % 64) / 4;
  }
};

class DwVnniKernel final : public PreparedKernel {
 public:
  explicit DwVnniKernel(DwPlan p) : p_(std::move(p)), scratch_(p_), windows_(MakeWindows(p_.g)) {}

  Status Run(std::span<const TensorView> inputs, std::span<const TensorView> outputs,
             ThreadPool* pool) override {
    const uint8_t* x = inputs[kX].as<const uint8_t>();
    uint8_t* y = outputs[0].as<uint8_t>();
    const int64_t planes = p_.batch * p_.channels;
    if (pool == nullptr || pool->threads() <= 1) {
      Planes(0, planes, x, y, scratch_);
      return Status::Ok();
    }
    ParallelFor(pool, planes, 1, [&](int64_t begin, int64_t end) {
      Scratch s(p_);
      Planes(begin, end, x, y, s);
    });
    return Status::Ok();
  }

  size_t bytes() const override {
    return p_.weights.size() * 4 + p_.ch.size() * sizeof(DwChannel) + scratch_.bytes();
  }

 private:
  // Input planes [begin, end) (plane nc: image n, channel c) and their `multiplier` output
  // planes each.
  void Planes(int64_t begin, int64_t end, const uint8_t* x, uint8_t* y, Scratch& s) const {
    const DwGeometry& g = p_.g;
    const int64_t in_plane = g.h * g.w, out_plane = g.oh * g.ow;
    const int nwin = static_cast<int>(windows_.size());
    const auto expand = [&](int64_t nc) {
      ExpandPlaneVnni(g, windows_.data(), nwin, x + nc * in_plane, s.expanded[nc & 1]);
    };
    if (begin < end) expand(begin);
    for (int64_t nc = begin; nc < end; ++nc) {
      if (nc + 1 < end) expand(nc + 1);
      const int32_t* const* rows = s.rows[nc & 1].data();
      for (int64_t k = 0; k < p_.multiplier; ++k) {
        const int64_t nm = nc * p_.multiplier + k;  // n * M + c * multiplier + k
        const int64_t m = nm % p_.filters;
        uint8_t* dst = y + nm * out_plane;
        if (!p_.real_domain) {
          ConvPlaneVnni(g, rows, p_.ch[m], p_.out, dst);
          continue;
        }
        // Activations other than Relu / Clip act on the real value (Requantizer::Apply), on the
        // vector rows of ../int8/real_requant.h (same results); acc already holds bias.
        AccPlaneVnni(g, rows, p_.ch[m], s.acc.data());
        int8::RealRow r = p_.real;
        r.scale = p_.in_scale[m];
        int8::ActiveRealRequant().row(r, s.acc.data(), out_plane, dst);
      }
    }
  }

  DwPlan p_;
  Scratch scratch_;  // 1 thread: reused across runs
  std::vector<DwWindow> windows_;
};

Result<std::unique_ptr<PreparedKernel>> CreateDwVnni(const model::Node& node,
                                                     std::span<const TensorView> inputs,
                                                     std::span<const TensorView> outputs) {
  using KernelPtr = std::unique_ptr<PreparedKernel>;
  if (node.op_type != "QLinearConv" || inputs.size() < 8 || outputs.size() != 1) return KernelPtr();
  const CpuFeatures& f = GetCpuFeatures();
  if (!f.avx512 || !f.avx512_vnni || !VnniDwSupported()) return KernelPtr();
  // Everything but x must be a constant; x's shape must be known.
  if (!inputs[kX].present() || inputs[kX].shape.empty()) return KernelPtr();
  for (int i = kXScale; i < static_cast<int>(inputs.size()); ++i) {
    if (inputs[i].present() && inputs[i].data == nullptr) return KernelPtr();
  }
  if (!inputs[kW].present() || NumElements(outputs[0].shape) == 0) return KernelPtr();
  const KernelContext ctx{node, inputs, outputs, nullptr};
  DwPlan p;
  if (!MakePlan(ctx, p)) return KernelPtr();
  const DType y_dtype = p.real.u8 ? DType::kU8 : DType::kI8;
  if (y_dtype != outputs[0].dtype) return KernelPtr();
  return KernelPtr(std::make_unique<DwVnniKernel>(std::move(p)));
}

}  // namespace

MOTA_REGISTER_PREPARED_KERNEL(int8_dwconv_vnni, {"int8_dwconv_vnni", 20, CreateDwVnni});

}  // namespace mota::exec::int8_dw
