// "int8_gemm_conv": QLinearConv (group 1, 1-D / 2-D) as an implicit GEMM on the int8 core.
//
// Per image, x is packed once into stride phases of the zero-padded input, 4 channels
// interleaved: packed[phase (py, px)][channel group g][r][c][i] = x'[4g + i][r*sh + py - pt]
// [c*sw + px - pl], x' = x + 128 for i8 x (u8 for vpdpbusd), the zero point (in that domain) in
// the padding. GEMM column n' = oh * ws + ow: for kernel tap (kh, kw) the input of output
// (oh, ow) sits at phase ((kh*dh) % sh, (kw*dw) % sw), position n' + (kh*dh / sh) * ws +
// kw*dw / sw, so every tap is the same packed plane read at a fixed offset and no im2col buffer
// is needed. Columns with ow >= wo are computed and dropped (ws - wo of every ws).
#include <algorithm>
#include <cstring>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "base/aligned_buffer.h"
#include "exec/cpu/int8/int8_kernels.h"
#include "exec/cpu/int8/real_requant.h"
#include "exec/reference/conv_util.h"

namespace mota::exec::int8 {
namespace {

enum Input : int { kX = 0, kXScale, kXZp, kW, kWScale, kWZp, kYScale, kYZp, kBias };

// int32 accumulators stay exact while K * 255 * 128 + |bias| < 2^31.
constexpr int64_t kMaxK = 16384;
constexpr int64_t kMaxAbsBias = int64_t{1} << 30;

using KernelPtr = std::unique_ptr<PreparedKernel>;

struct Geometry {
  int64_t c = 0, m = 0, h = 0, w = 0, ho = 0, wo = 0;
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, pt = 0, pl = 0;
  int64_t c4 = 0;          // groups of 4 channels
  int64_t hs = 0, ws = 0;  // one stride phase of the padded input
  int64_t cols = 0;        // GEMM columns: (ho - 1) * ws + wo
  int64_t plane_bytes = 0, phase_bytes = 0, packed_bytes = 0;
  std::vector<int64_t> tap_offsets;  // bytes, tap t = kh_index * kw + kw_index
};

Geometry MakeGeometry(const IntConvProblem& p) {
  const Window3& win = p.w;
  Geometry g;
  g.c = p.channels;
  g.m = p.filters;
  g.h = win.in[1], g.w = win.in[2], g.ho = win.out[1], g.wo = win.out[2];
  g.kh = win.kernel[1], g.kw = win.kernel[2];
  g.sh = win.stride[1], g.sw = win.stride[2];
  g.dh = win.dilation[1], g.dw = win.dilation[2];
  g.pt = win.pad[1], g.pl = win.pad[2];
  g.c4 = (g.c + 3) / 4;
  const int64_t hp = (g.ho - 1) * g.sh + (g.kh - 1) * g.dh + 1;
  const int64_t wp = (g.wo - 1) * g.sw + (g.kw - 1) * g.dw + 1;
  g.hs = (hp + g.sh - 1) / g.sh;
  g.ws = (wp + g.sw - 1) / g.sw;
  g.cols = (g.ho - 1) * g.ws + g.wo;
  g.plane_bytes = g.hs * g.ws * 4;
  g.phase_bytes = g.c4 * g.plane_bytes;
  int64_t max_offset = 0;
  for (int64_t i = 0; i < g.kh; ++i) {
    for (int64_t j = 0; j < g.kw; ++j) {
      const int64_t phase = (i * g.dh % g.sh) * g.sw + j * g.dw % g.sw;
      const int64_t pos = (i * g.dh / g.sh) * g.ws + j * g.dw / g.sw;
      g.tap_offsets.push_back(phase * g.phase_bytes + pos * 4);
      max_offset = std::max(max_offset, g.tap_offsets.back());
    }
  }
  // Tiles read whole vectors of 16 columns, up to round_up(cols, 16), at every tap offset.
  const int64_t reach = max_offset + (g.c4 - 1) * g.plane_bytes + (g.cols + 15) / 16 * 16 * 4;
  g.packed_bytes = std::max(g.sh * g.sw * g.phase_bytes, reach);
  return g;
}

// All of the node's quantization parameters, read as the reference reads them.
struct ConvQuant {
  QuantOperand x, w, y;
  Requantizer requant;
};

Result<ConvQuant> ReadConvQuant(const KernelContext& ctx, int64_t filters) {
  ConvQuant q;
  MOTA_ASSIGN_OR_RETURN(q.x, ReadQuantOperand(ctx, kXScale, kXZp, 1));
  MOTA_ASSIGN_OR_RETURN(q.w, ReadQuantOperand(ctx, kWScale, kWZp, filters));
  MOTA_ASSIGN_OR_RETURN(q.y, ReadQuantOperand(ctx, kYScale, kYZp, 1));
  MOTA_ASSIGN_OR_RETURN(q.requant, MakeRequantizer(ctx, q.y));
  return q;
}

// dst[j] = src[2 j] for j < n. The packs were a scalar byte loop that took ~6% of resnet18's int8
// time (its stride-2 convs); SSE2 takes 16 even bytes of 32 in three operations.
void EvenBytes(const uint8_t* src, int64_t n, uint8_t* dst) {
  int64_t j = 0;
#if defined(__SSE2__)
  const __m128i low = _mm_set1_epi16(0x00FF);
  // 2 j + 32 <= 2 n - 1 keeps the loads inside the row (its last byte is src[2 n - 2]).
  for (; 2 * j + 33 <= 2 * n; j += 16) {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 2 * j));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 2 * j + 16));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + j),
                     _mm_packus_epi16(_mm_and_si128(a, low), _mm_and_si128(b, low)));
  }
