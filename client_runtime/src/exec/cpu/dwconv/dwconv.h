// Depthwise 2-D convolution on NHWC activations (one filter per channel, multiplier 1), 3x3 and
// 5x5, strides 1 and 2, any pads, dilation 1: mota's NHWC kernel "dwconv" (exec/cpu/kernels.h),
// preferred over XNNPACK's, which runs these at ~30% of the FMA roof here
// (/work/shared/xnnpack-vs-ort.md).
//
// Weights are packed once into [kh * kw][cp] (cp = C rounded up to 16, zero-padded) plus a bias
// of cp floats, so every tap of a 16-channel block is one aligned vector load. Each output row is
// computed channel block by channel block with the block's taps held in registers; the input rows
// that fall into the vertical padding point at a zero row, so only the few output columns whose
// taps cross the left/right edge take the slower clamped-tap path.
//
// The per-ISA row functions are exposed here so that tests can check every variant the CPU has.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "exec/cpu/kernels.h"

namespace mota::exec::dwconv {

struct DwShape {
  int64_t batch = 0, in_h = 0, in_w = 0, channels = 0;  // input NHWC
  int64_t out_h = 0, out_w = 0;
  int kernel_h = 0, kernel_w = 0;
  int stride_h = 1, stride_w = 1;
  int pad_top = 0, pad_left = 0;
  int64_t padded_channels = 0;  // channels rounded up to kChannelBlock
  // Output columns [interior_begin, interior_end) read only real input columns for every tap.
  int64_t interior_begin = 0, interior_end = 0;
};

inline constexpr int64_t kChannelBlock = 16;

// Everything a row function reads besides the tensors.
struct DwArgs {
  const DwShape* shape = nullptr;
  const float* weights = nullptr;   // [kernel_h * kernel_w][padded_channels]
  const float* bias = nullptr;      // [padded_channels] (zeros when the node has none)
  const float* zero_row = nullptr;  // in_w * channels zeros, stands in for padding rows
  float out_min = 0.0f;             // fused clamp (Relu, Clip): -inf / +inf when none
  float out_max = 0.0f;
};

// Computes output rows [row_begin, row_end) of the flattened (batch, out_h) row index:
// y[n][oh][ow][c] for every ow and c, clamped to [out_min, out_max].
using DwRowsFn = void (*)(const DwArgs& args, const float* x, float* y, int64_t row_begin,
                          int64_t row_end);

void DwRowsPortable(const DwArgs& args, const float* x, float* y, int64_t row_begin,
                    int64_t row_end);
#if defined(__x86_64__)
void DwRowsAvx2(const DwArgs& args, const float* x, float* y, int64_t row_begin, int64_t row_end);
void DwRowsAvx512(const DwArgs& args, const float* x, float* y, int64_t row_begin, int64_t row_end);
#endif

// Fills interior_begin / interior_end and padded_channels from the other fields.
void FinishShape(DwShape* shape);

// Input row pointers of kernel rows 0..kernel_h-1 for output row `row` (flattened n, oh):
// rows inside the vertical padding get args.zero_row.
void KernelRows(const DwArgs& args, const float* x, int64_t row, const float** rows);

// The kernel behind "dwconv": nullptr when the node is not a depthwise conv this kernel handles.
// `rows` forces a row function (tests); nullptr picks the best one for this CPU. The registered
// factory also declines on CPUs with neither AVX2 nor AVX-512, where the portable rows lose to
// XNNPACK's own SSE / NEON kernels (dwconv_benchmark.cc); they stay for tests and as reference.
Result<std::unique_ptr<NhwcKernel>> CreateDwConvKernel(const model::Node& node,
                                                       std::span<const TensorView> inputs,
                                                       const TensorView& output, DwRowsFn rows);

}  // namespace mota::exec::dwconv
