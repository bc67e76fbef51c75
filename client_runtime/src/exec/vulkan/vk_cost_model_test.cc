// The cost model on planned graphs, without a device: which partitions it keeps on the GPU for
// each device class and policy, and the estimates behind it.
#include "exec/vulkan/vk_cost_model.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mota::exec::vk {
namespace {

DeviceInfo Device(VkPhysicalDeviceType type) {
  DeviceInfo d;
  d.type = type;
  return d;
}
const DeviceInfo kDiscrete = Device(VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU);
const DeviceInfo kLavapipe = Device(VK_PHYSICAL_DEVICE_TYPE_CPU);

// A chain of nodes over one f32 graph input; weights are zero constants.
class Chain {
 public:
  explicit Chain(Shape input) {
    model::TensorInfo in{"x", DType::kF32, true, Dims(input)};
    cur_ = g_.AddTensor(in);
    g_.inputs.push_back(cur_);
    shape_ = input;
  }
  // Appends `op` over the current tensor (plus constant weights of `weights` shapes).
  Chain& Then(const std::string& op, std::vector<Shape> weights = {},
              model::Attributes attrs = {}) {
    model::Node n;
    n.name = op + std::to_string(g_.nodes.size());
    n.op_type = op;
    n.attrs = std::move(attrs);
    n.inputs.push_back(cur_);
    for (const Shape& w : weights) {
      const size_t bytes = static_cast<size_t>(NumElements(w)) * 4;
      n.inputs.push_back(g_.AddConstant(n.name + "_w" + std::to_string(n.inputs.size()),
                                        DType::kF32, w, std::vector<uint8_t>(bytes, 0)));
    }
    cur_ = g_.AddTensor(model::TensorInfo{n.name + "_out"});
    n.outputs.push_back(cur_);
    g_.nodes.push_back(std::move(n));
    return *this;
  }
  const model::Graph& Done() {
    g_.outputs = {cur_};
    auto plan = PlanExecution(g_, std::vector<Shape>{shape_});
    EXPECT_TRUE(plan.ok()) << plan.status().ToString();
    if (plan.ok()) plan_ = std::move(plan).value();
    return g_;
  }
  const ExecutionPlan& plan() const { return plan_; }

