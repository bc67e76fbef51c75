// Normalization ops (BatchNormalization, LayerNormalization, InstanceNormalization,
// LpNormalization, LRN) and the softmax family (Softmax, LogSoftmax, Hardmax, with coerce_2d),
// on small hand-checked inputs.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "exec/reference/op_test_util.h"

namespace mota::exec {
namespace {

using testing::MakeF32;
using testing::OpInput;
using testing::RunOp;
using testing::ToFloats;

void ExpectNear(const std::vector<float>& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_NEAR(got[i], want[i], 1e-5f * (1.0f + std::fabs(want[i]))) << "at " << i;
  }
}

TEST(BatchNormalizationOp, PerChannelScaleShiftMeanVar) {
  model::Attributes attrs;
  attrs.SetFloat("epsilon", 0.0f);
  std::vector<OpInput> in;
  in.push_back({MakeF32({1, 2, 1, 2}, {1, 2, 3, 4})});
  in.push_back({MakeF32({2}, {1, 2}), true});  // scale
  in.push_back({MakeF32({2}, {0, 1}), true});  // B
  in.push_back({MakeF32({2}, {1, 3}), true});  // mean
  in.push_back({MakeF32({2}, {4, 1}), true});  // var
  auto out = RunOp("BatchNormalization", attrs, std::move(in));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectNear(ToFloats((*out)[0]), {0, 0.5f, 1, 3});
}

TEST(BatchNormalizationOp, ParameterOfWrongLengthIsAnError) {
  std::vector<OpInput> in;
  in.push_back({MakeF32({1, 2, 2}, {1, 2, 3, 4})});
  for (int i = 0; i < 4; ++i) in.push_back({MakeF32({3}, {1, 1, 1}), true});
  auto out = RunOp("BatchNormalization", {}, std::move(in));
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("scale"), std::string::npos) << out.status().message();
}

TEST(LayerNormalizationOp, LastAxisWithMeanAndInvStdDevOutputs) {
  model::Attributes attrs;
  attrs.SetFloat("epsilon", 0.0f);
  std::vector<OpInput> in;
  in.push_back({MakeF32({2, 2}, {1, 3, 2, 6})});
  in.push_back({MakeF32({2}, {1, 2}), true});
  in.push_back({MakeF32({2}, {0, 1}), true});
  auto out = RunOp("LayerNormalization", attrs, std::move(in), 3);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectNear(ToFloats((*out)[0]), {-1, 3, -1, 3});
  EXPECT_EQ((*out)[1].shape(), (Shape{2, 1}));
  ExpectNear(ToFloats((*out)[1]), {2, 4});
  ExpectNear(ToFloats((*out)[2]), {1, 0.5f});
}

TEST(LayerNormalizationOp, AxisZeroNormalizesEverythingWithoutBias) {
  model::Attributes attrs;
  attrs.SetInt("axis", 0);
  attrs.SetFloat("epsilon", 0.0f);
  std::vector<OpInput> in;
  in.push_back({MakeF32({2, 2}, {1, 3, 2, 6})});
  in.push_back({MakeF32({2, 2}, {1, 1, 1, 1}), true});
  auto out = RunOp("LayerNormalization", attrs, std::move(in));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const float inv = 1.0f / std::sqrt(3.5f);  // mean 3, variance (4 + 0 + 1 + 9) / 4
  ExpectNear(ToFloats((*out)[0]), {-2 * inv, 0, -1 * inv, 3 * inv});
}

TEST(LayerNormalizationOp, ScaleBroadcastsOverTheNormalizedDims) {
  model::Attributes attrs;
  attrs.SetInt("axis", 1);
  attrs.SetFloat("epsilon", 0.0f);
  std::vector<OpInput> in;
  in.push_back({MakeF32({1, 2, 2}, {1, 3, 5, 7})});  // mean 4, variance 5
  in.push_back({MakeF32({2}, {1, 10}), true});       // broadcast over [2, 2]
  auto out = RunOp("LayerNormalization", attrs, std::move(in));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const float inv = 1.0f / std::sqrt(5.0f);
  ExpectNear(ToFloats((*out)[0]), {-3 * inv, -10 * inv, 1 * inv, 30 * inv});
}

TEST(InstanceNormalizationOp, PerPlaneStatistics) {
  model::Attributes attrs;
  attrs.SetFloat("epsilon", 0.0f);
  std::vector<OpInput> in;
  in.push_back({MakeF32({1, 2, 2}, {1, 3, 2, 6})});
  in.push_back({MakeF32({2}, {1, 2}), true});
  in.push_back({MakeF32({2}, {0, 1}), true});
  auto out = RunOp("InstanceNormalization", attrs, std::move(in));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectNear(ToFloats((*out)[0]), {-1, 1, -1, 3});
}

TEST(LpNormalizationOp, L2AlongLastAxisAndL1AlongFirst) {
  std::vector<OpInput> in;
  in.push_back({MakeF32({2, 2}, {3, 4, 0, 0})});
  auto l2 = RunOp("LpNormalization", {}, std::move(in));
  ASSERT_TRUE(l2.ok()) << l2.status().ToString();
  ExpectNear(ToFloats((*l2)[0]), {0.6f, 0.8f, 0, 0});
  model::Attributes attrs;
  attrs.SetInt("axis", 0);
  attrs.SetInt("p", 1);
  std::vector<OpInput> in1;
  in1.push_back({MakeF32({2, 2}, {1, 3, 1, 1})});
  auto l1 = RunOp("LpNormalization", attrs, std::move(in1));
  ASSERT_TRUE(l1.ok()) << l1.status().ToString();
  ExpectNear(ToFloats((*l1)[0]), {0.5f, 0.75f, 0.5f, 0.25f});
}