#endif
  for (; j < n; ++j) dst[j] = src[2 * j];
}

class ConvGemm final : public PreparedKernel {
 public:
  ConvGemm(const Isa& isa, Geometry g, int64_t batch, bool x_signed, uint8_t zx)
      : isa_(isa), g_(std::move(g)), batch_(batch), flip_(x_signed ? 0x80 : 0), zx_(zx) {}

  // Packs w (w - w_zp must fit s8) and the per-filter constants; false: the node is declined.
  bool Init(const TensorView& w, const TensorView* bias, const ConvQuant& q);

  Status Run(std::span<const TensorView> inputs, std::span<const TensorView> outputs,
             ThreadPool* pool) override;

  size_t bytes() const override { return panels_.size() + packed_.size(); }

 private:
  int64_t Taps() const { return g_.kh * g_.kw; }
  int64_t PanelBytes() const { return Taps() * g_.c4 * kMr * 4; }
  // line: 4 * ws bytes of the calling thread's scratch (stride-2 rows).
  void PackRow(const uint8_t* x, int64_t phase, int64_t group, int64_t r, uint8_t* line);
  void PackImage(const uint8_t* x, ThreadPool* pool);
  // acc: kMr * kNrMax accumulators; codes: kMr * kNrMax bytes (scratch of the calling thread).
  void RunTile(int64_t n0, int64_t panel, int32_t* acc, uint8_t* codes, uint8_t* y) const;

  const Isa& isa_;
  Geometry g_;
  int64_t batch_;
  uint8_t flip_;                  // x ^ flip_ is x in the u8 domain (x + 128 for i8)
  uint8_t zx_;                    // x's zero point in the u8 domain: what padding holds
  std::vector<int8_t> panels_;    // [ceil(m / kMr)][taps][c4][kMr][4]
  std::vector<int32_t> row_add_;  // bias[m] - zx * sum(w[m] - w_zp[m])
  std::vector<float> mult_, in_scale_;
  Epilogue epilogue_;
  RealRow real_row_;  // real-domain activations: the rows' constant fields (PrepareDivision done)
  AlignedBuffer packed_;          // one packed image
  std::vector<uint8_t> pad_row_;  // missing channels (c >= C) read this row
};

