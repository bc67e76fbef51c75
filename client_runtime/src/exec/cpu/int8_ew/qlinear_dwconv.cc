// Fast kernel for QLinearConv: depthwise 2-D convolutions (group == C == M, W [C, 1, kh, kw],
// dilation 1, any stride and pads) run here; every other QLinearConv runs the reference compute.
//
// Per (image, channel) plane: the input minus its zero point (|v| <= 255: an int16) is written once
// into `sw` zero-padded column-phase planes (phase p holds padded columns p, p + sw, p + 2 sw,
// ...), so that every kernel tap of an output row reads one contiguous run: tap (ky, kx) of output
// column ox reads padded column ox * sw + kx = sw * (ox + kx / sw) + kx % sw. With vertical stride
// 1 the whole plane is one run: output (oy, ox) at flat index j = oy * cols + ox reads
// j + ky * cols + kx / sw, so small planes (7x7, 14x14) cost one call, not one per row; the
// columns ox >= OW of that flat result are discarded. Padding is real 0, as the reference reads
// x_zero_point there.
//
// Taps are summed in pairs of kernel rows, as vpmaddwd multiplies (int8_table.h dw_row): the pair
// plane holds at flat index f the int16 pair (v[f], v[f + cols]), so taps (ky, kx) and (ky + 1, kx)
// are one i32 load, multiplied by the weight pair (w[ky][kx], w[ky + 1][kx]); an odd last kernel
// row pairs with weight 0 (it reads an extra zero row). Products of int16 values below 256 in
// magnitude are below 2^16 and a window has at most 256 taps, so the i32 sums are exact and equal
// the reference's int64 accumulators (and below 2^24, exact as f32 for the requantization rows).
// Requantization is the reference Requantizer's f32 arithmetic (int8_table.h), so outputs are
// bit-identical.
#include <algorithm>
#include <cstdint>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "exec/activation.h"
#include "exec/cpu/int8/real_requant.h"
#include "exec/cpu/int8_ew/int8_table.h"
#include "exec/cpu/kernels.h"
#include "exec/reference/quant_util.h"

