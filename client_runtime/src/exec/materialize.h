// Load-time materialization (manifests/spec/quantization.md, "Load-time materialization").
//
// fp16 and int8-weights models store their weights small (f16, or per-channel i8) and read them
// through `Cast(to=f32)` or `DequantizeLinear(w, scale, zero_point)`. A session evaluates every
// such node whose inputs are all constants once, when it is created, and hands the backends a
// graph in which the node's output is an f32 constant: every backend then computes in f32 and
// can pack the weights as it does for an fp32 model, while the file and the download keep the
// smaller weights.
//
// Only Cast and DequantizeLinear fold, on purpose: general constant folding could turn a small
// file into an unbounded amount of memory (Expand, Tile, Range...). Here the session holds
// exactly one f32 copy per materialized weight, which is predictable from the file: the sum of
// the f32 sizes of the folded nodes' outputs.
//
// Usage:
//   MOTA_ASSIGN_OR_RETURN(std::unique_ptr<model::Graph> g, MaterializeConstantNodes(graph));
//   // g->tensors keeps every tensor id of `graph`; folded nodes are gone.
#pragma once

#include <cstddef>
#include <memory>

#include "base/status.h"
#include "model/graph.h"

namespace mota::exec {

// Whether `graph` has a node MaterializeConstantNodes folds. Cheap: evaluates nothing.
bool HasMaterializableNodes(const model::Graph& graph);

// A copy of `graph` in which every Cast and DequantizeLinear node whose present inputs are all
// constants (in the copy: chains such as Cast -> Cast fold too) is evaluated with the reference
// kernel from the op registry and removed; its output becomes a constant owned by the returned
// graph, 64-byte aligned with 64 readable spare bytes (what XNNPACK and mota's vector kernels
// need). Tensor ids, names, inputs, outputs and metadata are unchanged. Constants that were not
// folded are shared with `graph` (a view into the same file bytes, or the same owner), so
// `graph` must outlive the result. Nodes are kept when:
//   - an input is computed at run time (a graph input or another node's output),
//   - an output is a graph output (backends bind graph outputs to the caller's buffers),
//   - the op is not registered in this build (the backend then reports it as usual).
// An intermediate of a folded chain that nothing reads any more is released (the tensor stays,
// as an unread non-constant). Fails, naming the node, when the node is malformed (arity, `to`,
// dtypes, a constant whose byte size disagrees with its shape) or memory runs out.
Result<std::unique_ptr<model::Graph>> MaterializeConstantNodes(const model::Graph& graph);

}  // namespace mota::exec