bool ConvGemm::Init(const TensorView& w, const TensorView* bias, const ConvQuant& q) {
  const int64_t taps = Taps(), k = g_.c * taps;
  const int64_t panels = (g_.m + kMr - 1) / kMr;
  panels_.assign(static_cast<size_t>(panels * PanelBytes()), 0);
  row_add_.resize(static_cast<size_t>(g_.m));
  for (int64_t m = 0; m < g_.m; ++m) {
    const int32_t zp = q.w.zero_point(m);
    int8_t* panel = panels_.data() + m / kMr * PanelBytes();
    int64_t sum = 0;
    for (int64_t i = 0; i < k; ++i) {
      const int64_t at = m * k + i;
      const int32_t v = (w.dtype == DType::kI8 ? int32_t{w.as<const int8_t>()[at]}
                                               : int32_t{w.as<const uint8_t>()[at]}) -
                        zp;
      if (v < -128 || v > 127) return false;
      const int64_t c = i / taps, t = i % taps;
      panel[((t * g_.c4 + c / 4) * kMr + m % kMr) * 4 + c % 4] = static_cast<int8_t>(v);
      sum += v;
    }
    const int64_t b = bias != nullptr ? bias->as<const int32_t>()[m] : 0;
    if (b > kMaxAbsBias || b < -kMaxAbsBias) return false;
    row_add_[m] = static_cast<int32_t>(b - int64_t{zx_} * sum);
    // The reference's f32 arithmetic: in_scale = x_scale * w_scale[m], multiplier in_scale / y.
    in_scale_.push_back(q.x.scale(0) * q.w.scale(m));
    mult_.push_back(in_scale_.back() / q.requant.scale);
  }
  epilogue_.row_add = row_add_.data();
  epilogue_.mult = mult_.data();
  epilogue_.in_scale = in_scale_.data();
  epilogue_.requant = q.requant;
  PrepareEpilogue(epilogue_);
  real_row_.act = q.requant.act;
  real_row_.y_scale = q.requant.scale;
  real_row_.zero_point = static_cast<float>(q.requant.zero_point);
  real_row_.lo = static_cast<float>(q.requant.lo);
  real_row_.hi = static_cast<float>(q.requant.hi);
  real_row_.u8 = q.requant.dtype == DType::kU8;
  PrepareDivision(real_row_);
  pad_row_.assign(static_cast<size_t>(std::max<int64_t>(g_.w, 1)), zx_ ^ flip_);
  return packed_.Resize(static_cast<size_t>(g_.packed_bytes));
}

void ConvGemm::PackRow(const uint8_t* x, int64_t phase, int64_t group, int64_t r, uint8_t* line) {
  const int64_t py = phase / g_.sw, px = phase % g_.sw;
  uint8_t* dst = packed_.data() + phase * g_.phase_bytes + group * g_.plane_bytes + r * g_.ws * 4;
  const int64_t ih = r * g_.sh + py - g_.pt;
  if (ih < 0 || ih >= g_.h) {
    std::memset(dst, zx_, static_cast<size_t>(g_.ws * 4));
    return;
  }
  int64_t lo, hi;  // columns reading real input
  ValidOutputRange(g_.ws, g_.sw, px - g_.pl, g_.w, &lo, &hi);
  std::memset(dst, zx_, static_cast<size_t>(lo * 4));
  std::memset(dst + hi * 4, zx_, static_cast<size_t>((g_.ws - hi) * 4));
  if (hi <= lo) return;
  const int64_t first = lo * g_.sw + px - g_.pl;  // input column of packed column lo
  const uint8_t* src[4];
  for (int64_t i = 0; i < 4; ++i) {
    const int64_t c = group * 4 + i;
    src[i] = (c < g_.c ? x + (c * g_.h + ih) * g_.w : pad_row_.data()) + first;
  }
  if (g_.sw == 1) {
    Interleave4(src, hi - lo, flip_, dst + lo * 4);
    return;
  }
  if (g_.sw == 2) {  // every other byte of each row into `line`, then interleaved as above
    const uint8_t* even[4];
    for (int i = 0; i < 4; ++i) {
      EvenBytes(src[i], hi - lo, line + i * g_.ws);
      even[i] = line + i * g_.ws;
    }
    Interleave4(even, hi - lo, flip_, dst + lo * 4);
    return;
  }
  for (int64_t j = 0; j < hi - lo; ++j) {
    for (int i = 0; i < 4; ++i) dst[(lo + j) * 4 + i] = src[i][j * g_.sw] ^ flip_;
  }
}

void ConvGemm::PackImage(const uint8_t* x, ThreadPool* pool) {
  const int64_t rows = g_.sh * g_.sw * g_.c4 * g_.hs;
  ParallelFor(pool, rows, 16, [&](int64_t begin, int64_t end) {
    std::vector<uint8_t> line(static_cast<size_t>(g_.sw == 2 ? 4 * g_.ws : 0));
    for (int64_t i = begin; i < end; ++i) {
      const int64_t r = i % g_.hs, group = i / g_.hs % g_.c4, phase = i / (g_.hs * g_.c4);
      PackRow(x, phase, group, r, line.data());
    }
  });
}