namespace mota::exec {
namespace {

using int8_ew::QOut;
using int8_ew::Table;

enum Input : int { kX = 0, kXScale, kXZp, kW, kWScale, kWZp, kYScale, kYZp, kBias };

constexpr int64_t kMaxTaps = 256;               // 256 * 255 * 255 < 2^24: exact f32 sums
constexpr int64_t kMaxBias = int64_t{1} << 30;  // acc + bias stays inside i32
constexpr int64_t kRowPad = 16;                 // dw_row may touch up to 16 lanes past its end
constexpr int64_t kMaxStride = 16;              // wider horizontal strides run the reference

struct DwConv {
  IntConvProblem p;
  int64_t h = 0, w = 0, oh = 0, ow = 0, kh = 0, kw = 0, sh = 1, sw = 1, pt = 0, pl = 0;
  int64_t rows = 0;        // padded rows read: (oh - 1) * sh + kh
  int64_t phase_cols = 0;  // columns of one phase plane: ow + (kw - 1) / sw
  int64_t phase_size = 0;  // elements of one phase (pair) plane, with slack for over-reads
  int64_t value_size = 0;  // int16 values of one phase plane: phase_size plus one zero row
  int64_t pair_rows = 0;   // kernel row pairs: (kh + 1) / 2
  bool x_u8 = false;
  bool w_u8 = false;
  int32_t x_zp = 0;
  float x_scale = 1.0f;
  QuantOperand wq;
  Requantizer rq;
  QOut out;
  int8::RealRow real;  // the real-domain rows' constant fields (PrepareDivision done)
  const int32_t* bias = nullptr;
};

// Whether node is a depthwise conv this kernel runs; fills `d`. Errors are left to the reference.
bool MakeDwConv(const KernelContext& ctx, DwConv& d) {
  const TensorView& x = ctx.inputs[kX];
  const TensorView& w = ctx.inputs[kW];
  if (x.rank() != 4 || w.rank() != 4) return false;
  Result<IntConvProblem> p = MakeIntConvProblem(ctx.node, x, w);
  if (!p.ok()) return false;
  d.p = *p;
  const Window3& g = d.p.w;
  if (d.p.group != d.p.channels || d.p.filters != d.p.channels || w.shape[1] != 1) return false;
  if (g.dilation[1] != 1 || g.dilation[2] != 1 || g.kernel_size() > kMaxTaps) return false;
  if (g.stride[2] > kMaxStride) return false;
  Result<QuantOperand> xq = ReadQuantOperand(ctx, kXScale, kXZp, 1);
  Result<QuantOperand> wq = ReadQuantOperand(ctx, kWScale, kWZp, d.p.filters);
  Result<QuantOperand> yq = ReadQuantOperand(ctx, kYScale, kYZp, 1);
  if (!xq.ok() || !wq.ok() || !yq.ok()) return false;
  for (int zp : {kXZp, kWZp}) {
    const int operand = zp == kXZp ? kX : kW;
    if (ctx.has_input(zp) && ctx.inputs[zp].dtype != ctx.inputs[operand].dtype) return false;
  }
  Result<Requantizer> rq = MakeRequantizer(ctx, *yq);
  if (!rq.ok()) return false;
  if (ctx.has_input(kBias)) {
    d.bias = ctx.inputs[kBias].as<const int32_t>();
    for (int64_t m = 0; m < d.p.filters; ++m)
      if (d.bias[m] > kMaxBias || d.bias[m] < -kMaxBias) return false;
  }
  d.h = g.in[1], d.w = g.in[2], d.oh = g.out[1], d.ow = g.out[2];
  d.kh = g.kernel[1], d.kw = g.kernel[2], d.sh = g.stride[1], d.sw = g.stride[2];
  d.pt = g.pad[1], d.pl = g.pad[2];
  d.rows = (d.oh - 1) * d.sh + d.kh;
  d.phase_cols = d.ow + (d.kw - 1) / d.sw;
  d.phase_size = d.rows * d.phase_cols + 2 * kRowPad;
  d.value_size = d.phase_size + d.phase_cols;
  d.pair_rows = (d.kh + 1) / 2;
  d.x_u8 = x.dtype == DType::kU8;
  d.w_u8 = w.dtype == DType::kU8;
  d.x_zp = xq->zero_point(0);
  d.x_scale = xq->scale(0);
  d.wq = std::move(*wq);
  d.rq = *rq;
  d.out = {static_cast<float>(d.rq.zero_point), static_cast<float>(d.rq.lo),
           static_cast<float>(d.rq.hi), d.rq.dtype == DType::kU8};
  d.real.act = d.rq.act;
  d.real.y_scale = d.rq.scale;
  d.real.zero_point = d.out.zero_point, d.real.lo = d.out.lo, d.real.hi = d.out.hi;
  d.real.u8 = d.out.u8;
  int8::PrepareDivision(d.real);
  return true;
}

int32_t CodeAt(const void* base, bool u8, int64_t i) {
  return u8 ? static_cast<const uint8_t*>(base)[i] : static_cast<const int8_t*>(base)[i];
}

// dst[i] = code i of src minus zp, for n 1-byte codes.
void Values(const uint8_t* src, bool u8, int64_t n, int32_t zp, int16_t* dst) {
  if (u8) {
    for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<int16_t>(src[i] - zp);
  } else {
    const int8_t* s = reinterpret_cast<const int8_t*>(src);
    for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<int16_t>(s[i] - zp);
  }
}

// Deals one padded row of values (`line`, sw * phase_cols of them) to the phases: phase ph gets
// columns ph, ph + sw, ph + 2 sw, ... (dst[ph] is its row). Stride 2 (the common case) splits the
// int16 pairs in SSE2 registers, 8 columns a step.
void DealRow(const DwConv& d, const int16_t* line, int16_t* const* dst) {
  int64_t c = 0;
#if defined(__SSE2__)
  if (d.sw == 2) {
    for (; c + 8 <= d.phase_cols; c += 8) {
      const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(line + 2 * c));
      const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(line + 2 * c + 8));
      // Low halves sign-extended, high halves shifted down: |values| <= 255, packs is exact.
      const __m128i even = _mm_packs_epi32(_mm_srai_epi32(_mm_slli_epi32(a, 16), 16),
                                           _mm_srai_epi32(_mm_slli_epi32(b, 16), 16));
      const __m128i odd = _mm_packs_epi32(_mm_srai_epi32(a, 16), _mm_srai_epi32(b, 16));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst[0] + c), even);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst[1] + c), odd);
    }
  }
