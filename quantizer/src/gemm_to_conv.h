// Before int8 quantization: a Gemm with a constant weight becomes Reshape -> 1x1 Conv -> Reshape,
// the same arithmetic in a form that has an int8 kernel with an exact i32 bias (QLinearConv;
// ONNX's QLinearMatMul has no bias input, and an int8 bias add would round the bias).
#pragma once

#include "base/status.h"
#include "model/graph.h"

namespace mota::quantizer {

// Rewrites every Gemm with alpha = beta = 1, transA = 0, a static [M, K] input, a constant 2-D B
// and an absent or constant C of N (or 1 x N) values. Returns how many were rewritten.
Result<int> RewriteGemmAsConv(model::Graph& graph);

}  // namespace mota::quantizer
