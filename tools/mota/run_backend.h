// The backend `mota run` runs on, and the explanation `--explain` prints.
//
// --backend vulkan: the Vulkan backend with the cost model's partition policy (partitions that
//   are not the whole model and not worth the GPU stay on the CPU).
// --backend auto: where Vulkan is built and a device opens, the cost model decides for the whole
//   model (vk_cost_model.h): worth the GPU -> the Vulkan backend, else the best CPU backend
//   ("auto"), and the note says so. No device: the CPU, with the device's error in the note.
// Other backends: as named.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "base/status.h"
#include "exec/backend.h"
#include "model/graph.h"

namespace mota::cli {

struct RunBackend {
  std::unique_ptr<exec::Backend> backend;
  std::string used;     // "vulkan", or the CPU backend's name
  std::string note;     // one line on the choice (auto); empty when the backend was named
  std::string explain;  // per-partition decisions (only when asked for)
};

// `shapes` are the run's input shapes (the cost model needs the planned sizes).
Result<RunBackend> ChooseRunBackend(const model::Graph& graph, std::span<const Shape> shapes,
                                    const std::string& requested, int threads, bool explain);

}  // namespace mota::cli