#endif
  for (; c < d.phase_cols; ++c)
    for (int64_t ph = 0; ph < d.sw; ++ph) dst[ph][c] = line[ph + d.sw * c];
}

// Writes the `sw` phase planes of one input plane (codes minus x_zp, padding 0). With sw > 1 each
// padded row is first written into `line` (sw * phase_cols values), then dealt to the phases.
// Only padding is cleared (rows outside the image, columns beside it, the slack past the last
// row): clearing whole planes per channel cost more than the values.
void FillPhases(const DwConv& d, const void* plane, int16_t* phases, int16_t* line) {
  const int64_t width = d.sw * d.phase_cols;  // padded columns the phases hold
  const int64_t n = std::min(d.w, width - d.pl);
  int16_t* rows[kMaxStride];
  for (int64_t ph = 0; ph < d.sw; ++ph) {
    int16_t* p = phases + ph * d.value_size;
    std::fill(p + d.rows * d.phase_cols, p + d.value_size, int16_t{0});
  }
  for (int64_t r = 0; r < d.rows; ++r) {
    for (int64_t ph = 0; ph < d.sw; ++ph) rows[ph] = phases + ph * d.value_size + r * d.phase_cols;
    const int64_t iy = r - d.pt;
    if (iy < 0 || iy >= d.h || n <= 0) {
      for (int64_t ph = 0; ph < d.sw; ++ph)
        std::fill(rows[ph], rows[ph] + d.phase_cols, int16_t{0});
      continue;
    }
    const uint8_t* src = static_cast<const uint8_t*>(plane) + iy * d.w;  // 1-byte codes
    int16_t* dst = d.sw == 1 ? rows[0] : line;
    std::fill(dst, dst + d.pl, int16_t{0});
    Values(src, d.x_u8, n, d.x_zp, dst + d.pl);
    std::fill(dst + d.pl + n, dst + width, int16_t{0});
    if (d.sw > 1) DealRow(d, line, rows);
  }
}

// An i32 holding the int16 pair (lo, hi), as vpmaddwd reads it.
int32_t Pair(int32_t lo, int32_t hi) {
  return static_cast<int32_t>((static_cast<uint32_t>(hi) << 16) |
                              static_cast<uint16_t>(static_cast<int16_t>(lo)));
}

// pairs[f] = (v[f], v[f + cols]) for each phase plane: vertically adjacent values side by side.
void FillPairs(const DwConv& d, const Table& t, const int16_t* values, int32_t* pairs) {
  for (int64_t ph = 0; ph < d.sw; ++ph)
    t.pair_up(values + ph * d.value_size, d.phase_cols, d.phase_size, pairs + ph * d.phase_size);
}

struct Scratch {
  std::vector<int16_t> values, line;
  std::vector<int32_t> pairs, weights;
  std::vector<float> acc;
  std::vector<uint8_t> codes;
  std::vector<const int32_t*> rows;
  std::vector<int64_t> offsets;  // of each tap pair in s.pairs, for output row 0
};

// Quantizes n accumulators of channel c into `dst` (i8 / u8 codes).
void Requantize(const DwConv& d, const Table& t, int64_t c, const float* acc, int64_t n,
                uint8_t* dst, Scratch& s) {
  const float in_scale = d.x_scale * d.wq.scale(c);
  const int32_t bias = d.bias != nullptr ? d.bias[c] : 0;
  if (!d.rq.real_domain) {
    t.requant_row(acc, n, bias, in_scale / d.rq.scale, d.out, dst);
    return;
  }
  // Activations other than Relu / Clip act on the real value (Requantizer::Apply), on the
  // vector rows of ../int8/real_requant.h (same results).
  int8::RealRow r = d.real;
  r.add = bias;
  r.scale = in_scale;
  int8::ActiveRealRequant().row_f32(r, acc, n, dst);
}

