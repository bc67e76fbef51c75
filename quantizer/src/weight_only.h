// The weight-only precisions (manifests/spec/quantization.md): weights stored small, read through
// a Cast or DequantizeLinear node that the runtime evaluates once at load, computing in f32.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "model/graph.h"
#include "quantizer/src/metrics.h"

namespace mota::quantizer {

// What a weight-only rewrite did, for the report.
struct WeightRewriteSummary {
  int converted = 0;                // constants rewritten
  std::vector<std::string> kept;    // constants left in f32, each with the reason
};

// fp16: every f32 constant of at least kMinHalfElements elements read by a node becomes an f16
// constant + Cast(to=f32). A constant with a value beyond f16's range stays f32 (listed in kept).
constexpr int64_t kMinHalfElements = 16;
Result<WeightRewriteSummary> RewriteToFp16(model::Graph& graph);

// One weight the int8-weights precision stores, with its own quantization error.
struct WeightLayer {
  std::string node, op;
  ErrorMetrics weight_error;  // the i8 weights against the f32 ones
};

// int8-weights: Conv weights (per output channel) and constant MatMul / Gemm B matrices (per
// output column) become symmetric per-channel i8 + DequantizeLinear, except those of the nodes
// named in `keep_fp32`. `layers` (optional) receives every candidate weight's error.
Result<WeightRewriteSummary> RewriteToInt8Weights(model::Graph& graph,
                                                  const std::set<std::string>& keep_fp32 = {},
                                                  std::vector<WeightLayer>* layers = nullptr);

// Makes constant tensor `t` the output of a new node `op_type` reading `inputs`, inserted at the
// front of the node list (its inputs are constants, so the order stays topological).
void ReplaceConstantWithNode(model::Graph& graph, int32_t t, const std::string& op_type,
                             std::vector<int32_t> inputs, model::Attributes attrs);

}  // namespace mota::quantizer
