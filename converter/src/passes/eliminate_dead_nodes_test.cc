#include <gtest/gtest.h>

#include "converter/src/passes/pass_test_util.h"
#include "converter/src/passes/passes.h"

namespace mota::converter {
namespace {

using namespace testing;  // NOLINT: test helpers

TEST(EliminateDeadNodes, DeadBranchAndUnusedConstantsAreDroppedAndIdsRenumbered) {
  model::Graph g;
  const int32_t x = AddInput(g, "x", {2, 3});
  const int32_t unused_const = AddRandomConst(g, "unused", {3}, 1);
  const int32_t dead_a = AddValue(g, "dead_a");
  const int32_t c = AddRandomConst(g, "c", {3}, 2);
  const int32_t dead_b = AddValue(g, "dead_b");
  const int32_t a = AddValue(g, "a");
  const int32_t y = AddOutput(g, "y", {2, 3});
  AddNode(g, "dead1", "Relu", {x}, {dead_a});
  AddNode(g, "dead2", "Add", {dead_a, unused_const}, {dead_b});
  AddNode(g, "relu", "Relu", {x}, {a});
  AddNode(g, "add", "Add", {a, c}, {y});
  (void)dead_b;
  const model::Graph before = g;
  ASSERT_TRUE(EliminateDeadNodes(g).ok());
  EXPECT_EQ(OpTypes(g), (std::vector<std::string>{"Relu", "Add"}));
  std::vector<std::string> names;
  for (const model::TensorInfo& t : g.tensors) names.push_back(t.name);
  EXPECT_EQ(names, (std::vector<std::string>{"x", "c", "a", "y"}));
  EXPECT_EQ(g.nodes[1].inputs, (std::vector<int32_t>{2, 1}));
  EXPECT_EQ(g.outputs, (std::vector<int32_t>{3}));
  ExpectSameOutputs(before, g);
}

TEST(EliminateDeadNodes, UnusedGraphInputsStay) {
  model::Graph g;
  const int32_t x = AddInput(g, "x", {2});
  AddInput(g, "unused_input", {5});
  const int32_t y = AddOutput(g, "y", {2});
  AddNode(g, "relu", "Relu", {x}, {y});
  const model::Graph before = g;
  ASSERT_TRUE(EliminateDeadNodes(g).ok());
  EXPECT_EQ(g.inputs.size(), 2u);
  EXPECT_EQ(g.tensors.size(), 3u);
  ExpectSameOutputs(before, g);
}

TEST(EliminateDeadNodes, NodeWithOneLiveOutputKeepsAllItsOutputs) {
  model::Graph g;
  const int32_t x = AddInput(g, "x", {4});
  const int32_t a = AddValue(g, "a");
  const int32_t b = AddValue(g, "b");
  const int32_t y = AddOutput(g, "y", {4});
  AddNode(g, "split", "FakeSplit", {x}, {a, b});
  AddNode(g, "relu", "Relu", {a}, {y});
  ASSERT_TRUE(EliminateDeadNodes(g).ok());
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.nodes[0].outputs.size(), 2u);
  EXPECT_EQ(g.tensors.size(), 4u);
  EXPECT_TRUE(g.Validate().ok());
}

TEST(EliminateDeadNodes, OmittedOptionalInputsStayOmitted) {
  model::Graph g;
  const int32_t x = AddInput(g, "x", {4});
  AddRandomConst(g, "unused", {3}, 1);
  const int32_t y = AddOutput(g, "y", {4});
  AddNode(g, "clip", "Clip", {x, -1, -1}, {y});
  ASSERT_TRUE(EliminateDeadNodes(g).ok());
  EXPECT_EQ(g.nodes[0].inputs, (std::vector<int32_t>{0, -1, -1}));
  EXPECT_EQ(g.outputs, (std::vector<int32_t>{1}));
}

TEST(EliminateDeadNodes, BadTensorIdIsReportedWithTheNode) {
  model::Graph g;
  const int32_t x = AddInput(g, "x", {4});
  const int32_t y = AddOutput(g, "y", {4});
  AddNode(g, "broken", "Relu", {x + 40}, {y});
  Status s = EliminateDeadNodes(g);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("broken"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("40"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace mota::converter
