// Fast kernel for QLinearConv: depthwise 2-D convolutions (group == C == M, W [C, 1, kh, kw],
// dilation 1, any stride and pads) run here; every other QLinearConv runs the reference compute.
//
// Per (image, channel) plane: the input minus its zero point is written once as f32 into `sw`
// zero-padded column-phase planes (phase p holds padded columns p, p + sw, p + 2 sw, ...), so that
// every kernel tap of an output row reads one contiguous run: tap (ky, kx) of output column ox
// reads padded column ox * sw + kx = sw * (ox + kx / sw) + kx % sw. With vertical stride 1 the
// whole plane is one run: output (oy, ox) at flat index j = oy * cols + ox reads j + ky * cols +
// kx / sw, so small planes (7x7, 14x14) cost one call, not one per row; the columns ox >= OW of
// that flat result are discarded. Padding is real 0, as the
// reference reads x_zero_point there. Products of codes are integers below 2^16 and a window has
// at most 256 taps, so the f32 sums are exact (< 2^24) and the i32 results equal the reference's
// int64 accumulators. Requantization is the reference Requantizer's f32 arithmetic (int8_table.h),
// so outputs are bit-identical.
#include <algorithm>
#include <cstdint>
#include <vector>

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

struct DwConv {
  IntConvProblem p;
  int64_t h = 0, w = 0, oh = 0, ow = 0, kh = 0, kw = 0, sh = 1, sw = 1, pt = 0, pl = 0;
  int64_t rows = 0;        // padded rows read: (oh - 1) * sh + kh
  int64_t phase_cols = 0;  // columns of one phase plane: ow + (kw - 1) / sw
  int64_t phase_size = 0;  // floats of one phase plane, with slack for dw_row's over-reads
  bool x_u8 = false;
  bool w_u8 = false;
  int32_t x_zp = 0;
  float x_scale = 1.0f;
  QuantOperand wq;
  Requantizer rq;
  QOut out;
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
  d.x_u8 = x.dtype == DType::kU8;
  d.w_u8 = w.dtype == DType::kU8;
  d.x_zp = xq->zero_point(0);
  d.x_scale = xq->scale(0);
  d.wq = std::move(*wq);
  d.rq = *rq;
  d.out = {static_cast<float>(d.rq.zero_point), static_cast<float>(d.rq.lo),
           static_cast<float>(d.rq.hi), d.rq.dtype == DType::kU8};
  return true;
}

int32_t CodeAt(const void* base, bool u8, int64_t i) {
  return u8 ? static_cast<const uint8_t*>(base)[i] : static_cast<const int8_t*>(base)[i];
}

// Writes the `sw` phase planes of one input plane (codes minus x_zp, padding 0). With sw > 1 each
// padded row is first converted into `line` (sw * phase_cols floats), then dealt to the phases.
void FillPhases(const DwConv& d, const Table& t, const void* plane, float* phases, float* line) {
  std::fill(phases, phases + d.sw * d.phase_size, 0.0f);
  const int64_t width = d.sw * d.phase_cols;  // padded columns the phases hold
  const int64_t n = std::min(d.w, width - d.pl);
  if (n <= 0) return;
  for (int64_t r = 0; r < d.rows; ++r) {
    const int64_t iy = r - d.pt;
    if (iy < 0 || iy >= d.h) continue;
    const uint8_t* src = static_cast<const uint8_t*>(plane) + iy * d.w;  // 1-byte codes
    if (d.sw == 1) {
      t.dequantize(src, d.x_u8, n, d.x_zp, 1.0f, phases + r * d.phase_cols + d.pl);
      continue;
    }
    std::fill(line, line + width, 0.0f);
    t.dequantize(src, d.x_u8, n, d.x_zp, 1.0f, line + d.pl);
    for (int64_t ph = 0; ph < d.sw; ++ph) {
      float* dst = phases + ph * d.phase_size + r * d.phase_cols;
      for (int64_t c = 0; c < d.phase_cols; ++c) dst[c] = line[ph + d.sw * c];
    }
  }
}

