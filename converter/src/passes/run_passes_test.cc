#include <gtest/gtest.h>

#include "converter/src/passes/graph_rewrite.h"
#include "converter/src/passes/pass_test_util.h"
#include "converter/src/passes/passes.h"
#include "exec/activation.h"

namespace mota::converter {
namespace {

using namespace testing;  // NOLINT: test helpers

int32_t Conv3x3(model::Graph& g, const std::string& name, int32_t x, int64_t cin, int64_t cout,
                uint32_t seed) {
  const int32_t y = AddValue(g, name + "_out");
  model::Attributes attrs;
  attrs.SetInts("pads", {1, 1, 1, 1});
  AddNode(g, name, "Conv",
          {x, AddRandomConst(g, name + "_w", {cout, cin, 3, 3}, seed),
           AddRandomConst(g, name + "_b", {cout}, seed + 1)},
          {y}, attrs);
  return y;
}

int32_t BatchNorm(model::Graph& g, int32_t x, int64_t c, uint32_t seed) {
  const int32_t y = AddValue(g, "bn_out");
  AddNode(
      g, "bn", "BatchNormalization",
      {x, AddRandomConst(g, "s", {c}, seed, 0.5f, 2.0f), AddRandomConst(g, "B", {c}, seed + 1),
       AddRandomConst(g, "m", {c}, seed + 2), AddRandomConst(g, "v", {c}, seed + 3, 0.5f, 2.0f)},
      {y});
  return y;
}

int32_t Unary(model::Graph& g, const std::string& op, int32_t x, std::vector<int32_t> extra = {}) {
  const int32_t y = AddValue(g, op + "_" + std::to_string(g.tensors.size()));
  std::vector<int32_t> inputs = {x};
  inputs.insert(inputs.end(), extra.begin(), extra.end());
  AddNode(g, op, op, inputs, {y});
  return y;
}

int32_t Binary(model::Graph& g, const std::string& op, int32_t a, int32_t b) {
  const int32_t y = AddValue(g, op + "_" + std::to_string(g.tensors.size()));
  AddNode(g, op, op, {a, b}, {y});
  return y;
}

// x * Relu6(x + 3) / 6
int32_t HardSwishPattern(model::Graph& g, int32_t x) {
  const int32_t plus3 = Binary(g, "Add", x, AddConstF32(g, "three", {}, {3}));
  const int32_t r6 =
      Unary(g, "Clip", plus3, {AddConstF32(g, "zero", {}, {0}), AddConstF32(g, "six", {}, {6})});
  const int32_t m = Binary(g, "Mul", x, r6);
  return Binary(g, "Div", m, AddConstF32(g, "six_div", {}, {6}));
}

// A small CNN with everything the passes handle: Identity, Conv + BN + Relu, a HardSwish
// pattern, a classifier head, Identity and a reshape whose target shape comes from Shape.
model::Graph SmallCnn() {
  model::Graph g;
  const int32_t x = AddInput(g, "image", {1, 3, 8, 8});
  int32_t t = Unary(g, "Identity", x);
  t = Conv3x3(g, "conv1", t, 3, 4, 10);
  t = BatchNorm(g, t, 4, 20);
  t = Unary(g, "Relu", t);
  t = Conv3x3(g, "conv2", t, 4, 6, 30);
  t = HardSwishPattern(g, t);
  t = Unary(g, "GlobalAveragePool", t);
  t = Unary(g, "Flatten", t);
  model::Attributes trans_b;
  trans_b.SetInt("transB", 1);
  const int32_t logits = AddValue(g, "fc_out");
  AddNode(g, "fc", "Gemm",
          {t, AddRandomConst(g, "fc_w", {5, 6}, 40), AddRandomConst(g, "fc_b", {5}, 41)}, {logits},
          trans_b);
  t = Unary(g, "Identity", logits);
  // Reshape(t, [Shape(image)[0], -1])
  const int32_t shape = g.AddTensor({"image_shape", DType::kI64});
  AddNode(g, "shape", "Shape", {x}, {shape});
  const int32_t n = g.AddTensor({"batch", DType::kI64});
  AddNode(g, "gather", "Gather", {shape, AddConstI64(g, "idx", {1}, {0})}, {n});
  const int32_t target = g.AddTensor({"target", DType::kI64});
  model::Attributes axis0;
  axis0.SetInt("axis", 0);
  AddNode(g, "concat", "Concat", {n, AddConstI64(g, "rest", {1}, {-1})}, {target}, axis0);
  const int32_t y = AddOutput(g, "scores", {1, 5});
  AddNode(g, "reshape", "Reshape", {t, target}, {y});
  AddRandomConst(g, "orphan", {7}, 99);
  return g;
}

TEST(RunPasses, SmallCnnIsFoldedFusedAndLowered) {
  model::Graph g = SmallCnn();
  ASSERT_TRUE(g.Validate().ok()) << g.Validate().ToString();
  const model::Graph before = g;
  Status s = RunPasses(g);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(OpTypes(g), (std::vector<std::string>{"Conv", "Conv", "GlobalAveragePool", "Conv",
                                                  "Flatten", "Reshape"}));
  EXPECT_EQ(g.nodes[0].attrs.GetString(exec::kActivationAttr, ""), "Relu");
  EXPECT_EQ(g.nodes[1].attrs.GetString(exec::kActivationAttr, ""), "HardSwish");
  EXPECT_EQ(*ConstantAsInts(g, g.nodes[5].inputs[1]), (std::vector<int64_t>{1, -1}));
  EXPECT_EQ(g.FindTensor("orphan"), -1);
  ExpectSameOutputs(before, g);
}

TEST(RunPasses, SameInputGivesTheSameGraph) {
  model::Graph a = SmallCnn();
  model::Graph b = SmallCnn();
  ASSERT_TRUE(RunPasses(a).ok());
  ASSERT_TRUE(RunPasses(b).ok());
  ASSERT_EQ(a.tensors.size(), b.tensors.size());
  for (size_t t = 0; t < a.tensors.size(); ++t) {
    EXPECT_EQ(a.tensors[t].name, b.tensors[t].name);
    EXPECT_EQ(a.tensors[t].dims, b.tensors[t].dims);
    ASSERT_EQ(a.tensors[t].is_constant, b.tensors[t].is_constant);
    if (a.tensors[t].is_constant) {
      const auto x = a.tensors[t].constant.bytes();
      const auto y = b.tensors[t].constant.bytes();
      EXPECT_TRUE(std::equal(x.begin(), x.end(), y.begin(), y.end())) << a.tensors[t].name;
    }
  }
  ASSERT_EQ(a.nodes.size(), b.nodes.size());
  for (size_t n = 0; n < a.nodes.size(); ++n) {
    EXPECT_EQ(a.nodes[n].op_type, b.nodes[n].op_type);
    EXPECT_EQ(a.nodes[n].inputs, b.nodes[n].inputs);
    EXPECT_EQ(a.nodes[n].outputs, b.nodes[n].outputs);
  }
}

TEST(RunPasses, AddReluChainIsFusedAndStillComputesTheSame) {
  model::Graph g;
  const int32_t x = AddInput(g, "x", {-1, 8});
  const int32_t c1 = AddRandomConst(g, "c1", {8}, 1);
  const int32_t c2 = AddRandomConst(g, "c2", {8}, 2);
  const int32_t k = Binary(g, "Add", c1, c2);
  const int32_t s = Binary(g, "Add", x, k);
  const int32_t r = Unary(g, "Relu", s);
  const int32_t y = AddOutput(g, "y", {-1, 8});
  AddNode(g, "out", "Identity", {r}, {y});
  const model::Graph before = g;
  ASSERT_TRUE(RunPasses(g).ok());
  ASSERT_EQ(OpTypes(g), (std::vector<std::string>{"Add"}));
  EXPECT_EQ(g.nodes[0].attrs.GetString(exec::kActivationAttr, ""), "Relu");
  EXPECT_EQ(g.tensors[g.nodes[0].outputs[0]].name, "y");
  EXPECT_EQ(g.tensors.size(), 3u);
  ExpectSameOutputs(before, g, 3, 4);
}

TEST(RunPasses, InvalidInputGraphIsRejectedWithTheReason) {
  model::Graph g;
  const int32_t x = AddInput(g, "x", {2});
  const int32_t a = AddValue(g, "a");
  const int32_t y = AddOutput(g, "y", {2});
  AddNode(g, "second", "Relu", {a}, {y});
  AddNode(g, "first", "Relu", {x}, {a});
  Status s = RunPasses(g);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("'a'"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("topological"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace mota::converter
