// Reduce* and ArgMax / ArgMin: keepdims, default / empty / negative / non-adjacent axes,
// noop_with_empty_axes, integer dtypes and empty reductions.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "exec/reference/op_test_util.h"

namespace mota::exec {
namespace {

using testing::MakeF32;
using testing::MakeI32;
using testing::MakeI64;
using testing::OpInput;
using testing::RunOp;
using testing::ToFloats;
using testing::ToInts;

// [3, 2, 2]: 1..12 (the ONNX docs' example).
const std::vector<float> kData = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

Result<std::vector<HostTensor>> Reduce(const std::string& op, Shape shape,
                                       const std::vector<float>& data,
                                       const std::vector<int64_t>* axes, int keepdims = 1,
                                       int noop = 0) {
  model::Attributes attrs;
  attrs.SetInt("keepdims", keepdims);
  if (noop) attrs.SetInt("noop_with_empty_axes", 1);
  std::vector<OpInput> in;
  in.push_back({MakeF32(std::move(shape), data)});
  if (axes != nullptr) in.push_back({MakeI64({static_cast<int64_t>(axes->size())}, *axes), true});
  return RunOp(op, attrs, std::move(in));
}

void ExpectNear(const std::vector<float>& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isinf(want[i])) {
      EXPECT_EQ(got[i], want[i]) << "at " << i;
    } else {
      EXPECT_NEAR(got[i], want[i], 1e-4f * (1.0f + std::fabs(want[i]))) << "at " << i;
    }
  }
}

TEST(ReduceOps, SumKeepdimsOneAndZero) {
  const std::vector<int64_t> axes = {1};
  auto keep = Reduce("ReduceSum", {3, 2, 2}, kData, &axes, 1);
  ASSERT_TRUE(keep.ok()) << keep.status().ToString();
  EXPECT_EQ((*keep)[0].shape(), (Shape{3, 1, 2}));
  EXPECT_EQ(ToFloats((*keep)[0]), (std::vector<float>{4, 6, 12, 14, 20, 22}));
  auto drop = Reduce("ReduceSum", {3, 2, 2}, kData, &axes, 0);
  ASSERT_TRUE(drop.ok()) << drop.status().ToString();
  EXPECT_EQ((*drop)[0].shape(), (Shape{3, 2}));
  EXPECT_EQ(ToFloats((*drop)[0]), (std::vector<float>{4, 6, 12, 14, 20, 22}));
}

TEST(ReduceOps, NegativeAxesCountFromTheEnd) {
  const std::vector<int64_t> axes = {-2};
  auto out = Reduce("ReduceMean", {3, 2, 2}, kData, &axes, 1);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)[0].shape(), (Shape{3, 1, 2}));
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{2, 3, 6, 7, 10, 11}));
}

TEST(ReduceOps, NoAxesReducesEverything) {
  auto keep = Reduce("ReduceSum", {3, 2, 2}, kData, nullptr, 1);
  ASSERT_TRUE(keep.ok()) << keep.status().ToString();
  EXPECT_EQ((*keep)[0].shape(), (Shape{1, 1, 1}));
  EXPECT_EQ(ToFloats((*keep)[0]), (std::vector<float>{78}));
  const std::vector<int64_t> empty;
  auto drop = Reduce("ReduceMax", {3, 2, 2}, kData, &empty, 0);
  ASSERT_TRUE(drop.ok()) << drop.status().ToString();
  EXPECT_EQ((*drop)[0].shape(), (Shape{}));
  EXPECT_EQ(ToFloats((*drop)[0]), (std::vector<float>{12}));
}

// noop_with_empty_axes: every output comes from one element (ONNX reference semantics).
TEST(ReduceOps, EmptyAxesWithNoopReduceNothing) {
  const std::vector<int64_t> empty;
  auto sum = Reduce("ReduceSum", {3, 2, 2}, kData, &empty, 1, /*noop=*/1);
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  EXPECT_EQ((*sum)[0].shape(), (Shape{3, 2, 2}));
  EXPECT_EQ(ToFloats((*sum)[0]), kData);
  auto sq = Reduce("ReduceSumSquare", {2}, {-3, 2}, nullptr, 1, /*noop=*/1);
  ASSERT_TRUE(sq.ok()) << sq.status().ToString();
  EXPECT_EQ(ToFloats((*sq)[0]), (std::vector<float>{9, 4}));
}

