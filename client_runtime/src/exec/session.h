// A Session runs one loaded graph on one backend, preparing once per distinct set of input
// shapes and reusing that plan (and its arena) for every later run with the same shapes.
// Not thread-safe: use one Session per thread.
#pragma once

#include <map>
#include <memory>
#include <span>
#include <vector>

#include "exec/backend.h"

namespace mota::exec {

class Session {
 public:
  // The graph must outlive the session.
  Session(const model::Graph& graph, std::unique_ptr<Backend> backend);

  // Prepares for these shapes (or reuses the cached plan).
  Result<Executable*> Prepare(std::span<const Shape> input_shapes);
  // Runs with `inputs` in graph.inputs order; returns outputs in graph.outputs order.
  Result<std::vector<HostTensor>> Run(std::span<const TensorView> inputs);

  const model::Graph& graph() const { return graph_; }
  Backend& backend() { return *backend_; }
  size_t cached_plans() const { return plans_.size(); }

 private:
  const model::Graph& graph_;
  std::unique_ptr<Backend> backend_;
  std::map<std::vector<Shape>, std::unique_ptr<Executable>> plans_;
};

}  // namespace mota::exec
