// A Session runs one loaded graph on one backend, preparing once per distinct set of input
// shapes and reusing that plan (and its arena) for every later run with the same shapes.
//
// Shape-like values that arrive as graph inputs (a Reshape target, Slice bounds, Resize sizes fed
// by the caller) cannot be planned from shapes alone. When planning by shape fails for that
// reason, the session plans again with the values of its small numeric inputs fixed (integer
// shapes, float Resize scales, Range bounds), and from then on keys its plans by those values
// too, keeping at most kMaxValueKeyedPlans plans.
//
// Load-time materialization (exec/materialize.h): when the graph reads constants through Cast or
// DequantizeLinear nodes (fp16 and int8-weights models), the constructor evaluates them once and
// the backends see the materialized graph, with f32 weights owned by the session. It is done in
// the constructor, not lazily, so the cost and the memory show up when the model is loaded, as
// the spec says, never in the first Run. Construction cannot return an error, so:
//   - Session::Create reports a materialization failure at once (prefer it in new code);
//   - the constructor keeps the failure, and every Prepare and Run returns it (existing callers
//     stay correct without changes).
// A graph with nothing to materialize is used as is: no copy.
//
// Fallback: a session may hold several backends in order of preference (the GPU first, a CPU
// backend last). When the current one fails at Prepare or Run with a device fault (UNAVAILABLE:
// no device, a lost device, a pipeline the driver could not create; OUT_OF_MEMORY;
// INCOMPATIBLE: a driver quirk disables it), the session drops it with its plans, records why
// (fallbacks()) and prepares and runs the same inputs again on the next one, so that Run still
// returns correct results. The last backend's errors are returned as they are.
//   auto s = Session::CreatePreferred(graph, {"vulkan"}, {.threads = 1});  // + "auto" (CPU)
//
// Adoption: a caller that prepared an executable itself before making the session (`mota run`
// plans on the Vulkan backend to read the cost model's decision) hands it to Adopt instead of
// throwing it away, so the model is planned, recorded and uploaded once. The adopted executable
// becomes the plan for its input shapes, exactly as if the session had prepared it: when its
// backend later fails with a device fault the session drops it with the other plans and falls
// back as above.
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

// An executable prepared outside a session, with what it was prepared from (Session::Adopt).
// It does not own `backend`: the executable must be destroyed before it (a session holding
// both keeps that order). The session checks `backend` and `graph` by identity; that
// `executable` really came from that Prepare, with no known inputs, is the caller's promise
// (Executable does not name its backend).
struct PreparedExecutable {
  const Backend* backend = nullptr;     // whose Prepare returned `executable`
  const model::Graph* graph = nullptr;  // the graph given to that Prepare
  std::vector<Shape> input_shapes;      // the shapes given to it (and no known input values)
  std::unique_ptr<Executable> executable;
};

class Session {
 public:
  // The graph must outlive the session (unmaterialized constants are used in place).
  Session(const model::Graph& graph, std::unique_ptr<Backend> backend);
  // As the constructor, but fails when load-time materialization fails (the message names the
  // node).
  static Result<std::unique_ptr<Session>> Create(const model::Graph& graph,
                                                 std::unique_ptr<Backend> backend);
  // Backends in order of preference (at least one; see "Fallback" above).
  Session(const model::Graph& graph, std::vector<std::unique_ptr<Backend>> backends);
  static Result<std::unique_ptr<Session>> Create(const model::Graph& graph,
                                                 std::vector<std::unique_ptr<Backend>> backends);
  // As Create, then Adopt(prepared): one call, so that the caller never holds an executable
  // whose backend the session already owns (a failed Create would destroy the backend first).
  // Fails with Create's or Adopt's error; the executable is destroyed before the session then.
  static Result<std::unique_ptr<Session>> Create(const model::Graph& graph,
                                                 std::unique_ptr<Backend> backend,
                                                 PreparedExecutable prepared);
  static Result<std::unique_ptr<Session>> Create(const model::Graph& graph,
                                                 std::vector<std::unique_ptr<Backend>> backends,
                                                 PreparedExecutable prepared);
  // Backends by name (exec::CreateBackend), "auto" (the best CPU backend) appended unless the
  // list ends with "auto" or "reference", so that a CPU backend is always the last resort. A
  // name this build lacks (NOT_FOUND, e.g. "vulkan" without MOTA_WITH_VULKAN) is skipped and
  // recorded in fallbacks(); other creation errors (bad threads) are returned.
  static Result<std::unique_ptr<Session>> CreatePreferred(const model::Graph& graph,
                                                          std::vector<std::string> names,
                                                          const BackendOptions& options);

