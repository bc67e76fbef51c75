// Where each run-time node of a plan runs, decided before any device resource exists: the
// Vulkan ops' checks (vk_op.h), then the cost model (vk_cost_model.h) with the backend's policy.
// Shared by the executable (its segment planning) and VulkanBackend::Decide, so a decision made
// without a device plan is the one the plan makes. Plain data: no Vulkan objects, no pipelines.
#pragma once

#include <vector>

#include "base/status.h"
#include "exec/plan.h"
#include "exec/vulkan/vk_context.h"
#include "exec/vulkan/vk_cost_model.h"
#include "exec/vulkan/vk_op.h"
#include "exec/vulkan/vk_tuning.h"
#include "exec/vulkan/vulkan_backend.h"
#include "model/graph.h"

namespace mota::exec::vk {

// Tensors bound at run time (the arena, the caller's inputs and outputs), not at prepare time.
inline bool IsRunTime(TensorPlan::Storage s) {
  return s == TensorPlan::Storage::kInput || s == TensorPlan::Storage::kOutput ||
         s == TensorPlan::Storage::kArena;
}

// The op-facing view of tensors `ids` (-1: an omitted optional input): dtype, planned shape and
// the host value of those known at prepare time; no arena regions.
std::vector<GpuTensor> PlannedTensors(const ExecutionPlan& plan, const std::vector<int32_t>& ids);

struct Placement {
  // Per position in plan.run_nodes: OK -> the GPU, else UNIMPLEMENTED saying why the CPU (no op
  // accepts it, or the cost model moved its partition back).
  std::vector<Status> why_cpu;
  std::vector<bool> view;  // per position: on the GPU as a view (a reshape, no dispatch)
  CostDecision cost;
};

// Fails only on a malformed node (an op's check returning something other than UNIMPLEMENTED).
Result<Placement> PlaceNodes(const model::Graph& graph, const ExecutionPlan& plan,
                             const DeviceInfo& device, const Tuning& tuning, int cpu_threads,
                             CostPolicy policy);

// Sets the placement's part of `stats`: gpu_nodes, view_nodes, cpu_nodes, cpu_reasons, segments
// (runs of consecutive GPU positions), cost and cost_report (which ends with the line
// "precision <stats->precision>", so set that first). Leaves the other fields alone.
void SetPlacementStats(const model::Graph& graph, const ExecutionPlan& plan,
                       const Placement& placement, VulkanStats* stats);

}  // namespace mota::exec::vk
