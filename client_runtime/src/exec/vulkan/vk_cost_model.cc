#include "exec/vulkan/vk_cost_model.h"

#include <algorithm>
#include <cstdio>
#include <set>

namespace mota::exec::vk {
namespace {

bool IsRunTime(TensorPlan::Storage s) {
  return s == TensorPlan::Storage::kInput || s == TensorPlan::Storage::kOutput ||
         s == TensorPlan::Storage::kArena;
}

double TensorBytes(const ExecutionPlan& plan, int32_t t) {
  if (t < 0) return 0;
  const TensorPlan& p = plan.tensors[t];
  return static_cast<double>(NumElements(p.shape)) * static_cast<double>(DTypeSize(p.dtype));
}

int64_t Numel(const ExecutionPlan& plan, const model::Node& node, size_t i, bool output) {
  const std::vector<int32_t>& ids = output ? node.outputs : node.inputs;
  if (i >= ids.size() || ids[i] < 0) return 0;
  return NumElements(plan.tensors[ids[i]].shape);
}

const Shape* ShapeOf(const ExecutionPlan& plan, const model::Node& node, size_t i) {
  if (i >= node.inputs.size() || node.inputs[i] < 0) return nullptr;
  return &plan.tensors[node.inputs[i]].shape;
}

// Multiply-adds per output element of the GEMM-like ops (2 FLOPs each); 0 for the others.
double MacsPerOutput(const ExecutionPlan& plan, const model::Node& node) {
  const Shape* a = ShapeOf(plan, node, 0);
  const Shape* w = ShapeOf(plan, node, 1);
  if (a == nullptr || w == nullptr || a->empty() || w->empty()) return 0;
  if (node.op_type == "Conv") {
    double k = 1;
    for (size_t d = 1; d < w->size(); ++d) k *= static_cast<double>((*w)[d]);
    return k;
  }
  if (node.op_type == "MatMul") return static_cast<double>(a->back());
  if (node.op_type == "Gemm" && a->size() == 2) {
    return static_cast<double>((*a)[node.attrs.GetInt("transA", 0) != 0 ? 0 : 1]);
  }
  return 0;
}

std::string Us(double us) {
  char buf[32];
  if (us >= 1000) {
    std::snprintf(buf, sizeof(buf), "%.2f ms", us / 1000);
  } else {
    std::snprintf(buf, sizeof(buf), "%.1f us", us);
  }
  return buf;
}

std::string Fixed(const char* fmt, double v) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), fmt, v);
  return buf;
}

}  // namespace

const char* CostPolicyName(CostPolicy policy) {
  switch (policy) {
    case CostPolicy::kOff:
      return "off";
    case CostPolicy::kPartitions:
      return "partitions";
    case CostPolicy::kModel:
      return "model";
  }
  return "?";
}

// Class figures: discrete GPUs behind PCIe (submission and fence round trips of tens of us,
// copies over the bus); integrated and mobile GPUs share memory with the CPU (no bus, but less
// arithmetic); CPU devices (lavapipe, SwiftShader) run SPIR-V on a few cores (measured on
// lavapipe: mobilenet_v2 ~1.2, resnet18 ~3.5 GFLOP/s, ~30 us per dispatch). The discrete row
// fits this backend's fp32 steady times on an H100 (mlp_784_256_10 0.082 ms, squeezenet1_1
// 0.97 ms, mobilenet_v2 1.31 ms at batch 1: ~15 us per dispatch, ~2 TFLOP/s effective).
GpuRates RatesFor(const DeviceInfo& device) {
  switch (device.type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
      return {"discrete GPU", 40, 15, 2000, 300, 10, 10};
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
      return {"CPU device", 100, 30, 2, 4, 0, 8};
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
      return {"virtual GPU", 80, 10, 200, 20, 5, 8};
    default:
      return {"integrated GPU", 60, 10, 300, 25, 0, 8};
  }
}

CpuRates CpuRatesFor(int threads) {
  CpuRates r;
  r.gflops *= std::max(1, threads);
  return r;
}

NodeWork EstimateWork(const model::Node& node, const ExecutionPlan& plan) {
  NodeWork w;
  for (int32_t t : node.inputs) w.bytes += TensorBytes(plan, t);
  for (int32_t t : node.outputs) w.bytes += TensorBytes(plan, t);
  const double out = static_cast<double>(Numel(plan, node, 0, true));
  const double macs = MacsPerOutput(plan, node);
  // Elementwise and data movement: ~1 FLOP per output element (a few for transcendental
  // functions, which the memory traffic dominates anyway).
  w.flops = macs > 0 ? 2 * macs * out : out;
  return w;
}