void ConvGemm::RunTile(int64_t n0, int64_t panel, int32_t* acc, uint8_t* codes, uint8_t* y) const {
  const int cols = static_cast<int>(std::min<int64_t>(kNrMax, g_.cols - n0));
  const int rows = static_cast<int>(std::min<int64_t>(kMr, g_.m - panel * kMr));
  TileArgs a;
  a.p = packed_.data() + n0 * 4;
  a.p_stride = g_.plane_bytes;
  a.tap_offsets = g_.tap_offsets.data();
  a.taps = Taps();
  a.k4 = g_.c4;
  a.q = panels_.data() + panel * PanelBytes();
  const int64_t out_plane = g_.ho * g_.wo;
  if (g_.ws == g_.wo && !epilogue_.requant.real_domain) {
    // Column n is output position n (no padding columns): requantize inside the tile.
    a.out = y + panel * kMr * out_plane + n0;
    a.ldo = out_plane;
    a.row_add = row_add_.data() + panel * kMr;
    a.row_mult = mult_.data() + panel * kMr;
    a.zp = epilogue_.requant.zero_point;
    a.lo = epilogue_.requant.lo;
    a.hi = epilogue_.requant.hi;
    isa_.tile(a, rows, cols, acc);
    return;
  }
  if (g_.ws == g_.wo) {  // real-domain activation, no padding columns: all rows in one call
    isa_.tile(a, rows, cols, acc);
    ActiveRealRequant().tile(real_row_, row_add_.data() + panel * kMr,
                             in_scale_.data() + panel * kMr, rows, acc, kNrMax, cols,
                             y + panel * kMr * out_plane + n0, out_plane);
    return;
  }
  // Padding columns among the outputs: integer requantization still runs in the tile, into a
  // byte tile `codes` ([kMr][kNrMax]), whose output-row runs are then copied out (no i32 round
  // trip through acc and no requantization call per run).
  const bool fused = !epilogue_.requant.real_domain;
  if (fused) {
    a.out = codes;
    a.ldo = kNrMax;
    a.row_add = row_add_.data() + panel * kMr;
    a.row_mult = mult_.data() + panel * kMr;
    a.zp = epilogue_.requant.zero_point;
    a.lo = epilogue_.requant.lo;
    a.hi = epilogue_.requant.hi;
  }
  isa_.tile(a, rows, cols, acc);
  for (int r = 0; r < rows; ++r) {
    const int64_t m = panel * kMr + r;
    // Runs of columns within one output row; columns ow >= wo are padding positions.
    for (int64_t n = n0; n < n0 + cols;) {
      const int64_t oh = n / g_.ws, ow = n % g_.ws;
      if (ow >= g_.wo) {
        n = (oh + 1) * g_.ws;
        continue;
      }
      const int64_t end = std::min(n0 + cols, oh * g_.ws + g_.wo);
      uint8_t* dst = y + m * out_plane + oh * g_.wo + ow;
      if (fused) {
        std::memcpy(dst, codes + r * kNrMax + (n - n0), static_cast<size_t>(end - n));
      } else {
        FinishRow(isa_, epilogue_, acc + r * kNrMax + (n - n0), m, 0, end - n, dst);
      }
      n = end;
    }
  }
}

Status ConvGemm::Run(std::span<const TensorView> inputs, std::span<const TensorView> outputs,
                     ThreadPool* pool) {
  const auto* x = static_cast<const uint8_t*>(inputs[kX].data);
  auto* y = static_cast<uint8_t*>(outputs[0].data);
  const int64_t tiles = (g_.cols + kNrMax - 1) / kNrMax;
  const int64_t panels = (g_.m + kMr - 1) / kMr;
  // Few column tiles (small images): split the filters too, so that every thread has work.
  const int64_t threads = pool == nullptr ? 1 : pool->threads();
  int64_t chunks = 1;
  if (threads > 1 && tiles < 4 * threads)
    chunks = std::min(panels, (4 * threads + tiles - 1) / tiles);
  for (int64_t b = 0; b < batch_; ++b) {
    PackImage(x + b * g_.c * g_.h * g_.w, pool);
    uint8_t* yb = y + b * g_.m * g_.ho * g_.wo;
    ParallelFor(pool, tiles * chunks, 1, [&](int64_t u0, int64_t u1) {
      alignas(64) int32_t acc[kMr * kNrMax];
      alignas(64) uint8_t codes[kMr * kNrMax];
      for (int64_t u = u0; u < u1; ++u) {
        const int64_t tile = u / chunks, chunk = u % chunks;
        for (int64_t p = chunk * panels / chunks; p < (chunk + 1) * panels / chunks; ++p)
          RunTile(tile * kNrMax, p, acc, codes, yb);
      }
    });
  }
  return Status::Ok();
}

