// Graph passes of the converter. Each takes a valid graph (topologically ordered) and leaves a
// valid graph; each is deterministic. Run in the order of RunPasses.
#pragma once

#include "base/status.h"
#include "model/graph.h"

namespace mota::converter {

// Removes Identity and Dropout nodes (rewiring their consumers; graph outputs keep their names).
Status RemoveIdentities(model::Graph& graph);
// Evaluates nodes whose inputs are all constant with the reference kernels; also folds
// Shape -> Gather -> Concat -> Unsqueeze ... chains once the shapes they read are static.
Status FoldConstants(model::Graph& graph);
// Folds BatchNormalization into a preceding Conv or Gemm (when it is that node's only user).
Status FoldBatchNorm(model::Graph& graph);
// Lowers Gemm / MatMul that follow global pooling (N x C x 1 x 1 -> Flatten/Reshape) into a 1x1 Conv.
Status LowerClassifierToConv(model::Graph& graph);
// Fuses Relu, Clip (Relu6), LeakyRelu, HardSigmoid, HardSwish (also the x * HardSigmoid(x) and
// x * Relu6(x + 3) / 6 patterns), Sigmoid and Tanh into the producing Conv / Gemm / MatMul /
// elementwise node (exec/activation.h attributes).
Status FuseActivations(model::Graph& graph);
// Drops nodes and tensors that no graph output depends on; renumbers tensors densely.
Status EliminateDeadNodes(model::Graph& graph);

// Runs every pass in order, to a fixed point where a pass enables another.
Status RunPasses(model::Graph& graph);

}  // namespace mota::converter
