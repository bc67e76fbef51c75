// Batch-1 fully connected layers on NHWC activations: Gemm with a constant B (either transB),
// MatMul with a constant 2-D B, and 1x1 Conv on a 1x1 input, when the input has a single row
// (M == 1). mota's NHWC kernel "fc_row" (exec/cpu/kernels.h); XNNPACK reaches ~26% of the roof
// on these (/work/shared/xnnpack-vs-ort.md), which are a memory-bound GEMV.
//
// The weights are packed once into column panels of kPanel outputs: panel p holds
// B[k][p * kPanel + j] at [p][k][j], so one panel streams contiguously through the inner loop,
// which broadcasts x[k] and FMAs it across the panel's outputs (several k at a time into
// separate accumulators, to keep enough loads in flight). Missing outputs of the last panel are
// zero-padded. The result is y = alpha * (x . B) + bias, clamped, where bias = beta * C.
//
// The per-ISA panel functions are exposed so that tests can check every variant the CPU has.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "exec/cpu/kernels.h"

namespace mota::exec::fc {

inline constexpr int64_t kPanel = 32;

struct FcArgs {
  int64_t k = 0, n = 0;
  const float* panels = nullptr;  // [ceil(n / kPanel)][k][kPanel]
  const float* bias = nullptr;    // [ceil(n / kPanel) * kPanel], beta * C (zeros when none)
  float alpha = 1.0f;
  float out_min = 0.0f;  // fused clamp (Relu, Clip): -inf / +inf when none
  float out_max = 0.0f;
};

// Computes outputs of panels [panel_begin, panel_end): y[j] for j < n in those panels.
using FcPanelsFn = void (*)(const FcArgs& args, const float* x, float* y, int64_t panel_begin,
                            int64_t panel_end);

void FcPanelsPortable(const FcArgs& args, const float* x, float* y, int64_t panel_begin,
                      int64_t panel_end);
#if defined(__x86_64__)
void FcPanelsAvx2(const FcArgs& args, const float* x, float* y, int64_t panel_begin,
                  int64_t panel_end);
void FcPanelsAvx512(const FcArgs& args, const float* x, float* y, int64_t panel_begin,
                    int64_t panel_end);
#endif

// The kernel behind "fc_row" (registered for every CPU: even the portable path, built for SSE2,
// beat XNNPACK on 1x512->1000 here, fc_benchmark.cc): nullptr when the node is not a batch-1 FC
// this kernel handles. `panels` forces a panel function (tests); nullptr picks the best one for
// this CPU.
Result<std::unique_ptr<NhwcKernel>> CreateFcKernel(const model::Node& node,
                                                   std::span<const TensorView> inputs,
                                                   const TensorView& output, FcPanelsFn panels);

}  // namespace mota::exec::fc