TEST(ReduceOps, NonAdjacentAxes) {
  const std::vector<int64_t> axes = {0, 2};
  auto out = Reduce("ReduceSum", {3, 2, 2}, kData, &axes, 1);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)[0].shape(), (Shape{1, 2, 1}));
  // Row 0 of each block: 1+2+5+6+9+10; row 1: 3+4+7+8+11+12.
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{33, 45}));
}

TEST(ReduceOps, EveryFloatReducerAlongTheLastAxis) {
  const std::vector<float> x = {1, -2, 3, 4, 5, -6};
  const std::vector<int64_t> axes = {1};
  const struct {
    const char* op;
    std::vector<float> want;
  } cases[] = {
      {"ReduceSum", {2, 3}},
      {"ReduceMean", {2.0f / 3, 1}},
      {"ReduceMax", {3, 5}},
      {"ReduceMin", {-2, -6}},
      {"ReduceProd", {-6, -120}},
      {"ReduceL1", {6, 15}},
      {"ReduceL2", {std::sqrt(14.0f), std::sqrt(77.0f)}},
      {"ReduceSumSquare", {14, 77}},
      {"ReduceLogSumExp",
       {std::log(std::exp(1.0f) + std::exp(-2.0f) + std::exp(3.0f)),
        std::log(std::exp(4.0f) + std::exp(5.0f) + std::exp(-6.0f))}},
  };
  for (const auto& c : cases) {
    auto out = Reduce(c.op, {2, 3}, x, &axes, 0);
    ASSERT_TRUE(out.ok()) << c.op << ": " << out.status().ToString();
    EXPECT_EQ((*out)[0].shape(), (Shape{2})) << c.op;
    SCOPED_TRACE(c.op);
    ExpectNear(ToFloats((*out)[0]), c.want);
  }
  auto log_sum = Reduce("ReduceLogSum", {2, 2}, {1, 2, 3, 4}, &axes, 0);
  ASSERT_TRUE(log_sum.ok()) << log_sum.status().ToString();
  ExpectNear(ToFloats((*log_sum)[0]), {std::log(3.0f), std::log(7.0f)});
}

TEST(ReduceOps, LogSumExpIsStableForLargeInputs) {
  const std::vector<int64_t> axes = {0};
  auto out = Reduce("ReduceLogSumExp", {2}, {1000, 1000}, &axes, 0);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectNear(ToFloats((*out)[0]), {1000.0f + std::log(2.0f)});
}

TEST(ReduceOps, EmptySetGivesTheIdentity) {
  const std::vector<int64_t> axes = {1};
  const float inf = std::numeric_limits<float>::infinity();
  const struct {
    const char* op;
    float want;
  } cases[] = {{"ReduceSum", 0},   {"ReduceProd", 1},      {"ReduceMax", -inf},
               {"ReduceMin", inf}, {"ReduceLogSum", -inf}, {"ReduceLogSumExp", -inf},
               {"ReduceL2", 0},    {"ReduceSumSquare", 0}};
  for (const auto& c : cases) {
    auto out = Reduce(c.op, {2, 0}, {}, &axes, 1);
    ASSERT_TRUE(out.ok()) << c.op << ": " << out.status().ToString();
    EXPECT_EQ((*out)[0].shape(), (Shape{2, 1})) << c.op;
    EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{c.want, c.want})) << c.op;
  }
  auto mean = Reduce("ReduceMean", {2, 0}, {}, &axes, 1);
  ASSERT_TRUE(mean.ok()) << mean.status().ToString();
  EXPECT_TRUE(std::isnan(ToFloats((*mean)[0])[0]));
}

