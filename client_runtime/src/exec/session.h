// A Session runs one loaded graph on one backend, preparing once per distinct set of input
// shapes and reusing that plan (and its arena) for every later run with the same shapes.
//
// Shape-like values that arrive as graph inputs (a Reshape target, Slice bounds, Resize sizes fed
// by the caller) cannot be planned from shapes alone. When planning by shape fails for that
// reason, the session plans again with the values of its small numeric inputs fixed (integer
// shapes, float Resize scales, Range bounds), and from then on keys its plans by those values
// too, keeping at most kMaxValueKeyedPlans plans.
// Not thread-safe: use one Session per thread.
#pragma once

#include <map>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "exec/backend.h"

namespace mota::exec {

class Session {
 public:
  // The graph must outlive the session.
  Session(const model::Graph& graph, std::unique_ptr<Backend> backend);

  // Prepares for these shapes (or reuses the cached plan). Value-keyed models need Run.
  Result<Executable*> Prepare(std::span<const Shape> input_shapes);
  // Runs with `inputs` in graph.inputs order; returns outputs in graph.outputs order.
  Result<std::vector<HostTensor>> Run(std::span<const TensorView> inputs);

  const model::Graph& graph() const { return graph_; }
  Backend& backend() { return *backend_; }
  size_t cached_plans() const { return plans_.size(); }
  bool value_keyed() const { return value_keyed_; }

 private:
  using PlanKey = std::pair<std::vector<Shape>, std::string>;  // shapes, keyed input bytes
  // Small numeric inputs whose values may key a plan.
  bool IsValueKeyCandidate(size_t input, const TensorView& view) const;
  PlanKey MakeKey(std::span<const TensorView> inputs) const;
  Result<Executable*> PrepareFor(std::span<const TensorView> inputs);

  const model::Graph& graph_;
  std::unique_ptr<Backend> backend_;
  std::map<PlanKey, std::unique_ptr<Executable>> plans_;
  bool value_keyed_ = false;
};

}  // namespace mota::exec