namespace {

// The tensors crossing the boundary of the partition `in_part` (per node): run-time tensors it
// reads but does not make, and tensors it makes that a node outside it or the caller reads.
void CountTransfers(const model::Graph& graph, const ExecutionPlan& plan,
                    const std::vector<bool>& in_part, const std::vector<int32_t>& producers,
                    PartitionCost* p) {
  std::set<int32_t> crossing;
  std::vector<bool> read_outside(graph.tensors.size(), false);
  for (int32_t n : plan.run_nodes) {
    if (in_part[n]) continue;
    for (int32_t t : graph.nodes[n].inputs) {
      if (t >= 0) read_outside[t] = true;
    }
  }
  for (int32_t t : graph.outputs) read_outside[t] = true;
  for (int32_t n : plan.run_nodes) {
    if (!in_part[n]) continue;
    for (int32_t t : graph.nodes[n].inputs) {
      if (t < 0 || !IsRunTime(plan.tensors[t].storage)) continue;
      if (producers[t] < 0 || !in_part[producers[t]]) crossing.insert(t);
    }
    for (int32_t t : graph.nodes[n].outputs) {
      if (t >= 0 && read_outside[t]) crossing.insert(t);
    }
  }
  for (int32_t t : crossing) p->transfer_bytes += static_cast<uint64_t>(TensorBytes(plan, t));
  p->transfers = static_cast<int>(crossing.size());
}

double CpuUs(const NodeWork& w, const CpuRates& cpu) {
  return cpu.node_us + std::max(w.flops / (cpu.gflops * 1e3), w.bytes / (cpu.gbps * 1e3));
}

double GpuUs(const NodeWork& w, const GpuRates& gpu) {
  if (w.dispatches == 0) return 0;
  return w.dispatches * gpu.dispatch_us +
         std::max(w.flops / (gpu.gflops * 1e3), w.bytes / (gpu.gbps * 1e3));
}

// The partitions (maximal runs of accepted positions) with their estimates.
std::vector<PartitionCost> Estimate(const model::Graph& graph, const ExecutionPlan& plan,
                                    const std::vector<bool>& accepted,
                                    const std::vector<bool>& view, const GpuRates& gpu,
                                    const CpuRates& cpu) {
  const std::vector<int32_t> producers = graph.Producers();
  std::vector<PartitionCost> parts;
  const int32_t count = static_cast<int32_t>(plan.run_nodes.size());
  for (int32_t pos = 0; pos < count;) {
    if (!accepted[pos]) {
      ++pos;
      continue;
    }
    PartitionCost p;
    p.first_pos = pos;
    std::vector<bool> in_part(graph.nodes.size(), false);
    p.gpu_us = gpu.submit_us;
    for (; pos < count && accepted[pos]; ++pos) {
      const int32_t n = plan.run_nodes[pos];
      in_part[n] = true;
      NodeWork w = EstimateWork(graph.nodes[n], plan);
      if (view[pos]) w = NodeWork{0, 0, 0};
      ++p.nodes;
      p.dispatches += w.dispatches;
      p.flops += w.flops;
      p.gpu_us += GpuUs(w, gpu);
      p.cpu_us += view[pos] ? 0 : CpuUs(w, cpu);
    }
    p.last_pos = pos - 1;
    CountTransfers(graph, plan, in_part, producers, &p);
    p.transfer_us = p.transfers * gpu.transfer_us +
                    static_cast<double>(p.transfer_bytes) / (gpu.transfer_gbps * 1e3);
    parts.push_back(p);
  }
  return parts;
}

std::string Versus(const PartitionCost& p) {
  return "GPU est " + Us(p.gpu_us + p.transfer_us) + " (" + Us(p.transfer_us) + " of it " +
         std::to_string(p.transfers) + " transfers) vs CPU est " + Us(p.cpu_us);
}

}  // namespace