TEST(LrnOp, OddAndEvenWindowSizes) {
  model::Attributes attrs;
  attrs.SetInt("size", 3);
  attrs.SetFloat("alpha", 3.0f);  // alpha / size = 1
  attrs.SetFloat("beta", 1.0f);
  attrs.SetFloat("bias", 1.0f);
  std::vector<OpInput> in;
  in.push_back({MakeF32({1, 3, 1, 1}, {1, 2, 3})});
  auto odd = RunOp("LRN", attrs, std::move(in));
  ASSERT_TRUE(odd.ok()) << odd.status().ToString();
  ExpectNear(ToFloats((*odd)[0]), {1.0f / 6, 2.0f / 15, 3.0f / 14});
  // size 2: the window is [c, c + 1].
  attrs.SetInt("size", 2);
  attrs.SetFloat("alpha", 2.0f);
  std::vector<OpInput> in2;
  in2.push_back({MakeF32({1, 3, 1, 1}, {1, 2, 3})});
  auto even = RunOp("LRN", attrs, std::move(in2));
  ASSERT_TRUE(even.ok()) << even.status().ToString();
  ExpectNear(ToFloats((*even)[0]), {1.0f / 6, 2.0f / 14, 3.0f / 10});
}

Result<std::vector<HostTensor>> Run1(const std::string& op, const model::Attributes& attrs,
                                     Shape shape, const std::vector<float>& x) {
  std::vector<OpInput> in;
  in.push_back({MakeF32(std::move(shape), x)});
  return RunOp(op, attrs, std::move(in));
}

std::vector<float> SoftmaxOf(const std::vector<float>& x) {
  float sum = 0;
  for (float v : x) sum += std::exp(v);
  std::vector<float> y;
  for (float v : x) y.push_back(std::exp(v) / sum);
  return y;
}

TEST(SoftmaxOps, DefaultAxisIsTheLast) {
  auto out = Run1("Softmax", {}, {2, 3}, {1, 2, 3, 0, 0, 0});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  std::vector<float> want = SoftmaxOf({1, 2, 3});
  want.insert(want.end(), 3, 1.0f / 3);
  ExpectNear(ToFloats((*out)[0]), want);
}

TEST(SoftmaxOps, AxisZeroRunsDownColumns) {
  model::Attributes attrs;
  attrs.SetInt("axis", 0);
  auto out = Run1("Softmax", attrs, {2, 2}, {1, 5, 3, 5});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const std::vector<float> col = SoftmaxOf({1, 3});
  ExpectNear(ToFloats((*out)[0]), {col[0], 0.5f, col[1], 0.5f});
}

// coerce_2d: [2, 2, 2] at axis 1 is a [2, 4] matrix; each row of 4 sums to 1.
TEST(SoftmaxOps, Coerce2dNormalizesTheFlattenedTail) {
  model::Attributes attrs;
  attrs.SetInt("coerce_2d", 1);
  const std::vector<float> x = {1, 2, 3, 4, 0, 0, 0, 0};
  auto out = Run1("Softmax", attrs, {2, 2, 2}, x);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  std::vector<float> want = SoftmaxOf({1, 2, 3, 4});
  want.insert(want.end(), 4, 0.25f);
  ExpectNear(ToFloats((*out)[0]), want);
  attrs.SetInt("axis", 0);  // the whole tensor is one row
  auto all = Run1("Softmax", attrs, {2, 2, 2}, x);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ExpectNear(ToFloats((*all)[0]), SoftmaxOf(x));
  auto hard = Run1("Hardmax", attrs, {2, 2, 2}, x);
  ASSERT_TRUE(hard.ok()) << hard.status().ToString();
  EXPECT_EQ(ToFloats((*hard)[0]), (std::vector<float>{0, 0, 0, 1, 0, 0, 0, 0}));
}

TEST(SoftmaxOps, LogSoftmaxIsStableForLargeInputs) {
  auto out = Run1("LogSoftmax", {}, {1, 3}, {1000, 1001, 1002});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const float lse = std::log(std::exp(-2.0f) + std::exp(-1.0f) + 1.0f);
  ExpectNear(ToFloats((*out)[0]), {-2 - lse, -1 - lse, -lse});
  auto soft = Run1("Softmax", {}, {1, 2}, {1000, 1000});
  ASSERT_TRUE(soft.ok()) << soft.status().ToString();
  ExpectNear(ToFloats((*soft)[0]), {0.5f, 0.5f});
}

TEST(SoftmaxOps, HardmaxPicksTheFirstMaximum) {
  auto out = Run1("Hardmax", {}, {2, 3}, {3, 1, 3, 0, 2, 1});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{1, 0, 0, 0, 1, 0}));
  model::Attributes attrs;
  attrs.SetInt("axis", 0);
  auto cols = Run1("Hardmax", attrs, {2, 3}, {3, 1, 3, 0, 2, 1});
  ASSERT_TRUE(cols.ok()) << cols.status().ToString();
  EXPECT_EQ(ToFloats((*cols)[0]), (std::vector<float>{1, 0, 1, 0, 1, 0}));
}

TEST(SoftmaxOps, AxisOutOfRangeIsAnError) {
  model::Attributes attrs;
  attrs.SetInt("axis", 2);
  auto out = Run1("Softmax", attrs, {2, 3}, {1, 2, 3, 4, 5, 6});
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("axis 2"), std::string::npos) << out.status().message();
}

}  // namespace
}  // namespace mota::exec
