// The cost model inside segment planning (VulkanOptions::cost_policy), on a device: which nodes
// it moves back to the CPU, the reasons it records, and that the outputs stay right.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "exec/vulkan/vulkan_test_util.h"

namespace mota::exec::vk::testing {
namespace {

// x [1, 4, 6, 6] -> ops[0] -> ops[1] -> ... -> y (one-input elementwise ops).
model::Graph ChainGraph(const std::vector<std::string>& ops) {
  model::Graph g;
  model::TensorInfo x{"x", DType::kF32, true, {{1, {}}, {4, {}}, {6, {}}, {6, {}}}};
  int32_t cur = g.AddTensor(x);
  g.inputs.push_back(cur);
  for (size_t i = 0; i < ops.size(); ++i) {
    const int32_t out = g.AddTensor(model::TensorInfo{"t" + std::to_string(i), DType::kF32});
    g.nodes.push_back({ops[i] + std::to_string(i), ops[i], {}, {cur}, {out}});
    cur = out;
  }
  g.outputs.push_back(cur);
  return g;
}

VulkanBackend& BackendWith(CostPolicy policy) {
  static VulkanBackend* backends[3] = {};
  VulkanBackend*& b = backends[static_cast<int>(policy)];
  if (b == nullptr) {
    VulkanOptions options;
    options.cache_path = "none";
    options.cost_policy = policy;
    b = CreateVulkanBackend({}, options).release();
  }
  return *b;
}

RunResult RunChecked(CostPolicy policy, const model::Graph& g, const HostTensor& x) {
  auto got = RunGraph(BackendWith(policy), g, {x.view()});
  EXPECT_TRUE(got.ok()) << got.status().ToString();
  if (!got.ok()) return {};
  auto reference = CreateBackend("reference", {});
  auto want = RunGraph(**reference, g, {x.view()});
  EXPECT_TRUE(want.ok());
  EXPECT_LE(WorstRatio(got->outputs[0], want->outputs[0], 1e-6, 1e-5), 1.0);
  return std::move(got).value();
}

TEST(VulkanCostPolicy, tiny_partition_between_cpu_nodes_stays_on_the_cpu) {
  MOTA_SKIP_WITHOUT_VULKAN();
  // Cos has no Vulkan op; the Relu between them would pay a submission and two transfers for
  // 144 elements: more than the CPU's node call on every device class.
  const model::Graph g = ChainGraph({"Cos", "Relu", "Cos"});
  const HostTensor x = RandomF32({1, 4, 6, 6}, 300);
  const RunResult r = RunChecked(CostPolicy::kPartitions, g, x);
  EXPECT_EQ(r.stats.gpu_nodes, 0);
  EXPECT_EQ(r.stats.cpu_nodes, 3);
  EXPECT_EQ(r.stats.segments, 0);
  ASSERT_EQ(r.stats.cpu_reasons.size(), 3u);
  EXPECT_NE(r.stats.cpu_reasons[1].find("cost model: not worth the GPU between CPU nodes"),
            std::string::npos)
      << r.stats.cpu_reasons[1];
  EXPECT_NE(r.stats.cost_report.find("partition 1: nodes 1..1 (1: Relu 'Relu1')"),
            std::string::npos)
      << r.stats.cost_report;
  // Without the cost model the Relu runs on the GPU, between two transfers.
  const RunResult off = RunChecked(CostPolicy::kOff, g, x);
  EXPECT_EQ(off.stats.gpu_nodes, 1);
  EXPECT_EQ(off.stats.segments, 1);
}

TEST(VulkanCostPolicy, a_whole_tiny_model_stays_on_the_gpu_unless_the_model_policy_asks) {
  MOTA_SKIP_WITHOUT_VULKAN();
  const model::Graph g = ChainGraph({"Relu", "Sigmoid"});
  const HostTensor x = RandomF32({1, 4, 6, 6}, 301);
  const RunResult partitions = RunChecked(CostPolicy::kPartitions, g, x);
  EXPECT_EQ(partitions.stats.gpu_nodes, 2);  // asked for the GPU: the whole model is kept
  EXPECT_NE(partitions.stats.cost_report.find("-> GPU: the whole model"), std::string::npos)
      << partitions.stats.cost_report;
  const RunResult model = RunChecked(CostPolicy::kModel, g, x);
  EXPECT_EQ(model.stats.gpu_nodes, 0);
  EXPECT_TRUE(model.stats.cost.whole_model_on_cpu) << model.stats.cost.summary;
  EXPECT_NE(model.stats.cost.summary.find("the model runs on the CPU"), std::string::npos);
}

}  // namespace
}  // namespace mota::exec::vk::testing
