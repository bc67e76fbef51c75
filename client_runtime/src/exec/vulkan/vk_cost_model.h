// Whether a model, or a partition of it, is worth sending to the GPU.
//
// A partition is a maximal run of consecutive run-time nodes that Vulkan ops accept (the
// executable's segments before this decision). Its estimated GPU time is
//   submit + sum over nodes (dispatches x per-dispatch overhead + max(FLOPs / GPU rate,
//   bytes / GPU bandwidth)) + transfers (per tensor crossing the partition's boundary: latency
//   + bytes / transfer bandwidth),
// and its CPU time sum over nodes (per-node overhead + max(FLOPs / CPU rate, bytes / CPU
// bandwidth)). Rates are per device class (discrete, integrated, virtual GPU, CPU device such
// as lavapipe), rough on purpose: the decision is between orders of magnitude (a 3-dispatch MLP
// on a discrete GPU pays ~50 us of submission for ~10 us of arithmetic), not a profile.
//
// Policies: kOff keeps every accepted node on the GPU. kPartitions (`--backend vulkan`) moves a
// partition that is not the whole model back to the CPU when its GPU estimate (with its
// transfers) is not below its CPU estimate: small partitions between CPU nodes stay on the
// CPU. kModel (`--backend auto`) also compares the whole plan with an all-CPU run and moves
// everything to the CPU when the GPU does not win.
//
// Plain data in, plain data out: no Vulkan objects, so tests cover it without a device.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "exec/plan.h"
#include "exec/vulkan/vk_context.h"
#include "model/graph.h"

namespace mota::exec::vk {

enum class CostPolicy { kOff, kPartitions, kModel };

// Estimated rates of one device class.
struct GpuRates {
  const char* device_class = "";
  double submit_us = 0;    // per partition: submission, fence wait, host copies' setup
  double dispatch_us = 0;  // per dispatch (and its barrier)
  double gflops = 0;       // sustained at batch 1
  double gbps = 0;         // device memory bandwidth
  double transfer_us = 0;  // per tensor crossing between CPU and GPU
  double transfer_gbps = 0;
};

struct CpuRates {
  double node_us = 2;  // per node: kernel setup, dispatch to threads
  double gflops = 40;  // per thread, XNNPACK-class kernels
  double gbps = 20;  // mostly cache-resident weights at batch 1
};

// The class rates for a device (by VkPhysicalDeviceType).
GpuRates RatesFor(const DeviceInfo& device);
// The CPU path's rates with `threads` threads (arithmetic scales, overheads do not).
CpuRates CpuRatesFor(int threads);

// Arithmetic and memory traffic of one node with its planned shapes.
struct NodeWork {
  double flops = 0;
  double bytes = 0;     // inputs read + outputs written
  int dispatches = 1;  // 0 for views (Reshape, Flatten, ...)
};
NodeWork EstimateWork(const model::Node& node, const ExecutionPlan& plan);

// One partition (a run of accepted nodes) and what the model decided for it.
struct PartitionCost {
  int32_t first_pos = 0, last_pos = 0;  // positions in plan.run_nodes
  int nodes = 0;
  int dispatches = 0;
  double flops = 0;
  double gpu_us = 0;       // compute and submission
  double transfer_us = 0;  // included in neither gpu_us nor cpu_us
  uint64_t transfer_bytes = 0;
  int transfers = 0;
  double cpu_us = 0;
  bool on_gpu = true;
  std::string reason;  // why it went where it went
};

struct CostDecision {
  CostPolicy policy = CostPolicy::kOff;
  GpuRates gpu;
  CpuRates cpu;
  std::vector<bool> on_gpu;  // per run position: finally on the GPU
  std::vector<PartitionCost> partitions;
  double cpu_node_us = 0;  // nodes no Vulkan op accepts (always on the CPU)
  double plan_us = 0;      // the chosen plan: kept partitions + transfers + CPU nodes
  double all_cpu_us = 0;   // everything on the CPU
  bool whole_model_on_cpu = false;  // kModel found the GPU not worth it
  std::string summary;              // one line
};

// `accepted[pos]`: a Vulkan op accepts plan.run_nodes[pos]. Views are the accepted nodes whose
// op is a view (no dispatch), `view[pos]`.
CostDecision DecidePartitions(const model::Graph& graph, const ExecutionPlan& plan,
                              const std::vector<bool>& accepted, const std::vector<bool>& view,
                              const GpuRates& gpu, const CpuRates& cpu, CostPolicy policy);

// Text for `mota run --explain`: one block per partition (nodes, where, why, estimates), then
// the CPU nodes with the reasons given in `cpu_reasons` (node name -> reason).
std::string FormatDecision(const model::Graph& graph, const ExecutionPlan& plan,
                           const CostDecision& decision);

const char* CostPolicyName(CostPolicy policy);

}  // namespace mota::exec::vk