CostDecision DecidePartitions(const model::Graph& graph, const ExecutionPlan& plan,
                              const std::vector<bool>& accepted, const std::vector<bool>& view,
                              const GpuRates& gpu, const CpuRates& cpu, CostPolicy policy) {
  CostDecision d;
  d.policy = policy;
  d.gpu = gpu;
  d.cpu = cpu;
  d.on_gpu = accepted;
  d.partitions = Estimate(graph, plan, accepted, view, gpu, cpu);
  for (size_t pos = 0; pos < plan.run_nodes.size(); ++pos) {
    const double us = CpuUs(EstimateWork(graph.nodes[plan.run_nodes[pos]], plan), cpu);
    d.all_cpu_us += view[pos] && accepted[pos] ? 0 : us;
    if (!accepted[pos]) d.cpu_node_us += us;
  }
  const bool whole = d.partitions.size() == 1 && d.partitions[0].nodes ==
                                                    static_cast<int>(plan.run_nodes.size());
  d.plan_us = d.cpu_node_us;
  for (PartitionCost& p : d.partitions) {
    const bool cheaper = p.gpu_us + p.transfer_us < p.cpu_us;
    if (policy == CostPolicy::kOff) {
      p.reason = "every node a Vulkan op accepts runs on the GPU (cost model off); " + Versus(p);
    } else if (whole) {
      p.reason = "the whole model; " + Versus(p);
    } else if (cheaper) {
      p.reason = "worth the GPU: " + Versus(p);
    } else {
      p.on_gpu = false;
      p.reason = "not worth the GPU between CPU nodes: " + Versus(p);
    }
    if (!p.on_gpu) {
      for (int32_t pos = p.first_pos; pos <= p.last_pos; ++pos) d.on_gpu[pos] = false;
    }
    d.plan_us += p.on_gpu ? p.gpu_us + p.transfer_us : p.cpu_us;
  }
  const bool any_gpu = std::any_of(d.partitions.begin(), d.partitions.end(),
                                   [](const PartitionCost& p) { return p.on_gpu; });
  if (policy == CostPolicy::kModel && any_gpu && d.plan_us >= d.all_cpu_us) {
    d.whole_model_on_cpu = true;
    std::fill(d.on_gpu.begin(), d.on_gpu.end(), false);
    for (PartitionCost& p : d.partitions) {
      if (!p.on_gpu) continue;
      p.on_gpu = false;
      p.reason = "the model is not worth the GPU (plan est " + Us(d.plan_us) +
                 " vs all-CPU est " + Us(d.all_cpu_us) + "); " + Versus(p);
    }
    d.plan_us = d.all_cpu_us;
  }
  int gpu_parts = 0, gpu_nodes = 0;
  for (const PartitionCost& p : d.partitions) {
    gpu_parts += p.on_gpu ? 1 : 0;
    gpu_nodes += p.on_gpu ? p.nodes : 0;
  }
  d.summary = "cost model (" + std::string(CostPolicyName(policy)) + ", " + gpu.device_class +
              "): " + std::to_string(gpu_nodes) + " of " + std::to_string(plan.run_nodes.size()) +
              " nodes on the GPU in " + std::to_string(gpu_parts) + " of " +
              std::to_string(d.partitions.size()) + " partitions; plan est " + Us(d.plan_us) +
              " vs all-CPU est " + Us(d.all_cpu_us) +
              (d.whole_model_on_cpu ? "; the model runs on the CPU" : "");
  return d;
}

std::string FormatDecision(const model::Graph& graph, const ExecutionPlan& plan,
                           const CostDecision& d) {
  std::string s = d.summary + "\n";
  s += "  rates: GPU (" + std::string(d.gpu.device_class) + ") submit " + Us(d.gpu.submit_us) +
       ", dispatch " + Us(d.gpu.dispatch_us) + ", " + Fixed("%.0f", d.gpu.gflops) +
       " GFLOP/s, " + Fixed("%.0f", d.gpu.gbps) + " GB/s, transfer " + Us(d.gpu.transfer_us) +
       " + " + Fixed("%.0f", d.gpu.transfer_gbps) + " GB/s; CPU " + Us(d.cpu.node_us) +
       "/node, " + Fixed("%.0f", d.cpu.gflops) + " GFLOP/s, " + Fixed("%.0f", d.cpu.gbps) +
       " GB/s\n";
  for (size_t i = 0; i < d.partitions.size(); ++i) {
    const PartitionCost& p = d.partitions[i];
    const model::Node& first = graph.nodes[plan.run_nodes[p.first_pos]];
    const model::Node& last = graph.nodes[plan.run_nodes[p.last_pos]];
    s += "  partition " + std::to_string(i + 1) + ": nodes " + std::to_string(p.first_pos) +
         ".." + std::to_string(p.last_pos) + " (" + std::to_string(p.nodes) + ": " +
         first.op_type + " '" + first.name + "'" +
         (p.nodes > 1 ? " .. " + last.op_type + " '" + last.name + "'" : std::string()) + "), " +
         std::to_string(p.dispatches) + " dispatches, " + Fixed("%.3g", p.flops / 1e9) +
         " GFLOP, " + Fixed("%.3g", static_cast<double>(p.transfer_bytes) / 1e6) +
         " MB across -> " + (p.on_gpu ? "GPU" : "CPU") + ": " + p.reason + "\n";
  }
  return s;
}

}  // namespace mota::exec::vk
