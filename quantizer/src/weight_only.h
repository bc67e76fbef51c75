// The weight-only precisions (manifests/spec/quantization.md): weights stored small, read through
// a Cast or DequantizeLinear node that the runtime evaluates once at load, computing in f32.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "model/graph.h"

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

// int8-weights: Conv weights (per output channel) and constant MatMul / Gemm B matrices (per
// output column) become symmetric per-channel i8 + DequantizeLinear.
Result<WeightRewriteSummary> RewriteToInt8Weights(model::Graph& graph);

// Makes constant tensor `t` the output of a new node `op_type` reading `inputs`, inserted at the
// front of the node list (its inputs are constants, so the order stays topological).
void ReplaceConstantWithNode(model::Graph& graph, int32_t t, const std::string& op_type,
                             std::vector<int32_t> inputs, model::Attributes attrs);

}  // namespace mota::quantizer
