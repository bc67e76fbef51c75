// Shape-dependent planning shared by every backend: for concrete input shapes, infer every
// tensor's dtype and shape, evaluate what is already known (constants, shape arithmetic such as
// Shape -> Gather -> Concat -> Reshape chains) once, and lay the remaining intermediates out in
// one arena, reusing memory between tensors whose lifetimes do not overlap.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/status.h"
#include "base/thread_pool.h"
#include "exec/op_registry.h"
#include "exec/tensor.h"
#include "model/graph.h"

namespace mota::exec {

struct TensorPlan {
  enum class Storage : uint8_t {
    kUnused,    // not read by any node that runs
    kConstant,  // model data, used in place
    kInput,     // bound to the caller's input at run time
    kOutput,    // bound to the caller's output buffer at run time
    kArena,     // an intermediate at arena offset `offset`
    kValue,     // computed at prepare time, held in ExecutionPlan::values[value_index]
  };
  Storage storage = Storage::kUnused;
  DType dtype = DType::kUndefined;
  Shape shape;
  size_t offset = 0;
  const void* data = nullptr;  // kConstant
  int32_t value_index = -1;    // kValue
  int32_t graph_input = -1;    // kInput: index into graph.inputs
  int32_t graph_output = -1;   // kOutput: index into graph.outputs
};

struct ExecutionPlan {
  std::vector<TensorPlan> tensors;
  std::vector<const OpDef*> ops;    // per node
  std::vector<int32_t> run_nodes;   // nodes that execute at run time, in order
  std::vector<HostTensor> values;   // tensors computed at prepare time
  size_t arena_size = 0;
  std::vector<Shape> input_shapes;
  std::vector<Shape> output_shapes;
  std::vector<DType> output_dtypes;

  // A view of tensor `t` given the bound arena, inputs and outputs (null data for kUnused).
  TensorView View(int32_t t, uint8_t* arena, std::span<const TensorView> inputs,
                  std::span<const TensorView> outputs) const;
};

struct PlanOptions {
  // Nodes whose inputs are all known are evaluated at prepare time when their outputs total at
  // most this many bytes; bigger ones run at run time.
  size_t max_fold_bytes = size_t{4} << 20;
  // Optional, one entry per graph input: an entry with data is treated as a constant for this
  // plan (its value is copied). Used when a shape-like value arrives as a graph input; the
  // caller must then key the plan by that value.
  std::span<const TensorView> known_inputs;
};

// Fails with a message naming the input when a shape does not match the model's declaration.
Result<ExecutionPlan> PlanExecution(const model::Graph& graph, std::span<const Shape> input_shapes,
                                    const PlanOptions& options = {});

// Checks a run's bindings against what was prepared: counts, dtypes, shapes, and data present.
Status CheckRunBindings(const model::Graph& graph, const ExecutionPlan& plan,
                        std::span<const TensorView> inputs, std::span<const TensorView> outputs);

// Runs one node on the reference kernel and applies its fused activation.
Status EvaluateNode(const OpDef& def, const model::Node& node, std::span<const TensorView> inputs,
                    std::span<const TensorView> outputs, ThreadPool* pool);

// Lays out the tensors whose storage is kArena in one arena: tensor t lives over positions
// [first[t], last[t]]; tensors whose lifetimes overlap get disjoint ranges. Greedy by size: the
// largest are placed first, each at the lowest offset that fits. Sets `offset` (64-byte aligned)
// and returns the arena size. Shared with backends that plan their own buffers (exec/xnnpack/).
size_t AssignArenaOffsets(std::vector<TensorPlan>& tensors, const std::vector<int32_t>& first,
                          const std::vector<int32_t>& last);

// Resolves every node's op; lists every unknown op at once.
Result<std::vector<const OpDef*>> ResolveOps(const model::Graph& graph);

}  // namespace mota::exec