  // Prepares for these shapes (or reuses the cached plan). Value-keyed models need Run.
  Result<Executable*> Prepare(std::span<const Shape> input_shapes);
  // Makes `prepared` the plan for its input shapes, so neither Prepare nor Run prepares those
  // shapes again. Contract: `prepared.executable` is what backend().Prepare(graph(),
  // prepared.input_shapes, {}) returned, with the session's own backend object (the one it runs
  // on now: the first given, unless it fell back) and graph() (the materialized graph when the
  // session materialized one; pass the session the folded graph to prepare before creating it).
  // Refused with INVALID_ARGUMENT, naming what was expected: a null executable, another backend
  // or graph, shapes that do not fit the graph's inputs, outputs that are not the graph's;
  // FAILED_PRECONDITION: the session has a plan for these shapes already or plans by input
  // value (value_keyed()). A refused executable is destroyed before Adopt returns.
  Status Adopt(PreparedExecutable prepared);
  // Runs with `inputs` in graph.inputs order; returns outputs in graph.outputs order.
  Result<std::vector<HostTensor>> Run(std::span<const TensorView> inputs);

  // The graph the backends run: the materialized one when the model had Cast/DequantizeLinear
  // nodes over constants (same tensor ids, inputs and outputs as the loaded graph).
  const model::Graph& graph() const { return *graph_; }
  // Whether load-time materialization replaced any node.
  bool materialized() const { return materialized_ != nullptr; }
  // Ok, or why load-time materialization failed (then Prepare and Run fail with it).
  const Status& init_status() const { return init_status_; }
  // The backend in use now (the preferred one until it failed).
  Backend& backend() { return *backends_.front(); }
  // One line per backend given up: "<name>: <status>", oldest first.
  const std::vector<std::string>& fallbacks() const { return fallbacks_; }
  size_t cached_plans() const { return plans_.size(); }
  // Backend::Prepare calls this session made, on any backend (adopted executables excluded).
  int prepares() const { return prepares_; }
  bool value_keyed() const { return value_keyed_; }

 private:
  using PlanKey = std::pair<std::vector<Shape>, std::string>;  // shapes, keyed input bytes
  // Small numeric inputs whose values may key a plan.
  bool IsValueKeyCandidate(size_t input, const TensorView& view) const;
  PlanKey MakeKey(std::span<const TensorView> inputs) const;
  Result<Executable*> PrepareFor(std::span<const TensorView> inputs);
  Result<Executable*> PrepareOnce(std::span<const TensorView> inputs);
  // After a device fault of the current backend: drops it and its plans and returns true when
  // another backend is left; false (nothing changed) otherwise.
  bool FallBack(const Status& why);
  // Backend::Prepare of the current backend, counted in prepares_.
  Result<std::unique_ptr<Executable>> PrepareOnBackend(std::span<const Shape> shapes,
                                                       std::span<const TensorView> known);
  // Why `prepared` is not one the session can adopt; ok when it is.
  Status CheckAdoptable(const PreparedExecutable& prepared) const;

  std::unique_ptr<model::Graph> materialized_;  // null when nothing was materialized
  const model::Graph* graph_;                   // materialized_ or the caller's graph
  Status init_status_;
  std::vector<std::unique_ptr<Backend>> backends_;  // front: in use
  std::vector<std::string> fallbacks_;
  // Declared after backends_ so that the executables are destroyed before their backends.
  std::map<PlanKey, std::unique_ptr<Executable>> plans_;
  bool value_keyed_ = false;
  int prepares_ = 0;
};

}  // namespace mota::exec