TEST(ReduceOps, IntegerSumMaxMinProd) {
  const std::vector<int64_t> axes = {0};
  for (const char* op : {"ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd"}) {
    std::vector<OpInput> in;
    in.push_back({MakeI64({3}, {int64_t{1} << 40, -2, 3})});
    in.push_back({MakeI64({1}, axes), true});
    auto out = RunOp(op, {}, std::move(in));
    ASSERT_TRUE(out.ok()) << op << ": " << out.status().ToString();
    EXPECT_EQ((*out)[0].dtype(), DType::kI64);
    const int64_t big = int64_t{1} << 40;
    const int64_t want = std::string(op) == "ReduceSum"   ? big + 1
                         : std::string(op) == "ReduceMax" ? big
                         : std::string(op) == "ReduceMin" ? -2
                                                          : -6 * big;
    EXPECT_EQ(ToInts((*out)[0]), (std::vector<int64_t>{want})) << op;
  }
  std::vector<OpInput> in;
  in.push_back({MakeI32({2, 2}, {1, 2, 3, 4})});
  auto sum = RunOp("ReduceSum", {}, std::move(in));
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  EXPECT_EQ((*sum)[0].dtype(), DType::kI32);
  EXPECT_EQ(ToInts((*sum)[0]), (std::vector<int64_t>{10}));
}

TEST(ReduceOps, BadAxesAreErrors) {
  const std::vector<int64_t> out_of_range = {3};
  auto a = Reduce("ReduceSum", {3, 2, 2}, kData, &out_of_range);
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("axis 3"), std::string::npos) << a.status().message();
  const std::vector<int64_t> twice = {1, -2};
  auto b = Reduce("ReduceSum", {3, 2, 2}, kData, &twice);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("twice"), std::string::npos) << b.status().message();
}

// Axes fed as a graph input (not a constant): the session plans with their value.
TEST(ReduceOps, AxesFedAsAGraphInputAreUsed) {
  std::vector<OpInput> in;
  in.push_back({MakeF32({3, 2, 2}, kData)});
  in.push_back({MakeI64({1}, {1}), /*constant=*/false});
  auto out = RunOp("ReduceSum", {}, std::move(in));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)[0].shape(), (Shape{3, 1, 2}));
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{4, 6, 12, 14, 20, 22}));
}

Result<std::vector<HostTensor>> Arg(const std::string& op, const model::Attributes& attrs,
                                    Shape shape, const std::vector<float>& data) {
  std::vector<OpInput> in;
  in.push_back({MakeF32(std::move(shape), data)});
  return RunOp(op, attrs, std::move(in));
}

TEST(ArgReduceOps, ArgMaxKeepdimsAndSelectLastIndex) {
  model::Attributes attrs;
  attrs.SetInt("axis", 1);
  auto first = Arg("ArgMax", attrs, {2, 3}, {2, 2, 1, 1, 3, 3});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ((*first)[0].dtype(), DType::kI64);
  EXPECT_EQ((*first)[0].shape(), (Shape{2, 1}));
  EXPECT_EQ(ToInts((*first)[0]), (std::vector<int64_t>{0, 1}));
  attrs.SetInt("select_last_index", 1);
  attrs.SetInt("keepdims", 0);
  auto last = Arg("ArgMax", attrs, {2, 3}, {2, 2, 1, 1, 3, 3});
  ASSERT_TRUE(last.ok()) << last.status().ToString();
  EXPECT_EQ((*last)[0].shape(), (Shape{2}));
  EXPECT_EQ(ToInts((*last)[0]), (std::vector<int64_t>{1, 2}));
}

TEST(ArgReduceOps, ArgMinDefaultAxisZeroAndNegativeAxis) {
  auto def = Arg("ArgMin", {}, {2, 2}, {2, 1, 3, 0});
  ASSERT_TRUE(def.ok()) << def.status().ToString();
  EXPECT_EQ((*def)[0].shape(), (Shape{1, 2}));
  EXPECT_EQ(ToInts((*def)[0]), (std::vector<int64_t>{0, 1}));
  model::Attributes attrs;
  attrs.SetInt("axis", -1);
  auto neg = Arg("ArgMin", attrs, {2, 2}, {2, 1, 3, 0});
  ASSERT_TRUE(neg.ok()) << neg.status().ToString();
  EXPECT_EQ(ToInts((*neg)[0]), (std::vector<int64_t>{1, 1}));
}

}  // namespace
}  // namespace mota::exec
