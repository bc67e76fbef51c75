#include "exec/vulkan/vk_placement.h"

#include <utility>

namespace mota::exec::vk {

std::vector<GpuTensor> PlannedTensors(const ExecutionPlan& plan, const std::vector<int32_t>& ids) {
  std::vector<GpuTensor> out;
  out.reserve(ids.size());
  for (int32_t t : ids) {
    GpuTensor g;
    if (t >= 0) {
      const TensorPlan& p = plan.tensors[t];
      g.dtype = p.dtype;
      g.shape = p.shape;
      if (p.storage == TensorPlan::Storage::kConstant) g.host = p.data;
      if (p.storage == TensorPlan::Storage::kValue) g.host = plan.values[p.value_index].data();
    }
    out.push_back(std::move(g));
  }
  return out;
}

Result<Placement> PlaceNodes(const model::Graph& graph, const ExecutionPlan& plan,
                             const DeviceInfo& device, const Tuning& tuning, int cpu_threads,
                             CostPolicy policy) {
  const size_t count = plan.run_nodes.size();
  Placement out;
  out.view.assign(count, false);
  std::vector<bool> accepted(count, false);
  for (size_t pos = 0; pos < count; ++pos) {
    const model::Node& node = graph.nodes[plan.run_nodes[pos]];
    const VkOpDef* def = FindVkOp(node.op_type);
    Status why = Unimplemented(node.op_type, " node '", node.name, "': no Vulkan op");
    if (def != nullptr) {
      OpContext ctx(node, device, tuning);
      ctx.inputs = PlannedTensors(plan, node.inputs);
      ctx.outputs = PlannedTensors(plan, node.outputs);
      why = def->check(ctx);
      if (why.ok() && def->view && !IsRunTime(plan.tensors[node.inputs[0]].storage)) {
        why = ctx.Unsupported("its input is known at prepare time");
      }
    }
    if (!why.ok() && why.code() != StatusCode::kUnimplemented) return why;  // a malformed node
    accepted[pos] = why.ok();
    out.view[pos] = why.ok() && def->view;
    out.why_cpu.push_back(std::move(why));
  }
  out.cost = DecidePartitions(graph, plan, accepted, out.view, RatesFor(device),
                              CpuRatesFor(cpu_threads), policy);
  for (const PartitionCost& p : out.cost.partitions) {
    for (int32_t pos = p.first_pos; pos <= p.last_pos && !p.on_gpu; ++pos) {
      const model::Node& node = graph.nodes[plan.run_nodes[pos]];
      out.why_cpu[pos] = Unimplemented(node.op_type, " node '", node.name,
                                       "' stays on the CPU: cost model: ", p.reason);
      out.view[pos] = false;
    }
  }
  return out;
}

void SetPlacementStats(const model::Graph& graph, const ExecutionPlan& plan,
                       const Placement& placement, VulkanStats* stats) {
  stats->gpu_nodes = stats->view_nodes = stats->cpu_nodes = stats->segments = 0;
  stats->cpu_reasons.clear();
  bool previous_on_gpu = false;
  for (size_t pos = 0; pos < placement.why_cpu.size(); ++pos) {
    const bool on_gpu = placement.why_cpu[pos].ok();
    if (on_gpu) {
      ++stats->gpu_nodes;
      if (placement.view[pos]) ++stats->view_nodes;
      if (!previous_on_gpu) ++stats->segments;
    } else {
      ++stats->cpu_nodes;
      stats->cpu_reasons.push_back(placement.why_cpu[pos].message());
    }
    previous_on_gpu = on_gpu;
  }
  stats->cost = placement.cost;
  stats->cost_report = FormatDecision(graph, plan, stats->cost);
  stats->cost_report += "  precision " + stats->precision + "\n";  // `mota run --explain`
}

}  // namespace mota::exec::vk
