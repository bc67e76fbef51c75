#include <gtest/gtest.h>

#include "converter/src/passes/graph_rewrite.h"
#include "converter/src/passes/pass_test_util.h"
#include "converter/src/passes/passes.h"
#include "exec/activation.h"

namespace mota::converter {
namespace {

using namespace testing;  // NOLINT: test helpers

// BatchNormalization reading `x` with random parameters for `channels` channels; writes `y`.
void AddBatchNorm(model::Graph& g, int32_t x, int32_t y, int64_t channels, uint32_t seed) {
  const int32_t scale = AddRandomConst(g, "bn_scale", {channels}, seed, 0.5f, 2.0f);
  const int32_t bias = AddRandomConst(g, "bn_bias", {channels}, seed + 1);
  const int32_t mean = AddRandomConst(g, "bn_mean", {channels}, seed + 2);
  const int32_t var = AddRandomConst(g, "bn_var", {channels}, seed + 3, 0.1f, 3.0f);
  model::Attributes attrs;
  attrs.SetFloat("epsilon", 1e-3f);
  AddNode(g, "bn", "BatchNormalization", {x, scale, bias, mean, var}, {y}, attrs);
}

// x (N, 4, 5, 5) -> Conv (6 filters, 3x3, pad 1, optional bias, groups) -> BN -> y
model::Graph ConvBnGraph(bool with_bias, int64_t group = 1) {
  model::Graph g;
  const int32_t x = AddInput(g, "x", {-1, 4, 5, 5});
  const int32_t w = AddRandomConst(g, "w", {6, 4 / group, 3, 3}, 11);
  std::vector<int32_t> inputs = {x, w};
  if (with_bias) inputs.push_back(AddRandomConst(g, "b", {6}, 12));
  const int32_t c = AddValue(g, "conv_out", {-1, 6, 5, 5});
  const int32_t y = AddOutput(g, "y", {-1, 6, 5, 5});
  model::Attributes attrs;
  attrs.SetInts("pads", {1, 1, 1, 1});
  attrs.SetInt("group", group);
  AddNode(g, "conv", "Conv", inputs, {c}, attrs);
  AddBatchNorm(g, c, y, 6, 20);
  return g;
}

TEST(FoldBatchNorm, ConvWithBiasAbsorbsTheBatchNorm) {
  model::Graph g = ConvBnGraph(true);
  const model::Graph before = g;
  ASSERT_TRUE(FoldBatchNorm(g).ok());
  ASSERT_EQ(OpTypes(g), (std::vector<std::string>{"Conv"}));
  EXPECT_EQ(g.nodes[0].outputs[0], g.outputs[0]);
  EXPECT_EQ(StaticShapeOf(g, g.nodes[0].inputs[2]), (Shape{6}));
  ExpectSameOutputs(before, g);
}

TEST(FoldBatchNorm, ConvWithoutBiasGetsOne) {
  model::Graph g = ConvBnGraph(false, 2);
  const model::Graph before = g;
  ASSERT_TRUE(FoldBatchNorm(g).ok());
  ASSERT_EQ(OpTypes(g), (std::vector<std::string>{"Conv"}));
  ASSERT_EQ(g.nodes[0].inputs.size(), 3u);
  ExpectSameOutputs(before, g);
}

TEST(FoldBatchNorm, FoldedValuesFollowTheFormula) {
  // W (2, 1, 1, 1) = [1, 2]; s = [2, 3]; B = [0.5, -1]; mean = [1, 2]; var = [3, 3]; eps = 1
  // f = s / sqrt(var + eps) = [1, 1.5]; W' = [1, 3]; b' = (0 - mean) * f + B = [-0.5, -4].
  model::Graph g;
  const int32_t x = AddInput(g, "x", {1, 1, 2, 2});
  const int32_t w = AddConstF32(g, "w", {2, 1, 1, 1}, {1, 2});
  const int32_t c = AddValue(g, "c");
  const int32_t y = AddOutput(g, "y", {1, 2, 2, 2});
  AddNode(g, "conv", "Conv", {x, w}, {c});
  model::Attributes eps;
  eps.SetFloat("epsilon", 1.0f);
  AddNode(g, "bn", "BatchNormalization",
          {c, AddConstF32(g, "s", {2}, {2, 3}), AddConstF32(g, "B", {2}, {0.5f, -1}),
           AddConstF32(g, "mean", {2}, {1, 2}), AddConstF32(g, "var", {2}, {3, 3})},
          {y}, eps);
  ASSERT_TRUE(FoldBatchNorm(g).ok());
  ASSERT_EQ(OpTypes(g), (std::vector<std::string>{"Conv"}));
  EXPECT_EQ(*ConstantAsFloats(g, g.nodes[0].inputs[1]), (std::vector<float>{1, 3}));
  EXPECT_EQ(*ConstantAsFloats(g, g.nodes[0].inputs[2]), (std::vector<float>{-0.5f, -4}));
  // The original weight is untouched (another node could share it).
  EXPECT_EQ(*ConstantAsFloats(g, w), (std::vector<float>{1, 2}));
}

TEST(FoldBatchNorm, ConvOutputReadElsewhereIsNotFolded) {
  model::Graph g = ConvBnGraph(true);
  g.outputs.push_back(g.nodes[0].outputs[0]);
  ASSERT_TRUE(FoldBatchNorm(g).ok());
  EXPECT_EQ(OpTypes(g), (std::vector<std::string>{"Conv", "BatchNormalization"}));
}

TEST(FoldBatchNorm, ConvWithRuntimeWeightsOrAnActivationIsNotFolded) {
  model::Graph g = ConvBnGraph(true);
  g.tensors[g.nodes[0].inputs[1]].is_constant = false;
  g.inputs.push_back(g.nodes[0].inputs[1]);
  ASSERT_TRUE(FoldBatchNorm(g).ok());
  EXPECT_EQ(OpTypes(g), (std::vector<std::string>{"Conv", "BatchNormalization"}));

  model::Graph h = ConvBnGraph(true);
  h.nodes[0].attrs.SetString(exec::kActivationAttr, "Relu");
  ASSERT_TRUE(FoldBatchNorm(h).ok());
  EXPECT_EQ(OpTypes(h), (std::vector<std::string>{"Conv", "BatchNormalization"}));
}

TEST(FoldBatchNorm, BatchNormActivationMovesToTheConv) {
  model::Graph g = ConvBnGraph(true);
  g.nodes[1].attrs.SetString(exec::kActivationAttr, "Relu");
  const model::Graph before = g;
  ASSERT_TRUE(FoldBatchNorm(g).ok());
  ASSERT_EQ(OpTypes(g), (std::vector<std::string>{"Conv"}));
  EXPECT_EQ(g.nodes[0].attrs.GetString(exec::kActivationAttr, ""), "Relu");
  ExpectSameOutputs(before, g);
}

TEST(FoldBatchNorm, GroupedConvTransposeAbsorbsTheBatchNorm) {
  model::Graph g;
  const int32_t x = AddInput(g, "x", {1, 4, 3, 3});
  // C_in 4, group 2, M / group 3 -> M = 6.
  const int32_t w = AddRandomConst(g, "w", {4, 3, 2, 2}, 31);
  const int32_t b = AddRandomConst(g, "b", {6}, 32);
  const int32_t c = AddValue(g, "c");
  const int32_t y = AddOutput(g, "y", {1, 6, 6, 6});
  model::Attributes attrs;
  attrs.SetInt("group", 2);
  attrs.SetInts("strides", {2, 2});
  AddNode(g, "deconv", "ConvTranspose", {x, w, b}, {c}, attrs);
  AddBatchNorm(g, c, y, 6, 40);
  const model::Graph before = g;
  ASSERT_TRUE(FoldBatchNorm(g).ok());
  ASSERT_EQ(OpTypes(g), (std::vector<std::string>{"ConvTranspose"}));
  ExpectSameOutputs(before, g);
}

// x (N, 5) -> Gemm (alpha, beta, bias of `bias_shape`; none when empty) -> BN -> y (N, 4)
model::Graph GemmBnGraph(bool trans_b, const Shape& bias_shape) {
  model::Graph g;
  const int32_t x = AddInput(g, "x", {-1, 5});
  const int32_t w = AddRandomConst(g, "w", trans_b ? Shape{4, 5} : Shape{5, 4}, 51);
  std::vector<int32_t> inputs = {x, w};
  if (!bias_shape.empty()) inputs.push_back(AddRandomConst(g, "c", bias_shape, 52));
  const int32_t z = AddValue(g, "z", {-1, 4});
  const int32_t y = AddOutput(g, "y", {-1, 4});
  model::Attributes attrs;
  attrs.SetInt("transB", trans_b ? 1 : 0);
  attrs.SetFloat("alpha", 0.5f);
  attrs.SetFloat("beta", 2.0f);
  AddNode(g, "gemm", "Gemm", inputs, {z}, attrs);
  AddBatchNorm(g, z, y, 4, 60);
  return g;
}

TEST(FoldBatchNorm, GemmAbsorbsTheBatchNormWithEitherWeightLayout) {
  for (bool trans_b : {true, false}) {
    for (const Shape& bias : {Shape{4}, Shape{1, 4}, Shape{1}, Shape{}}) {
      model::Graph g = GemmBnGraph(trans_b, bias);
      const model::Graph before = g;
      ASSERT_TRUE(FoldBatchNorm(g).ok());
      ASSERT_EQ(OpTypes(g), (std::vector<std::string>{"Gemm"})) << trans_b << ShapeToString(bias);
      EXPECT_FLOAT_EQ(g.nodes[0].attrs.GetFloat("beta", 0), 1.0f);
      ExpectSameOutputs(before, g);
    }
  }
}

TEST(FoldBatchNorm, GemmWithPerRowBiasIsNotFolded) {
  model::Graph g = GemmBnGraph(true, {2, 4});
  ASSERT_TRUE(FoldBatchNorm(g).ok());
  EXPECT_EQ(OpTypes(g), (std::vector<std::string>{"Gemm", "BatchNormalization"}));
}

TEST(FoldBatchNorm, StandaloneBatchNormStays) {
  model::Graph g;
  const int32_t x = AddInput(g, "x", {1, 3, 2, 2});
  const int32_t y = AddOutput(g, "y", {1, 3, 2, 2});
  AddBatchNorm(g, x, y, 3, 70);
  ASSERT_TRUE(FoldBatchNorm(g).ok());
  EXPECT_EQ(OpTypes(g), (std::vector<std::string>{"BatchNormalization"}));
}

}  // namespace
}  // namespace mota::converter