struct Scratch {
  std::vector<float> phases, line, acc, weights;
  std::vector<uint8_t> codes;
  std::vector<const float*> rows;
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
  // vector rows of ../int8/real_requant.h (same f32 operations, same results).
  int8::RealRow r;
  r.add = bias;
  r.scale = in_scale;
  r.act = d.rq.act;
  r.y_scale = d.rq.scale;
  r.zero_point = d.out.zero_point, r.lo = d.out.lo, r.hi = d.out.hi, r.u8 = d.out.u8;
  int8::ActiveRealRequant().row_f32(r, acc, n, dst);
}

// Points s.rows at the taps of output row oy (flat: oy = 0 and the whole plane).
void TapRows(const DwConv& d, int64_t oy, Scratch& s) {
  for (int64_t ky = 0; ky < d.kh; ++ky)
    for (int64_t kx = 0; kx < d.kw; ++kx)
      s.rows[ky * d.kw + kx] = s.phases.data() + (kx % d.sw) * d.phase_size +
                               (oy * d.sh + ky) * d.phase_cols + kx / d.sw;
}

// One output plane (image n, channel c = nc % C).
void RunPlane(const DwConv& d, const Table& t, int64_t nc, const TensorView& x, const TensorView& w,
              const TensorView& y, Scratch& s) {
  const int64_t c = nc % d.p.channels;
  const int taps = static_cast<int>(d.kh * d.kw);
  FillPhases(d, t, x.as<const uint8_t>() + nc * d.h * d.w, s.phases.data(), s.line.data());
  const int32_t w_zp = d.wq.zero_point(c);
  for (int k = 0; k < taps; ++k)
    s.weights[k] = static_cast<float>(CodeAt(w.data, d.w_u8, c * taps + k) - w_zp);
  uint8_t* out = y.as<uint8_t>() + nc * d.oh * d.ow;
  if (d.sh == 1) {
    const int64_t n = (d.oh - 1) * d.phase_cols + d.ow;
    TapRows(d, 0, s);
    t.dw_row(s.rows.data(), s.weights.data(), taps, n, s.acc.data());
    Requantize(d, t, c, s.acc.data(), n, s.codes.data(), s);
    for (int64_t oy = 0; oy < d.oh; ++oy)
      std::copy_n(s.codes.data() + oy * d.phase_cols, d.ow, out + oy * d.ow);
    return;
  }
  for (int64_t oy = 0; oy < d.oh; ++oy) {
    TapRows(d, oy, s);
    t.dw_row(s.rows.data(), s.weights.data(), taps, d.ow, s.acc.data());
    Requantize(d, t, c, s.acc.data(), d.ow, out + oy * d.ow, s);
  }
}

Status ComputeQLinearConvFast(KernelContext& ctx) {
  DwConv d;
  if (!MakeDwConv(ctx, d)) return FindOp("QLinearConv")->compute(ctx);
  const TensorView& y = ctx.outputs[0];
  if (y.numel() == 0) return Status::Ok();
  const Table& t = int8_ew::ActiveTable();
  // Accumulators of one dw_row call: the flat plane (stride 1) or one row, rounded up.
  const int64_t acc_n = (d.sh == 1 ? d.oh * d.phase_cols : d.ow) + kRowPad;
  ParallelFor(ctx.pool, d.p.batch * d.p.channels, 1, [&](int64_t begin, int64_t end) {
    Scratch s;
    s.phases.resize(static_cast<size_t>(d.sw * d.phase_size));
    s.line.resize(static_cast<size_t>(d.sw * d.phase_cols));
    s.acc.resize(static_cast<size_t>(acc_n));
    s.codes.resize(static_cast<size_t>(acc_n));
    s.weights.resize(static_cast<size_t>(d.kh * d.kw));
    s.rows.resize(static_cast<size_t>(d.kh * d.kw));
    for (int64_t nc = begin; nc < end; ++nc)
      RunPlane(d, t, nc, ctx.inputs[kX], ctx.inputs[kW], y, s);
  });
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_FAST_KERNEL(QLinearConv, ComputeQLinearConvFast);

}  // namespace mota::exec