// s.offsets: where each tap pair of output row 0 starts in s.pairs (computed once per node).
void TapOffsets(const DwConv& d, Scratch& s) {
  for (int64_t py = 0; py < d.pair_rows; ++py)
    for (int64_t kx = 0; kx < d.kw; ++kx)
      s.offsets[py * d.kw + kx] = (kx % d.sw) * d.phase_size + 2 * py * d.phase_cols + kx / d.sw;
}

// Points s.rows at the tap pairs of output row oy (flat: oy = 0 and the whole plane).
void TapRows(const DwConv& d, int64_t oy, Scratch& s) {
  const int32_t* base = s.pairs.data() + oy * d.sh * d.phase_cols;
  for (size_t k = 0; k < s.offsets.size(); ++k) s.rows[k] = base + s.offsets[k];
}

// dst: the (w[2 py][kx], w[2 py + 1][kx]) pairs of channel c minus its zero point; a missing last
// row is weight 0.
void PairWeights(const DwConv& d, const TensorView& w, int64_t c, int32_t* dst) {
  const int32_t w_zp = d.wq.zero_point(c);
  const int64_t base = c * d.kh * d.kw;
  auto weight = [&](int64_t ky, int64_t kx) {
    return ky < d.kh ? CodeAt(w.data, d.w_u8, base + ky * d.kw + kx) - w_zp : 0;
  };
  for (int64_t py = 0; py < d.pair_rows; ++py)
    for (int64_t kx = 0; kx < d.kw; ++kx)
      dst[py * d.kw + kx] = Pair(weight(2 * py, kx), weight(2 * py + 1, kx));
}

// One output plane (image n, channel c = nc % C); `weights`: channel c's pairs (PairWeights).
void RunPlane(const DwConv& d, const Table& t, int64_t nc, const TensorView& x,
              const int32_t* weights, const TensorView& y, Scratch& s) {
  const int64_t c = nc % d.p.channels;
  const int pairs = static_cast<int>(d.pair_rows * d.kw);
  FillPhases(d, x.as<const uint8_t>() + nc * d.h * d.w, s.values.data(), s.line.data());
  FillPairs(d, t, s.values.data(), s.pairs.data());
  uint8_t* out = y.as<uint8_t>() + nc * d.oh * d.ow;
  if (d.sh == 1) {
    const int64_t n = (d.oh - 1) * d.phase_cols + d.ow;
    TapRows(d, 0, s);
    t.dw_row(s.rows.data(), weights, pairs, n, s.acc.data());
    Requantize(d, t, c, s.acc.data(), n, s.codes.data(), s);
    for (int64_t oy = 0; oy < d.oh; ++oy)
      std::copy_n(s.codes.data() + oy * d.phase_cols, d.ow, out + oy * d.ow);
    return;
  }
  for (int64_t oy = 0; oy < d.oh; ++oy) {
    TapRows(d, oy, s);
    t.dw_row(s.rows.data(), weights, pairs, d.ow, s.acc.data());
    Requantize(d, t, c, s.acc.data(), d.ow, out + oy * d.ow, s);
  }
}

// Scratch sized for d (one per thread).
void SizeScratch(const DwConv& d, Scratch& s) {
  // Accumulators of one dw_row call: the flat plane (stride 1) or one row, rounded up.
  const int64_t acc_n = (d.sh == 1 ? d.oh * d.phase_cols : d.ow) + kRowPad;
  s.values.resize(static_cast<size_t>(d.sw * d.value_size));
  s.line.resize(static_cast<size_t>(d.sw * d.phase_cols));
  s.pairs.resize(static_cast<size_t>(d.sw * d.phase_size));
  s.acc.resize(static_cast<size_t>(acc_n));
  s.codes.resize(static_cast<size_t>(acc_n));
  s.weights.resize(static_cast<size_t>(d.pair_rows * d.kw));
  s.rows.resize(static_cast<size_t>(d.pair_rows * d.kw));
  s.offsets.resize(static_cast<size_t>(d.pair_rows * d.kw));
  TapOffsets(d, s);
}

