// The weight-only precisions (manifests/spec/quantization.md): weights stored small, read through
// a Cast or DequantizeLinear node that the runtime evaluates once at load, computing in f32.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "model/graph.h"
#include "quantizer/src/metrics.h"
#include "quantizer/src/weights.h"

namespace mota::quantizer {

// What a weight-only rewrite did, for the report.
struct WeightRewriteSummary {
  int converted = 0;              // constants rewritten
  std::vector<std::string> kept;  // constants left in f32, each with the reason
};

// fp16: every f32 constant read by a node becomes an f16 constant + Cast(to=f32) where that makes
// the file smaller (HalfSavesBytes). A constant with a value beyond f16's range stays f32 (listed
// in kept).
Result<WeightRewriteSummary> RewriteToFp16(model::Graph& graph);

// Whether storing `elements` f32 values as f16 + Cast saves file bytes: the data section keeps
// each constant in 64-byte slots, and the Cast node and the extra tensor cost ~126 graph bytes
// (measured on PP-OCR's classifier: 96 Casts, 12.1 KB). So halving must free at least two slots:
// from 49 elements on. Smaller constants (biases of narrow layers) stay f32, which is also exact.
bool HalfSavesBytes(int64_t elements);

// One weight the int8-weights precision stores, quantized once, with its own quantization error.
struct WeightLayer {
  std::string node, op;
  int32_t tensor = -1;  // the f32 weight's id in the graph it was read from
  int axis = 0;         // the per-channel axis
  ChannelQuantized quantized;
  ErrorMetrics weight_error;  // the i8 weights against the f32 ones
};

// int8-weights: Conv weights (per output channel) and constant MatMul / Gemm B matrices (per
// output column) become symmetric per-channel i8 + DequantizeLinear.
// QuantizeWeights finds and quantizes every such weight once; ApplyInt8Weights stores them in
// `graph` (the graph QuantizeWeights read, or a copy of it), except those of the nodes named in
// `keep_fp32`. RewriteToInt8Weights does both.
std::vector<WeightLayer> QuantizeWeights(const model::Graph& graph);
WeightRewriteSummary ApplyInt8Weights(model::Graph& graph, const std::vector<WeightLayer>& layers,
                                      const std::set<std::string>& keep_fp32);
Result<WeightRewriteSummary> RewriteToInt8Weights(model::Graph& graph);

// Makes constant tensor `t` the output of a new node `op_type` reading `inputs`, inserted at the
// front of the node list (its inputs are constants, so the order stays topological).
void ReplaceConstantWithNode(model::Graph& graph, int32_t t, const std::string& op_type,
                             std::vector<int32_t> inputs, model::Attributes attrs);

}  // namespace mota::quantizer