bool Known(std::span<const TensorView> inputs, int i) {
  return i >= static_cast<int>(inputs.size()) || !inputs[i].present() || inputs[i].data != nullptr;
}

bool ZeroPointDTypeMatches(std::span<const TensorView> inputs, int zp, int operand) {
  return zp >= static_cast<int>(inputs.size()) || !inputs[zp].present() ||
         inputs[zp].dtype == inputs[operand].dtype;
}

// The problem when this kernel takes the node; errors and unsupported forms decline (the
// reference then reports errors with its own messages).
bool Accepts(const model::Node& node, std::span<const TensorView> inputs,
             std::span<const TensorView> outputs, IntConvProblem* p) {
  if (node.op_type != "QLinearConv" || inputs.size() < 8 || outputs.size() != 1) return false;
  if (node.attrs.GetInt("group", 1) != 1) return false;  // depthwise / grouped: not a GEMM
  if (!inputs[kX].present() || !inputs[kW].present() || inputs[kW].data == nullptr) return false;
  for (int i : {kXScale, kXZp, kWScale, kWZp, kYScale, kYZp, kBias}) {
    if (!Known(inputs, i)) return false;
  }
  if (!ZeroPointDTypeMatches(inputs, kXZp, kX) || !ZeroPointDTypeMatches(inputs, kWZp, kW))
    return false;
  Result<IntConvProblem> r = MakeIntConvProblem(node, inputs[kX], inputs[kW]);
  if (!r.ok()) return false;
  *p = *r;
  const Window3& w = p->w;
  if (w.in[0] != 1 || w.kernel[0] != 1 || w.out[0] != 1 || w.pad[0] != 0) return false;  // 3-D
  if (p->group != 1 || NumElements(p->out_shape) == 0) return false;
  if (p->channels * w.kernel_size() > kMaxK) return false;
  const DType y = outputs[0].dtype;
  if (y != DType::kI8 && y != DType::kU8) return false;
  if (inputs.size() > kBias && inputs[kBias].present()) {
    const TensorView& b = inputs[kBias];
    if (b.dtype != DType::kI32 || b.numel() != p->filters) return false;
  }
  return true;
}

}  // namespace

Result<KernelPtr> CreateQLinearConvGemm(const model::Node& node, std::span<const TensorView> inputs,
                                        std::span<const TensorView> outputs, const Isa* isa) {
  IntConvProblem p;
  if (!Accepts(node, inputs, outputs, &p)) return KernelPtr();
  const KernelContext ctx{node, inputs, outputs, nullptr};
  Result<ConvQuant> q = ReadConvQuant(ctx, p.filters);
  if (!q.ok() || q->y.dtype != outputs[0].dtype) return KernelPtr();
  const bool x_signed = inputs[kX].dtype == DType::kI8;
  const auto zx = static_cast<uint8_t>(q->x.zero_point(0) + (x_signed ? 128 : 0));
  auto kernel = std::make_unique<ConvGemm>(isa != nullptr ? *isa : BestIsa(), MakeGeometry(p),
                                           p.batch, x_signed, zx);
  const bool has_bias = inputs.size() > kBias && inputs[kBias].present();
  if (!kernel->Init(inputs[kW], has_bias ? &inputs[kBias] : nullptr, *q)) return KernelPtr();
  return KernelPtr(std::move(kernel));
}

namespace {

Result<KernelPtr> CreateConvDefault(const model::Node& node, std::span<const TensorView> inputs,
                                    std::span<const TensorView> outputs) {
  return CreateQLinearConvGemm(node, inputs, outputs, nullptr);
}

}  // namespace

MOTA_REGISTER_PREPARED_KERNEL(int8_gemm_conv, {"int8_gemm_conv", 10, CreateConvDefault});

}  // namespace mota::exec::int8
