// The cost model inside segment planning (VulkanOptions::cost_policy), on a device: which nodes
// it moves back to the CPU, the reasons it records, and that the outputs stay right; and
// VulkanBackend::Decide, the same decision without a device plan.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "exec/vulkan/vk_memory.h"
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

// A backend of its own, so pipelines_created() counts this test's work only.
std::unique_ptr<VulkanBackend> FreshBackend(CostPolicy policy) {
  VulkanOptions options;
  options.cache_path = "none";
  options.cost_policy = policy;
  return CreateVulkanBackend({}, options);
}

TEST(VulkanDecide, a_whole_model_cpu_decision_compiles_nothing_and_allocates_nothing) {
  MOTA_SKIP_WITHOUT_VULKAN();
  const model::Graph g = ChainGraph({"Relu", "Sigmoid"});
  const std::vector<Shape> shapes = {{1, 4, 6, 6}};
  auto vk = FreshBackend(CostPolicy::kModel);
  ASSERT_TRUE(vk->status().ok()) << vk->status().ToString();
  // The next device allocation fails: a decision that made one would fail with it.
  FailDeviceAllocationForTesting(0);
  auto decision = vk->Decide(g, shapes, {});
  // Prepare of an all-CPU plan needs no device memory either (only the host arena).
  auto exe = vk->Prepare(g, shapes, {});
  FailDeviceAllocationForTesting(-1);
  ASSERT_TRUE(decision.ok()) << decision.status().ToString();
  EXPECT_TRUE(decision->cost.whole_model_on_cpu) << decision->cost.summary;
  EXPECT_EQ(decision->gpu_nodes, 0);
  EXPECT_EQ(decision->cpu_nodes, 2);
  EXPECT_EQ(vk->pipelines_created(), 0);
  ASSERT_TRUE(exe.ok()) << exe.status().ToString();
  EXPECT_EQ(static_cast<VulkanExecutable&>(**exe).stats().gpu_nodes, 0);
  EXPECT_EQ(vk->pipelines_created(), 0);
}

TEST(VulkanDecide, a_gpu_decision_compiles_nothing_until_prepare) {
  MOTA_SKIP_WITHOUT_VULKAN();
  const model::Graph g = ChainGraph({"Relu", "Sigmoid"});
  auto vk = FreshBackend(CostPolicy::kPartitions);  // the whole model is kept on the GPU
  auto decision = vk->Decide(g, {{{1, 4, 6, 6}}}, {});
  ASSERT_TRUE(decision.ok()) << decision.status().ToString();
  EXPECT_EQ(decision->gpu_nodes, 2);
  EXPECT_EQ(decision->dispatches, 0);  // a device-plan field: Prepare's
  EXPECT_EQ(vk->pipelines_created(), 0);
  auto exe = vk->Prepare(g, {{{1, 4, 6, 6}}}, {});
  ASSERT_TRUE(exe.ok()) << exe.status().ToString();
  EXPECT_GT(vk->pipelines_created(), 0);
}

// Decide's fields against those of Prepare's plan for the same graph and shapes.
void ExpectSamePlacement(const VulkanStats& decided, const VulkanStats& planned) {
  EXPECT_EQ(decided.gpu_nodes, planned.gpu_nodes);
  EXPECT_EQ(decided.view_nodes, planned.view_nodes);
  EXPECT_EQ(decided.cpu_nodes, planned.cpu_nodes);
  EXPECT_EQ(decided.segments, planned.segments);
  EXPECT_EQ(decided.cpu_reasons, planned.cpu_reasons);
  EXPECT_EQ(decided.cost.on_gpu, planned.cost.on_gpu);
  EXPECT_EQ(decided.cost.whole_model_on_cpu, planned.cost.whole_model_on_cpu);
  EXPECT_EQ(decided.cost.summary, planned.cost.summary);
  EXPECT_EQ(decided.cost_report, planned.cost_report);
  EXPECT_EQ(decided.precision, planned.precision);
  EXPECT_EQ(decided.fp16, planned.fp16);
}

TEST(VulkanDecide, the_decision_is_the_one_the_plan_makes) {
  MOTA_SKIP_WITHOUT_VULKAN();
  struct Case {
    CostPolicy policy;
    std::vector<std::string> ops;
    int gpu_nodes;  // Decide's, to know each case covers what it should
  };
  const Case cases[] = {
      {CostPolicy::kModel, {"Relu", "Sigmoid"}, 0},                  // whole model to the CPU
      {CostPolicy::kPartitions, {"Cos", "Relu", "Cos"}, 0},          // a partition moved back
      {CostPolicy::kOff, {"Cos", "Relu", "Cos"}, 1},                 // no op for Cos
      {CostPolicy::kPartitions, {"Relu", "Flatten", "Sigmoid"}, 3},  // a view on the GPU
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::PrintToString(c.ops) + " policy " + CostPolicyName(c.policy));
    const model::Graph g = ChainGraph(c.ops);
    const std::vector<Shape> shapes = {{1, 4, 6, 6}};
    VulkanBackend& vk = BackendWith(c.policy);
    auto decided = vk.Decide(g, shapes, {});
    ASSERT_TRUE(decided.ok()) << decided.status().ToString();
    EXPECT_EQ(decided->gpu_nodes, c.gpu_nodes);
    auto exe = vk.Prepare(g, shapes, {});
    ASSERT_TRUE(exe.ok()) << exe.status().ToString();
    const VulkanStats& planned = static_cast<VulkanExecutable&>(**exe).stats();
    ExpectSamePlacement(*decided, planned);
    if (c.gpu_nodes == 0) {  // no device plan: nothing of one in Prepare's stats either
      EXPECT_EQ(planned.dispatches, 0);
      EXPECT_EQ(planned.arena_bytes, 0u);
      EXPECT_EQ(planned.weight_bytes, 0u);
      EXPECT_EQ(planned.uploads + planned.downloads, 0);
      EXPECT_FALSE(planned.direct_io);
    }
  }
  // The view case really has one.
  auto view = BackendWith(CostPolicy::kPartitions)
                  .Decide(ChainGraph({"Relu", "Flatten", "Sigmoid"}), {{{1, 4, 6, 6}}}, {});
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->view_nodes, 1);
}

TEST(VulkanDecide, bad_shapes_fail_as_prepare_does) {
  MOTA_SKIP_WITHOUT_VULKAN();
  const model::Graph g = ChainGraph({"Relu"});
  auto decided = BackendWith(CostPolicy::kModel).Decide(g, {{{1, 4, 6, 7}}}, {});
  ASSERT_FALSE(decided.ok());
  auto prepared = BackendWith(CostPolicy::kModel).Prepare(g, {{{1, 4, 6, 7}}}, {});
  ASSERT_FALSE(prepared.ok());
  EXPECT_EQ(decided.status().ToString(), prepared.status().ToString());
}

}  // namespace
}  // namespace mota::exec::vk::testing
