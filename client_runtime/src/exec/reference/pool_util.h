// Shared by MaxPool, AveragePool and LpPool: shape inference and the per-output tap ranges of a
// pooling window over X [N, C, D...] (1-D to 3-D, seen as 3-D through Window3).
//
// For output index o along a dim, the window's taps k read input position start + k * dilation;
// taps in [lo, hi) read real input, the others padding. `padded` counts the taps that fall inside
// the padded input [-pad_begin, in + pad_end) (AveragePool's count_include_pad divisor; with
// ceil_mode a window may reach past the end padding and those taps never count).
#pragma once

#include <cstdint>
#include <vector>

#include "exec/op_registry.h"
#include "exec/reference/conv_util.h"

namespace mota::exec {

struct PoolTaps {
  std::vector<int64_t> start;
  std::vector<int64_t> lo;
  std::vector<int64_t> hi;
  std::vector<int64_t> padded;
};

struct PoolPlan {
  int64_t planes = 0;  // N * C
  Window3 w;
  PoolTaps taps[3];                // per Window3 dim, indexed by output position
  std::vector<ColumnTap> columns;  // per kernel column (Window3 dim 2)
  Shape out_shape;
};

// Validates X (rank 3 to 5) and the window attributes (kernel_shape required, ceil_mode read
// from the node) and precomputes the tap ranges.
Result<PoolPlan> MakePoolPlan(const model::Node& node, const TensorView& x);

// Output 0 (and MaxPool's Indices, output 1, as i64) get the pooled shape; output 0 keeps X's
// dtype. `float_only` rejects non-f32 inputs (AveragePool, LpPool).
Status InferPool(InferContext& ctx, bool float_only);

// Global pooling: X [N, C, D...] (rank >= 3) gives [N, C, 1, ...]; `float_only` as above.
Status InferGlobalPool(InferContext& ctx, bool float_only);

// Calls tap(in, offset, lo, hi) for every kernel tap (kd, kh, kw) that reads real input for
// output row (od, oh) of one plane: output columns ow in [lo, hi) read in[ow * stride + offset].
// Tap-major over a whole output row keeps the row in L1 and makes the inner loop contiguous
// (for stride 1).
template <typename T, typename Tap>
void ForEachRowTap(const PoolPlan& p, const T* src, int64_t od, int64_t oh, Tap tap) {
  const Window3& w = p.w;
  for (int64_t kd = p.taps[0].lo[od]; kd < p.taps[0].hi[od]; ++kd) {
    const int64_t id = p.taps[0].start[od] + kd * w.dilation[0];
    for (int64_t kh = p.taps[1].lo[oh]; kh < p.taps[1].hi[oh]; ++kh) {
      const int64_t ih = p.taps[1].start[oh] + kh * w.dilation[1];
      const T* row = src + (id * w.in[1] + ih) * w.in[2];
      for (const ColumnTap& c : p.columns) {
        if (c.lo < c.hi) tap(row, c.offset, c.lo, c.hi);
      }
    }
  }
}

// For every output of plane `plane` (an (n, c) pair): y = finish(sum of term(x) over the taps
// that read real input, number of those taps, number of taps inside the padded input).
// AveragePool and LpPool instantiate it with inlined functors.
template <typename Term, typename Finish>
void SumPoolPlane(const PoolPlan& p, int64_t plane, const float* x, float* y, Term term,
                  Finish finish) {
  const Window3& w = p.w;
  const int64_t stride = w.stride[2];
  const float* src = x + plane * w.in_size();
  float* dst = y + plane * w.out_size();
  for (int64_t od = 0; od < w.out[0]; ++od) {
    for (int64_t oh = 0; oh < w.out[1]; ++oh, dst += w.out[2]) {
      for (int64_t ow = 0; ow < w.out[2]; ++ow) dst[ow] = 0.0f;
      ForEachRowTap(p, src, od, oh, [&](const float* in, int64_t off, int64_t lo, int64_t hi) {
        for (int64_t ow = lo; ow < hi; ++ow) dst[ow] += term(in[ow * stride + off]);
      });
      const int64_t valid =
          (p.taps[0].hi[od] - p.taps[0].lo[od]) * (p.taps[1].hi[oh] - p.taps[1].lo[oh]);
      const int64_t padded = p.taps[0].padded[od] * p.taps[1].padded[oh];
      for (int64_t ow = 0; ow < w.out[2]; ++ow) {
        dst[ow] = finish(dst[ow], valid * (p.taps[2].hi[ow] - p.taps[2].lo[ow]),
                         padded * p.taps[2].padded[ow]);
      }
    }
  }
}

}  // namespace mota::exec
