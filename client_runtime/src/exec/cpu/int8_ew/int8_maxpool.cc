// Fast kernel for MaxPool on i8 / u8 tensors (the MaxPools of int8 graphs; XNNPACK takes f32 ones,
// and those it declines run the reference compute from here). Any rank the reference takes (1-D to
// 3-D windows), kernel, stride, pads, dilation and ceil_mode; a node that asks for Indices, another
// dtype, or a malformed node runs the reference compute (which reports the errors).
//
// Codes are compared as u8: i8 codes are flipped to code ^ 0x80 (code + 128, order-preserving),
// so every max is an unsigned byte max that compilers vectorize on any ISA (SSE2 pmaxub, NEON
// umax). Per output row: (1) the column-wise max over the window's rows that read real input, into
// a row buffer padded with the lowest code (0 flipped) on both sides; (2) with stride s, that row
// split into s phases (phase p holds padded columns p, p + s, ...), so every kernel column tap
// reads one contiguous run: output ow, tap kw reads padded column ow * s + kw * d = s * (ow +
// kw * d / s) + kw * d % s; (3) the max over the kernel columns. Padding reads the lowest code,
// which never wins over real input; a window with no real input yields the lowest code, as the
// reference's initial value. The max is exact, so outputs are bit-identical.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "exec/cpu/kernels.h"
#include "exec/reference/op_util.h"
#include "exec/reference/pool_util.h"

