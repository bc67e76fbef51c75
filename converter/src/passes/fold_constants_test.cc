#include <gtest/gtest.h>

#include "converter/src/passes/graph_rewrite.h"
#include "converter/src/passes/pass_test_util.h"
#include "converter/src/passes/passes.h"
#include "exec/activation.h"
#include "exec/op_registry.h"

namespace mota::converter {
namespace {

using namespace testing;  // NOLINT: test helpers

TEST(FoldConstants, ConstantSubgraphFeedingARuntimeNodeIsFolded) {
  model::Graph g;
  const int32_t x = AddInput(g, "x", {2, 3});
  const int32_t c1 = AddConstF32(g, "c1", {3}, {1, 2, 3});
  const int32_t c2 = AddConstF32(g, "c2", {3}, {10, 20, 30});
  const int32_t k = AddValue(g, "k");
  const int32_t y = AddOutput(g, "y", {2, 3});
  AddNode(g, "sum", "Add", {c1, c2}, {k});
  AddNode(g, "add", "Add", {x, k}, {y});
  const model::Graph before = g;
  ASSERT_TRUE(FoldConstants(g).ok());
  ASSERT_EQ(OpTypes(g), (std::vector<std::string>{"Add"}));
  ASSERT_TRUE(g.tensors[k].is_constant);
  EXPECT_EQ(*ConstantAsFloats(g, k), (std::vector<float>{11, 22, 33}));
  EXPECT_EQ(g.tensors[k].StaticShape(), (Shape{3}));
  ExpectSameOutputs(before, g);
}

// Compact weights stay compact in the file; the runtime widens them at load.
TEST(FoldConstants, WideningOfCompactWeightsIsLeftToLoadTime) {
  model::Graph g;
  const int32_t x = AddInput(g, "x", {2, 3});
  const int32_t h = g.AddConstant("h", DType::kF16, {3}, std::vector<uint8_t>(6, 0));
  const int32_t w = AddValue(g, "w");
  const int32_t y = AddOutput(g, "y", {2, 3});
  model::Attributes to_f32;
  to_f32.SetInt("to", static_cast<int64_t>(DType::kF32));
  AddNode(g, "widen", "Cast", {h}, {w});
  g.nodes.back().attrs = to_f32;
  AddNode(g, "add", "Add", {x, w}, {y});
  ASSERT_TRUE(FoldConstants(g).ok());
  EXPECT_EQ(OpTypes(g), (std::vector<std::string>{"Cast", "Add"}));
  EXPECT_FALSE(g.tensors[w].is_constant);
}

TEST(FoldConstants, ConstantGraphOutputStaysAnOutput) {
  model::Graph g;
  const int32_t x = AddInput(g, "x", {2});
  const int32_t c1 = AddConstF32(g, "c1", {2}, {1, -5});
  const int32_t c2 = AddConstF32(g, "c2", {2}, {2, 3});
  const int32_t z = AddOutput(g, "z", {2});
  const int32_t y = AddOutput(g, "y", {2});
  AddNode(g, "relu", "Relu", {x}, {z});
  AddNode(g, "sum", "Add", {c1, c2}, {y});
  const model::Graph before = g;
  ASSERT_TRUE(FoldConstants(g).ok());
  EXPECT_EQ(OpTypes(g), (std::vector<std::string>{"Relu"}));
  EXPECT_EQ(g.outputs, (std::vector<int32_t>{z, y}));
  ASSERT_TRUE(g.tensors[y].is_constant);
  EXPECT_EQ(*ConstantAsFloats(g, y), (std::vector<float>{3, -2}));
  ExpectSameOutputs(before, g);
}

TEST(FoldConstants, FusedActivationIsAppliedWhenFolding) {
  model::Graph g;
  const int32_t x = AddInput(g, "x", {2});
  const int32_t c1 = AddConstF32(g, "c1", {2}, {1, -5});
  const int32_t c2 = AddConstF32(g, "c2", {2}, {2, 3});
  const int32_t k = AddValue(g, "k");
  const int32_t y = AddOutput(g, "y", {2});
  model::Attributes relu;
  relu.SetString(exec::kActivationAttr, "Relu");
  AddNode(g, "sum", "Add", {c1, c2}, {k}, relu);
  AddNode(g, "add", "Add", {x, k}, {y});
  ASSERT_TRUE(FoldConstants(g).ok());
  EXPECT_EQ(*ConstantAsFloats(g, k), (std::vector<float>{3, 0}));
}

// x (2, 3, 4) -> Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)), [-1])) -> (2, 12)
model::Graph ShapeChainGraph(const Shape& x_shape) {
  model::Graph g;
  const int32_t x = AddInput(g, "x", x_shape);
  const int32_t shape = g.AddTensor({"shape", DType::kI64});
  const int32_t n = g.AddTensor({"n", DType::kI64});
  const int32_t n1 = g.AddTensor({"n1", DType::kI64});
  const int32_t target = g.AddTensor({"target", DType::kI64});
  const int32_t y = AddOutput(g, "y", {x_shape[0], 12});
  AddNode(g, "shape", "Shape", {x}, {shape});
  AddNode(g, "gather", "Gather", {shape, AddConstI64(g, "zero", {}, {0})}, {n});
  AddNode(g, "unsqueeze", "Unsqueeze", {n, AddConstI64(g, "axes", {1}, {0})}, {n1});
  model::Attributes axis0;
  axis0.SetInt("axis", 0);
  AddNode(g, "concat", "Concat", {n1, AddConstI64(g, "minus1", {1}, {-1})}, {target}, axis0);
  AddNode(g, "reshape", "Reshape", {x, target}, {y});
  return g;
}

TEST(FoldConstants, ShapeGatherUnsqueezeConcatChainFoldsIntoAStaticReshape) {
  for (const char* op : {"Shape", "Gather", "Unsqueeze", "Concat", "Reshape"}) {
    if (exec::FindOp(op) == nullptr) GTEST_SKIP() << op << " is not implemented yet";
  }
  model::Graph g = ShapeChainGraph({2, 3, 4});
  const model::Graph before = g;
  ASSERT_TRUE(FoldConstants(g).ok());
  ASSERT_EQ(OpTypes(g), (std::vector<std::string>{"Reshape"}));
  EXPECT_EQ(*ConstantAsInts(g, g.nodes[0].inputs[1]), (std::vector<int64_t>{2, -1}));
  ExpectSameOutputs(before, g);
}

TEST(FoldConstants, ShapeOfADynamicInputStays) {
  model::Graph g = ShapeChainGraph({-1, 3, 4});
  const model::Graph before = g;
  ASSERT_TRUE(FoldConstants(g).ok());
  EXPECT_EQ(OpTypes(g), OpTypes(before));
}

// x (N, 3, 4) with a dynamic N: the static entries of Shape(x) fold.
TEST(FoldConstants, StaticEntriesOfADynamicShapeFold) {
  model::Graph g;
  const int32_t x = AddInput(g, "x", {-1, 3, 4});
  const int32_t shape = g.AddTensor(F32Tensor("shape", {3}));
  g.tensors[shape].dtype = DType::kI64;
  const int32_t tail = g.AddTensor({"tail", DType::kI64});
  const int32_t dim1 = g.AddTensor({"dim1", DType::kI64});
  const int32_t reversed = g.AddTensor({"reversed", DType::kI64});
  const int32_t from1 = g.AddTensor({"from1", DType::kI64});
  const int32_t batch = g.AddTensor({"batch", DType::kI64});
  const int32_t target = g.AddTensor({"target", DType::kI64});
  const int32_t y = AddOutput(g, "y", {-1, 4});
  AddNode(g, "shape", "Shape", {x}, {shape});
  AddNode(g, "tail", "Slice", {shape, AddConstI64(g, "s", {1}, {2}), AddConstI64(g, "e", {1}, {3})},
          {tail});
  AddNode(g, "dim1", "Gather", {shape, AddConstI64(g, "one", {}, {1})}, {dim1});
  AddNode(g, "reversed", "Slice",
          {shape, AddConstI64(g, "rs", {1}, {-1}), AddConstI64(g, "re", {1}, {0}),
           AddConstI64(g, "ra", {1}, {0}), AddConstI64(g, "rstep", {1}, {-1})},
          {reversed});
  model::Attributes start1;
  start1.SetInt("start", 1);
  AddNode(g, "from1", "Shape", {x}, {from1}, start1);
  AddNode(g, "batch", "Gather", {shape, AddConstI64(g, "zero", {1}, {0})}, {batch});
  model::Attributes axis0;
  axis0.SetInt("axis", 0);
  AddNode(g, "concat", "Concat", {AddConstI64(g, "minus1", {1}, {-1}), tail}, {target}, axis0);
  AddNode(g, "reshape", "Reshape", {x, target}, {y});
  const int32_t shape32 = g.AddTensor({"shape32", DType::kI32});
  const int32_t last32 = g.AddTensor({"last32", DType::kI32});
  model::Attributes to_i32;
  to_i32.SetInt("to", static_cast<int64_t>(DType::kI32));
  AddNode(g, "cast", "Cast", {shape}, {shape32}, to_i32);
  AddNode(g, "last32", "Gather", {shape32, AddConstI64(g, "minus_one", {1}, {-1})}, {last32});
  g.outputs.insert(g.outputs.end(), {dim1, reversed, from1, batch, last32});
  const model::Graph before = g;
  ASSERT_TRUE(FoldConstants(g).ok());
  EXPECT_EQ(OpTypes(g), (std::vector<std::string>{"Shape", "Gather", "Reshape", "Cast"}));
  EXPECT_EQ(*ConstantAsInts(g, target), (std::vector<int64_t>{-1, 4}));
  EXPECT_EQ(*ConstantAsInts(g, dim1), (std::vector<int64_t>{3}));
  EXPECT_EQ(g.tensors[dim1].StaticShape(), Shape{});
  EXPECT_EQ(*ConstantAsInts(g, reversed), (std::vector<int64_t>{4, 3}));
  EXPECT_EQ(*ConstantAsInts(g, from1), (std::vector<int64_t>{3, 4}));
  EXPECT_FALSE(g.tensors[batch].is_constant);
  EXPECT_EQ(g.tensors[last32].dtype, DType::kI32);
  EXPECT_EQ(*ConstantAsInts(g, last32), (std::vector<int64_t>{4}));
  ExpectSameOutputs(before, g);
}

TEST(FoldConstants, StaticShapesArePropagatedToIntermediates) {
  model::Graph g;
  const int32_t x = AddInput(g, "x", {2, 3});
  const int32_t a = AddValue(g, "a");
  g.tensors[a].dtype = DType::kUndefined;
  const int32_t y = AddOutput(g, "y", {2, 3});
  AddNode(g, "relu", "Relu", {x}, {a});
  AddNode(g, "relu2", "Relu", {a}, {y});
  ASSERT_TRUE(FoldConstants(g).ok());
  EXPECT_EQ(g.nodes.size(), 2u);
  ASSERT_TRUE(g.tensors[a].IsStaticShape());
  EXPECT_EQ(g.tensors[a].StaticShape(), (Shape{2, 3}));
  EXPECT_EQ(g.tensors[a].dtype, DType::kF32);
}

TEST(FoldConstants, HugeOutputFromSmallInputsIsNotFolded) {
  model::Graph g;
  const int32_t x = AddInput(g, "x", {1});
  const int32_t col = AddRandomConst(g, "col", {4096, 1}, 1);
  const int32_t row = AddRandomConst(g, "row", {1, 2048}, 2);
  const int32_t big = AddValue(g, "big");  // 32 MiB
  const int32_t y = AddOutput(g, "y", {4096, 2048});
  AddNode(g, "outer", "Add", {col, row}, {big});
  AddNode(g, "add", "Add", {big, x}, {y});
  ASSERT_TRUE(FoldConstants(g).ok());
  EXPECT_EQ(OpTypes(g), (std::vector<std::string>{"Add", "Add"}));
  EXPECT_FALSE(g.tensors[big].is_constant);
}

TEST(FoldConstants, HugeOutputReplacingBiggerInputsIsFolded) {
  model::Graph g;
  const int32_t x = AddInput(g, "x", {1});
  const Shape shape = {2100, 2100};  // 17.6 MB each
  const int32_t a = AddRandomConst(g, "a", shape, 1);
  const int32_t b = AddRandomConst(g, "b", shape, 2);
  const int32_t sum = AddValue(g, "sum");
  const int32_t y = AddOutput(g, "y", shape);
  AddNode(g, "sum", "Add", {a, b}, {sum});
  AddNode(g, "add", "Add", {sum, x}, {y});
  ASSERT_TRUE(FoldConstants(g).ok());
  EXPECT_EQ(OpTypes(g), (std::vector<std::string>{"Add"}));
  EXPECT_TRUE(g.tensors[sum].is_constant);
}

TEST(FoldConstants, UnknownOpsAreLeftAlone) {
  model::Graph g;
  const int32_t c = AddConstF32(g, "c", {2}, {1, 2});
  const int32_t y = AddOutput(g, "y", {2});
  AddNode(g, "fancy", "FancyOp", {c}, {y});
  ASSERT_TRUE(FoldConstants(g).ok());
  EXPECT_EQ(OpTypes(g), (std::vector<std::string>{"FancyOp"}));
}

TEST(FoldConstants, DeclaredShapeThatContradictsInferenceIsReported) {
  model::Graph g;
  const int32_t c1 = AddConstF32(g, "c1", {3}, {1, 2, 3});
  const int32_t c2 = AddConstF32(g, "c2", {3}, {1, 2, 3});
  const int32_t k = AddValue(g, "k", {4});
  const int32_t y = AddOutput(g, "y", {4});
  AddNode(g, "sum", "Add", {c1, c2}, {k});
  AddNode(g, "relu", "Relu", {k}, {y});
  Status s = FoldConstants(g);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("'k'"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("[4]"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("[3]"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace mota::converter
