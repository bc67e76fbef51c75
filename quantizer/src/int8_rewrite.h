// The static int8 rewrite (manifests/spec/quantization.md, "int8"): QuantizeLinear at float ->
// int8 boundaries, QLinear ops between, data-movement ops on int8 with tied parameters, and
// DequantizeLinear where a float op or a graph output needs floats.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "model/graph.h"
#include "quantizer/src/ranges.h"
#include "quantizer/src/weights.h"

namespace mota::quantizer {

// Int8 parameters per f32 tensor of the fp32 graph, keyed by tensor name.
using ActivationParams = std::map<std::string, Int8Params>;

struct Int8RewriteOptions {
  // Names of quantizable nodes to keep in fp32 (mixed precision).
  std::set<std::string> keep_fp32;
  // Measurement mode: the fp32 graph is kept whole, and each quantizable node also runs as its
  // int8 twin on quantized copies of its fp32 inputs, dequantized into a side tensor. One run
  // then gives every layer's own error, free of upstream error.
  bool isolated = false;
  // Optional: quantized weights by weight tensor name, filled on first use and reused, so the
  // rewrites of one mixed-precision search quantize each weight once.
  std::map<std::string, ChannelQuantized>* weight_cache = nullptr;
};

// One quantizable node.
struct QuantLayer {
  std::string node;    // node name
  std::string op;      // the fp32 op (Conv, MatMul, Add, ...)
  std::string output;  // its f32 output tensor's name
  std::string probe;   // isolated mode: the side tensor holding its dequantized int8 result
  bool int8 = false;   // quantized in this rewrite
};

struct Int8Rewrite {
  model::Graph graph;
  std::vector<QuantLayer> layers;
};

// Whether `node` has an int8 form (Conv with a constant weight, MatMul with a constant 2-D B,
// Add, Mul, GlobalAveragePool, AveragePool, Concat).
bool IsQuantizable(const model::Graph& graph, const model::Node& node);

// A quantizable Conv / MatMul whose fused activation is HardSwish or LeakyRelu (slope near 1;
// saturating activations lose resolution through a table and stay fused). Its int8 form is
// QLinearConv / QLinearMatMul into the calibrated pre-activation range, then DequantizeLinear ->
// the activation op -> QuantizeLinear into the output's range (the ONNX QDQ form; the fast CPU
// path runs the three as one 256-entry table). Relu and Clip stay fused: they are a clamp of the
// integer requantization, free.
bool SplitsActivation(const model::Graph& graph, const model::Node& node);
// Name of the f32 pre-activation value of such a node's output (a calibrated range).
std::string PreActivationName(const std::string& output);
// `graph` with each SplitsActivation node's activation moved into its own node that reads a new
// tensor PreActivationName(output): what calibration runs to observe the pre-activation ranges.
Result<model::Graph> SplitActivationsForCalibration(const model::Graph& graph);

// `params` must hold every f32 tensor that a quantizable node reads or writes (the calibrated
// ranges); a missing one is an error naming it.
Result<Int8Rewrite> RewriteToInt8(const model::Graph& fp32, const ActivationParams& params,
                                  const Int8RewriteOptions& options);

}  // namespace mota::quantizer