namespace mota::exec {
namespace {

struct RowScratch {
  std::vector<uint8_t> padded;       // pl + W + right margin, flipped codes
  std::vector<uint8_t> phases;       // s phases of phase_len bytes
  std::vector<const uint8_t*> srcs;  // the rows one MaxRows call reduces
};

struct Geometry {
  int64_t left = 0;  // pl: padded column of input column 0
  int64_t padded_len = 0;
  int64_t phase_len = 0;  // columns of one phase
  int64_t stride = 1, dilation = 1, kernel = 1, out_w = 0, in_w = 0;
  std::vector<int64_t> tap_at;  // per kernel column: its first read in the padded / phase buffer
};

Geometry MakeGeometry(const Window3& w) {
  Geometry g;
  g.left = w.pad[2], g.stride = w.stride[2], g.dilation = w.dilation[2];
  g.kernel = w.kernel[2], g.out_w = w.out[2], g.in_w = w.in[2];
  const int64_t read_end = (g.out_w - 1) * g.stride + (g.kernel - 1) * g.dilation + 1;
  g.padded_len = std::max(read_end, g.left + g.in_w);
  g.phase_len = (g.padded_len + g.stride - 1) / g.stride;
  for (int64_t kw = 0; kw < g.kernel; ++kw) {
    const int64_t at = kw * g.dilation;
    g.tap_at.push_back(g.stride == 1 ? at : (at % g.stride) * g.phase_len + at / g.stride);
  }
  return g;
}

// 16 bytes at a time with GCC / Clang vector types: an unsigned byte max (SSE2 pmaxub, NEON umax)
// that does not depend on the auto-vectorizer seeing through the uint8_t aliasing.
typedef uint8_t V16 __attribute__((vector_size(16)));

inline V16 Load16(const uint8_t* p) {
  V16 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline V16 Max16(V16 a, V16 b) { return a > b ? a : b; }

// dst[i] = max over r < rows of (srcs[r][i] ^ in_flip), then ^ out_flip, for i < n; 0 ^ out_flip
// (the lowest code) when rows == 0. One pass per 16 columns with the max in a register; a ragged
// tail is one more block ending at n (it rewrites some columns with the same values: dst is never
// read), so nothing is read or written past n. Rows shorter than 16 run scalar.
inline V16 MaxBlock(const uint8_t* const* srcs, int64_t rows, int64_t i, V16 fi, V16 fo) {
  V16 m{};
  for (int64_t r = 0; r < rows; ++r) m = Max16(m, Load16(srcs[r] + i) ^ fi);
  return m ^ fo;
}

void MaxRows(const uint8_t* const* srcs, int64_t rows, int64_t n, uint8_t in_flip, uint8_t out_flip,
             uint8_t* dst) {
  if (n < 16) {
    for (int64_t i = 0; i < n; ++i) {
      uint8_t m = 0;
      for (int64_t r = 0; r < rows; ++r) {
        const uint8_t v = srcs[r][i] ^ in_flip;
        m = v > m ? v : m;
      }
      dst[i] = m ^ out_flip;
    }
    return;
  }
  const V16 fi = in_flip - V16{}, fo = out_flip - V16{};
  for (int64_t i = 0;; i += 16) {
    const int64_t at = i + 16 <= n ? i : n - 16;
    const V16 m = MaxBlock(srcs, rows, at, fi, fo);
    std::memcpy(dst + at, &m, sizeof m);
    if (at + 16 >= n) return;
  }
}

// Column-wise max of the window rows of output row (od, oh) into s.padded + left.
void VerticalMax(const PoolPlan& p, const Geometry& g, const uint8_t* src, int64_t od, int64_t oh,
                 uint8_t flip, RowScratch& s) {
  const Window3& w = p.w;
  int64_t rows = 0;
  for (int64_t kd = p.taps[0].lo[od]; kd < p.taps[0].hi[od]; ++kd) {
    const int64_t id = p.taps[0].start[od] + kd * w.dilation[0];
    for (int64_t kh = p.taps[1].lo[oh]; kh < p.taps[1].hi[oh]; ++kh) {
      const int64_t ih = p.taps[1].start[oh] + kh * w.dilation[1];
      s.srcs[rows++] = src + (id * w.in[1] + ih) * w.in[2];
    }
  }
  MaxRows(s.srcs.data(), rows, g.in_w, flip, 0, s.padded.data() + g.left);
}

// Output row dst[ow] = max over kernel columns of the padded row (already filled), unflipped.
void HorizontalMax(const Geometry& g, uint8_t flip, RowScratch& s, uint8_t* dst) {
  const uint8_t* base = s.padded.data();
  const int64_t stride = g.stride, len = g.padded_len;
  if (stride != 1) {
    for (int64_t ph = 0; ph < stride; ++ph) {
      uint8_t* __restrict out = s.phases.data() + ph * g.phase_len;
      const uint8_t* __restrict in = base + ph;
      const int64_t count = (len - ph + stride - 1) / stride;
      int64_t j = 0;
      if (stride == 2) {  // the common case: even / odd bytes of 32, 16 at a time
        for (; j + 16 <= count && 2 * j + 32 <= len - ph; j += 16) {
          const V16 a = Load16(in + 2 * j), b = Load16(in + 2 * j + 16);
          const V16 even = __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22,
                                                   24, 26, 28, 30);
          std::memcpy(out + j, &even, sizeof even);
        }
      }
      for (; j < count; ++j) out[j] = in[j * stride];
    }
    base = s.phases.data();
  }
  for (int64_t kw = 0; kw < g.kernel; ++kw) s.srcs[kw] = base + g.tap_at[kw];
  MaxRows(s.srcs.data(), g.kernel, g.out_w, 0, flip, dst);
}

void MaxPoolPlane(const PoolPlan& p, const Geometry& g, const uint8_t* src, uint8_t* dst,
                  uint8_t flip, RowScratch& s) {
  const Window3& w = p.w;
  for (int64_t od = 0; od < w.out[0]; ++od) {
    for (int64_t oh = 0; oh < w.out[1]; ++oh, dst += g.out_w) {
      VerticalMax(p, g, src, od, oh, flip, s);
      HorizontalMax(g, flip, s, dst);
    }
  }
}

Status ComputeMaxPoolFast(KernelContext& ctx) {
  const TensorView& x = ctx.inputs[0];
  const bool is_code = x.dtype == DType::kI8 || x.dtype == DType::kU8;
  const int64_t storage_order = ctx.attrs().GetInt("storage_order", 0);
  if (!is_code || ctx.outputs.size() > 1 || (storage_order != 0 && storage_order != 1)) {
    return FindOp("MaxPool")->compute(ctx);
  }
  Result<PoolPlan> plan = MakePoolPlan(ctx.node, x);
  if (!plan.ok()) return FindOp("MaxPool")->compute(ctx);
  const PoolPlan& p = *plan;
  if (ctx.outputs[0].numel() == 0) return Status::Ok();
  const Geometry g = MakeGeometry(p.w);
  const uint8_t flip = x.dtype == DType::kI8 ? 0x80 : 0x00;
  const uint8_t* px = x.as<const uint8_t>();
  uint8_t* py = ctx.outputs[0].as<uint8_t>();
  ParallelFor(ctx.pool, p.planes, 1, [&](int64_t begin, int64_t end) {
    RowScratch s;
    s.padded.assign(static_cast<size_t>(g.padded_len), 0);  // margins stay the lowest code
    s.phases.assign(static_cast<size_t>(g.stride * g.phase_len), 0);
    s.srcs.resize(static_cast<size_t>(std::max(p.w.kernel[0] * p.w.kernel[1], g.kernel)));
    for (int64_t i = begin; i < end; ++i)
      MaxPoolPlane(p, g, px + i * p.w.in_size(), py + i * p.w.out_size(), flip, s);
  });
  return Status::Ok();
}

}  // namespace

MOTA_REGISTER_FAST_KERNEL(MaxPool, ComputeMaxPoolFast);

}  // namespace mota::exec
