#include <gtest/gtest.h>

#include "converter/src/passes/pass_test_util.h"
#include "converter/src/passes/passes.h"

namespace mota::converter {
namespace {

using namespace testing;  // NOLINT: test helpers

TEST(RemoveIdentities, IdentityBetweenNodesIsBypassed) {
  model::Graph g;
  const int32_t x = AddInput(g, "x", {2, 3});
  const int32_t a = AddValue(g, "a");
  const int32_t b = AddValue(g, "b");
  const int32_t c = AddRandomConst(g, "c", {3}, 1);
  const int32_t y = AddOutput(g, "y", {2, 3});
  AddNode(g, "relu", "Relu", {x}, {a});
  AddNode(g, "id", "Identity", {a}, {b});
  AddNode(g, "add", "Add", {b, c}, {y});
  const model::Graph before = g;
  ASSERT_TRUE(RemoveIdentities(g).ok());
  EXPECT_EQ(OpTypes(g), (std::vector<std::string>{"Relu", "Add"}));
  EXPECT_EQ(g.nodes[1].inputs[0], a);
  ExpectSameOutputs(before, g);
}

TEST(RemoveIdentities, IdentityOnGraphOutputKeepsTheOutputName) {
  model::Graph g;
  const int32_t x = AddInput(g, "x", {4});
  const int32_t a = AddValue(g, "a");
  const int32_t y = AddOutput(g, "y", {4});
  AddNode(g, "relu", "Relu", {x}, {a});
  AddNode(g, "id", "Identity", {a}, {y});
  const model::Graph before = g;
  ASSERT_TRUE(RemoveIdentities(g).ok());
  ASSERT_EQ(OpTypes(g), (std::vector<std::string>{"Relu"}));
  EXPECT_EQ(g.nodes[0].outputs[0], y);
  EXPECT_EQ(g.tensors[g.outputs[0]].name, "y");
  ExpectSameOutputs(before, g);
}

TEST(RemoveIdentities, OtherReadersOfTheRenamedTensorReadTheOutput) {
  model::Graph g;
  const int32_t x = AddInput(g, "x", {4});
  const int32_t a = AddValue(g, "a");
  const int32_t c = AddRandomConst(g, "c", {4}, 2);
  const int32_t y = AddOutput(g, "y", {4});
  const int32_t z = AddOutput(g, "z", {4});
  AddNode(g, "relu", "Relu", {x}, {a});
  AddNode(g, "add", "Add", {a, c}, {z});
  AddNode(g, "id", "Identity", {a}, {y});
  const model::Graph before = g;
  ASSERT_TRUE(RemoveIdentities(g).ok());
  ASSERT_EQ(OpTypes(g), (std::vector<std::string>{"Relu", "Add"}));
  EXPECT_EQ(g.nodes[0].outputs[0], y);
  EXPECT_EQ(g.nodes[1].inputs[0], y);
  ExpectSameOutputs(before, g);
}

TEST(RemoveIdentities, ChainOfIdentitiesToAnOutputIsRemoved) {
  model::Graph g;
  const int32_t x = AddInput(g, "x", {3});
  const int32_t a = AddValue(g, "a");
  const int32_t b = AddValue(g, "b");
  const int32_t y = AddOutput(g, "y", {3});
  AddNode(g, "relu", "Relu", {x}, {a});
  AddNode(g, "id1", "Identity", {a}, {b});
  AddNode(g, "id2", "Identity", {b}, {y});
  const model::Graph before = g;
  ASSERT_TRUE(RemoveIdentities(g).ok());
  ASSERT_EQ(OpTypes(g), (std::vector<std::string>{"Relu"}));
  EXPECT_EQ(g.nodes[0].outputs[0], y);
  ExpectSameOutputs(before, g);
}

TEST(RemoveIdentities, IdentityFromGraphInputToOutputStays) {
  model::Graph g;
  const int32_t x = AddInput(g, "x", {3});
  const int32_t y = AddOutput(g, "y", {3});
  AddNode(g, "id", "Identity", {x}, {y});
  ASSERT_TRUE(RemoveIdentities(g).ok());
  EXPECT_EQ(OpTypes(g), (std::vector<std::string>{"Identity"}));
  EXPECT_TRUE(g.Validate().ok());
}

TEST(RemoveIdentities, IdentityBetweenTwoGraphOutputsStays) {
  model::Graph g;
  const int32_t x = AddInput(g, "x", {3});
  const int32_t a = AddOutput(g, "a", {3});
  const int32_t y = AddOutput(g, "y", {3});
  AddNode(g, "relu", "Relu", {x}, {a});
  AddNode(g, "id", "Identity", {a}, {y});
  const model::Graph before = g;
  ASSERT_TRUE(RemoveIdentities(g).ok());
  EXPECT_EQ(OpTypes(g), (std::vector<std::string>{"Relu", "Identity"}));
  ExpectSameOutputs(before, g);
}

TEST(RemoveIdentities, IdentityOfAConstantOutputMakesTheOutputConstant) {
  model::Graph g;
  const int32_t x = AddInput(g, "x", {2});
  const int32_t c = AddConstF32(g, "c", {2}, {1.5f, -2.0f});
  const int32_t r = AddOutput(g, "r", {2});
  const int32_t y = AddOutput(g, "y", {2});
  AddNode(g, "relu", "Relu", {x}, {r});
  AddNode(g, "id", "Identity", {c}, {y});
  const model::Graph before = g;
  ASSERT_TRUE(RemoveIdentities(g).ok());
  EXPECT_EQ(OpTypes(g), (std::vector<std::string>{"Relu"}));
  ASSERT_TRUE(g.tensors[y].is_constant);
  EXPECT_EQ(g.tensors[y].name, "y");
  ExpectSameOutputs(before, g);
}

TEST(RemoveIdentities, DropoutWithUnusedMaskIsRemovedButUsedMaskKeepsIt) {
  model::Graph g;
  const int32_t x = AddInput(g, "x", {3});
  const int32_t a = AddValue(g, "a");
  const int32_t unused_mask = AddValue(g, "mask");
  const int32_t b = AddValue(g, "b");
  const int32_t y = AddOutput(g, "y", {3});
  AddNode(g, "drop", "Dropout", {x}, {a, unused_mask});
  AddNode(g, "relu", "Relu", {a}, {b});
  AddNode(g, "relu2", "Relu", {b}, {y});
  ASSERT_TRUE(RemoveIdentities(g).ok());
  EXPECT_EQ(OpTypes(g), (std::vector<std::string>{"Relu", "Relu"}));
  EXPECT_EQ(g.nodes[0].inputs[0], x);

  model::Graph h;
  const int32_t hx = AddInput(h, "x", {3});
  const int32_t ha = AddValue(h, "a");
  const int32_t mask = AddOutput(h, "mask", {3});
  const int32_t hy = AddOutput(h, "y", {3});
  AddNode(h, "drop", "Dropout", {hx}, {ha, mask});
  AddNode(h, "relu", "Relu", {ha}, {hy});
  ASSERT_TRUE(RemoveIdentities(h).ok());
  EXPECT_EQ(OpTypes(h), (std::vector<std::string>{"Dropout", "Relu"}));
}

}  // namespace
}  // namespace mota::converter
