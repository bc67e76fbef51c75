// The Vulkan backend's executable (vulkan_backend.h describes the design): segment planning,
// device memory layout, one recorded command buffer per GPU segment, and Run.
#pragma once

#include <memory>

#include "exec/plan.h"
#include "exec/vulkan/vk_pipelines.h"
#include "exec/vulkan/vk_cost_model.h"
#include "exec/vulkan/vk_tuning.h"
#include "exec/vulkan/vulkan_backend.h"

namespace mota::exec::vk {

// Everything a backend's executables share.
struct SharedState {
  std::shared_ptr<Context> ctx;
  std::unique_ptr<PipelineManager> pipelines;
  Tuning tuning;
  bool force_staging = false;  // VulkanOptions::force_staging
  bool profile = false;        // VulkanOptions::profile
  CostPolicy cost_policy = CostPolicy::kOff;  // VulkanOptions::cost_policy
  int cpu_threads = 1;  // BackendOptions::threads: the CPU path the cost model compares with
};

Result<std::unique_ptr<VulkanExecutable>> CreateVulkanExecutable(
    const model::Graph& graph, ExecutionPlan plan, std::shared_ptr<SharedState> shared);

}  // namespace mota::exec::vk