 private:
  static std::vector<model::Dim> Dims(const Shape& s) {
    std::vector<model::Dim> d;
    for (int64_t v : s) d.push_back({v, {}});
    return d;
  }
  model::Graph g_;
  ExecutionPlan plan_;
  int32_t cur_ = -1;
  Shape shape_;
};

CostDecision Decide(Chain& c, const std::vector<bool>& accepted, const DeviceInfo& device,
                    CostPolicy policy, int threads = 1) {
  const model::Graph& g = c.Done();
  std::vector<bool> view(accepted.size(), false);
  for (size_t pos = 0; pos < accepted.size(); ++pos) {
    view[pos] = g.nodes[c.plan().run_nodes[pos]].op_type == "Reshape";
  }
  return DecidePartitions(g, c.plan(), accepted, view, RatesFor(device), CpuRatesFor(threads),
                          policy);
}

model::Attributes Pads1() {
  model::Attributes a;
  a.SetInts("pads", {1, 1, 1, 1});
  return a;
}

TEST(VkCostModel, tiny_mlp_is_not_worth_a_discrete_gpu_under_the_model_policy) {
  Chain c({1, 784});
  c.Then("MatMul", {{784, 256}}).Then("Relu").Then("MatMul", {{256, 10}});
  const CostDecision d = Decide(c, {true, true, true}, kDiscrete, CostPolicy::kModel);
  ASSERT_EQ(d.partitions.size(), 1u);
  EXPECT_EQ(d.partitions[0].dispatches, 3);
  EXPECT_EQ(d.partitions[0].transfers, 2);  // x in, the output back
  EXPECT_TRUE(d.whole_model_on_cpu) << d.summary;
  EXPECT_EQ(d.on_gpu, (std::vector<bool>{false, false, false}));
  EXPECT_NE(d.partitions[0].reason.find("not worth the GPU"), std::string::npos)
      << d.partitions[0].reason;
  EXPECT_NE(d.summary.find("the model runs on the CPU"), std::string::npos) << d.summary;
}

TEST(VkCostModel, the_whole_model_stays_on_the_gpu_under_the_partitions_policy) {
  // `--backend vulkan` asked for the GPU: one partition covering the model is kept even when
  // the estimate says the CPU would be faster.
  Chain c({1, 784});
  c.Then("MatMul", {{784, 256}}).Then("Relu").Then("MatMul", {{256, 10}});
  const CostDecision d = Decide(c, {true, true, true}, kDiscrete, CostPolicy::kPartitions);
  EXPECT_FALSE(d.whole_model_on_cpu);
  EXPECT_EQ(d.on_gpu, (std::vector<bool>{true, true, true}));
}

TEST(VkCostModel, convolutions_are_worth_a_discrete_gpu) {
  Chain c({1, 64, 56, 56});
  for (int i = 0; i < 4; ++i) c.Then("Conv", {{64, 64, 3, 3}}, Pads1()).Then("Relu");
  const CostDecision d = Decide(c, std::vector<bool>(8, true), kDiscrete, CostPolicy::kModel);
  ASSERT_EQ(d.partitions.size(), 1u);
  // 4 x 2 x (64 * 9) MACs x 64 * 56 * 56 outputs.
  EXPECT_NEAR(d.partitions[0].flops, 4 * 2.0 * 576 * 64 * 56 * 56 + 4 * 64 * 56 * 56, 1);
  EXPECT_FALSE(d.whole_model_on_cpu) << d.summary;
  EXPECT_TRUE(d.partitions[0].on_gpu);
  EXPECT_LT(d.plan_us, d.all_cpu_us);
}

TEST(VkCostModel, a_cpu_device_is_never_worth_it_for_convolutions) {
  // lavapipe: ~2 GFLOP/s against the CPU path's 40 per thread.
  Chain c({1, 64, 56, 56});
  c.Then("Conv", {{64, 64, 3, 3}}, Pads1()).Then("Relu");
  const CostDecision d = Decide(c, {true, true}, kLavapipe, CostPolicy::kModel);
  EXPECT_TRUE(d.whole_model_on_cpu) << d.summary;
}

TEST(VkCostModel, small_partition_between_cpu_nodes_stays_on_the_cpu) {
  // Conv (GPU) | Erf (CPU here) | Relu (GPU, tiny) | Erf (CPU): the Relu partition would pay a
  // submission and two transfers for one cheap dispatch.
  Chain c({1, 64, 56, 56});
  c.Then("Conv", {{64, 64, 3, 3}}, Pads1()).Then("Erf").Then("Relu").Then("Erf");
  const CostDecision d =
      Decide(c, {true, false, true, false}, kDiscrete, CostPolicy::kPartitions);
  ASSERT_EQ(d.partitions.size(), 2u);
  EXPECT_TRUE(d.partitions[0].on_gpu) << d.partitions[0].reason;
  EXPECT_FALSE(d.partitions[1].on_gpu) << d.partitions[1].reason;
  EXPECT_EQ(d.partitions[1].transfers, 2);
  EXPECT_EQ(d.partitions[1].transfer_bytes, 2u * 64 * 56 * 56 * 4);
  EXPECT_EQ(d.on_gpu, (std::vector<bool>{true, false, false, false}));
  EXPECT_NE(d.partitions[1].reason.find("between CPU nodes"), std::string::npos);
}

TEST(VkCostModel, policy_off_keeps_every_accepted_node) {
  Chain c({1, 64, 56, 56});
  c.Then("Conv", {{64, 64, 3, 3}}, Pads1()).Then("Erf").Then("Relu").Then("Erf");
  const CostDecision d = Decide(c, {true, false, true, false}, kLavapipe, CostPolicy::kOff);
  EXPECT_EQ(d.on_gpu, (std::vector<bool>{true, false, true, false}));
}

TEST(VkCostModel, more_cpu_threads_make_the_cpu_path_cheaper) {
  Chain a({1, 64, 56, 56}), b({1, 64, 56, 56});
  a.Then("Conv", {{64, 64, 3, 3}}, Pads1());
  b.Then("Conv", {{64, 64, 3, 3}}, Pads1());
  const CostDecision one = Decide(a, {true}, kDiscrete, CostPolicy::kModel, 1);
  const CostDecision four = Decide(b, {true}, kDiscrete, CostPolicy::kModel, 4);
  EXPECT_NEAR(one.partitions[0].cpu_us - one.cpu.node_us,
              4 * (four.partitions[0].cpu_us - four.cpu.node_us), 1e-6);
}

TEST(VkCostModel, explain_text_names_partitions_nodes_and_estimates) {
  Chain c({1, 64, 56, 56});
  c.Then("Conv", {{64, 64, 3, 3}}, Pads1()).Then("Erf").Then("Relu").Then("Erf");
  const CostDecision d =
      Decide(c, {true, false, true, false}, kDiscrete, CostPolicy::kPartitions);
  const std::string text = FormatDecision(c.Done(), c.plan(), d);
  EXPECT_NE(text.find("partition 1: nodes 0..0 (1: Conv 'Conv0')"), std::string::npos) << text;
  EXPECT_NE(text.find("-> GPU"), std::string::npos) << text;
  EXPECT_NE(text.find("partition 2: nodes 2..2 (1: Relu 'Relu2')"), std::string::npos) << text;
  EXPECT_NE(text.find("-> CPU"), std::string::npos) << text;
  EXPECT_NE(text.find("discrete GPU"), std::string::npos) << text;
}

}  // namespace
}  // namespace mota::exec::vk