Status ComputeQLinearConvFast(KernelContext& ctx) {
  DwConv d;
  if (!MakeDwConv(ctx, d)) return FindOp("QLinearConv")->compute(ctx);
  const TensorView& y = ctx.outputs[0];
  if (y.numel() == 0) return Status::Ok();
  const Table& t = int8_ew::ActiveTable();
  ParallelFor(ctx.pool, d.p.batch * d.p.channels, 1, [&](int64_t begin, int64_t end) {
    Scratch s;
    SizeScratch(d, s);
    for (int64_t nc = begin; nc < end; ++nc) {
      PairWeights(d, ctx.inputs[kW], nc % d.p.channels, s.weights.data());
      RunPlane(d, t, nc, ctx.inputs[kX], s.weights.data(), y, s);
    }
  });
  return Status::Ok();
}

// The same computation as a prepared kernel (kernels.h seam 3): the node's parameters, weight
// pairs and bias are read once, and a 1-thread run reuses one scratch, so a run only fills the
// input planes and computes (the per-run setup was ~7% of the PP-OCR classifier's int8 time).
class DwConvKernel final : public PreparedKernel {
 public:
  DwConvKernel(DwConv d, const TensorView& w) : d_(std::move(d)) {
    if (d_.bias != nullptr) bias_.assign(d_.bias, d_.bias + d_.p.filters);
    d_.bias = bias_.empty() ? nullptr : bias_.data();
    pairs_ = d_.pair_rows * d_.kw;
    weights_.resize(static_cast<size_t>(d_.p.channels * pairs_));
    for (int64_t c = 0; c < d_.p.channels; ++c) PairWeights(d_, w, c, weights_.data() + c * pairs_);
    SizeScratch(d_, scratch_);
  }

  Status Run(std::span<const TensorView> inputs, std::span<const TensorView> outputs,
             ThreadPool* pool) override {
    const TensorView& y = outputs[0];
    const Table& t = int8_ew::ActiveTable();
    const auto plane = [&](int64_t nc, Scratch& s) {
      RunPlane(d_, t, nc, inputs[kX], weights_.data() + nc % d_.p.channels * pairs_, y, s);
    };
    const int64_t planes = d_.p.batch * d_.p.channels;
    if (pool == nullptr || pool->threads() <= 1) {
      for (int64_t nc = 0; nc < planes; ++nc) plane(nc, scratch_);
      return Status::Ok();
    }
    ParallelFor(pool, planes, 1, [&](int64_t begin, int64_t end) {
      Scratch s;
      SizeScratch(d_, s);
      for (int64_t nc = begin; nc < end; ++nc) plane(nc, s);
    });
    return Status::Ok();
  }

  size_t bytes() const override {
    return (weights_.size() + bias_.size() + scratch_.pairs.size()) * 4 +
           scratch_.values.size() * 2 + scratch_.acc.size() * 4;
  }

 private:
  DwConv d_;
  int64_t pairs_ = 0;
  std::vector<int32_t> weights_, bias_;
  Scratch scratch_;
};

Result<std::unique_ptr<PreparedKernel>> CreateDwConv(const model::Node& node,
                                                     std::span<const TensorView> inputs,
                                                     std::span<const TensorView> outputs) {
  using KernelPtr = std::unique_ptr<PreparedKernel>;
  if (node.op_type != "QLinearConv" || inputs.size() < 8 || outputs.size() != 1) return KernelPtr();
  // Everything but x must be a constant; x's shape must be known.
  if (!inputs[kX].present() || inputs[kX].shape.empty()) return KernelPtr();
  for (int i = kXScale; i < static_cast<int>(inputs.size()); ++i) {
    if (i != kX && inputs[i].present() && inputs[i].data == nullptr) return KernelPtr();
  }
  if (!inputs[kW].present() || NumElements(outputs[0].shape) == 0) return KernelPtr();
  const KernelContext ctx{node, inputs, outputs, nullptr};
  DwConv d;
  if (!MakeDwConv(ctx, d) || d.rq.dtype != outputs[0].dtype) return KernelPtr();
  return KernelPtr(std::make_unique<DwConvKernel>(std::move(d), inputs[kW]));
}

}  // namespace

MOTA_REGISTER_FAST_KERNEL(QLinearConv, ComputeQLinearConvFast);
MOTA_REGISTER_PREPARED_KERNEL(int8_dwconv, {"int8_dwconv", 10, CreateDwConv});

}  // namespace mota::exec
