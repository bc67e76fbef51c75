// The Vulkan backend's executable (vulkan_backend.h describes the design): segment planning,
// device memory layout, one recorded command buffer per GPU segment, and Run.
#pragma once

#include <memory>
#include <string>

#include "exec/plan.h"
#include "exec/vulkan/vk_cost_model.h"
#include "exec/vulkan/vk_pipelines.h"
#include "exec/vulkan/vk_tuning.h"
#include "exec/vulkan/vulkan_backend.h"

namespace mota::exec::vk {

// Everything a backend's executables share.
struct SharedState {
  std::shared_ptr<Context> ctx;
  std::unique_ptr<PipelineManager> pipelines;
  Tuning tuning;
  bool force_staging = false;                 // VulkanOptions::force_staging
  bool profile = false;                       // VulkanOptions::profile
  bool time_runs = false;                     // VulkanOptions::time_runs
  uint32_t spin_wait_us = 0;                  // VulkanOptions::spin_wait_us
  CostPolicy cost_policy = CostPolicy::kOff;  // VulkanOptions::cost_policy
  int cpu_threads = 1;  // BackendOptions::threads: the CPU path the cost model compares with
  // Set by the first failed submission (a lost device): every later Prepare and Run fails.
  Status lost;
};

// Test hook (device-loss injection): the n-th following queue submission of any executable
// (0: the next) fails as VK_ERROR_DEVICE_LOST would; -1 turns it off.
void LoseDeviceForTesting(int n);

// The element type of f32 tensors on the device for one executable.
struct Precision {
  // fp16 storage and arithmetic (the "<shader>_f16" variants); the caller checked the device.
  bool fp16 = false;
  std::string reason;  // why this precision (VulkanStats::precision)
};

// With fp16 requested, a plan that needs a shader without an fp16 variant is built in fp32
// instead (the reason says which shader).
Result<std::unique_ptr<VulkanExecutable>> CreateVulkanExecutable(
    const model::Graph& graph, ExecutionPlan plan, std::shared_ptr<SharedState> shared,
    const Precision& precision = {});

}  // namespace mota::exec::vk
