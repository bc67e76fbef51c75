// The backend `mota run` runs on, and the explanation `--explain` prints.
//
// --backend vulkan: the Vulkan backend with the cost model's partition policy (partitions that
//   are not the whole model and not worth the GPU stay on the CPU).
// --backend auto: where Vulkan is built and a device opens, the cost model decides for the whole
//   model (vk_cost_model.h) through VulkanBackend::Decide, before any device plan: worth the
//   GPU -> the Vulkan backend (planned once, below), else the best CPU backend ("auto"), and the
//   note says so; a model kept on the CPU costs no Vulkan plan. No device: the CPU, with the
//   device's error in the note.
// Other backends: as named.
// Where the choice planned the model on the chosen backend (auto, or --explain, on Vulkan), the
// plan comes back with it for the session to adopt (Session::Create with a PreparedExecutable),
// so the model is planned, recorded and uploaded once.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "base/status.h"
#include "exec/backend.h"
#include "exec/session.h"
#include "model/graph.h"

namespace mota::cli {

struct RunBackend {
  std::unique_ptr<exec::Backend> backend;
  // The plan the choice made on `backend` for the run's shapes and graph, or none (executable
  // null): the session's first plan. Declared after `backend`, so destroyed before it.
  exec::PreparedExecutable prepared;
  double prepare_ms = 0;  // how long that plan took (part of the first run's prepare + run)
  // Backend::Prepare calls the choice made (kept or thrown away); VulkanBackend::Decide is not
  // one (it plans shapes only), so auto -> CPU counts 0 here.
  int prepares = 0;
  std::string used;     // "vulkan", or the CPU backend's name
  std::string note;     // one line on the choice (auto); empty when the backend was named
  std::string explain;  // per-partition decisions (only when asked for)
};

// `shapes` are the run's input shapes (the cost model needs the planned sizes); `graph` must
// outlive the result and be the graph the session runs (the plan is for it).
Result<RunBackend> ChooseRunBackend(const model::Graph& graph, std::span<const Shape> shapes,
                                    const std::string& requested, int threads, bool explain);

}  // namespace mota::cli
