// Tests for Slice (negative steps, clamping), Gather / GatherElements (negative indices) and
// Pad (constant, reflect, edge, wrap, negative pads, axes).
#include <gtest/gtest.h>

#include <limits>
#include <numeric>

#include "exec/reference/op_test_util.h"

namespace mota::exec {
namespace {

using testing::MakeF32;
using testing::MakeI32;
using testing::MakeI64;
using testing::MakeU8;
using testing::OpInput;
using testing::RunOp;
using testing::ToFloats;
using testing::ToInts;

std::vector<float> Iota(int n) {
  std::vector<float> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), 0.0f);
  return v;
}

// Slice of `data` with constant starts/ends and optional axes/steps (empty: omitted).
Result<std::vector<HostTensor>> RunSlice(HostTensor data, const std::vector<int64_t>& starts,
                                         const std::vector<int64_t>& ends,
                                         const std::vector<int64_t>& axes = {},
                                         const std::vector<int64_t>& steps = {}) {
  const int64_t n = static_cast<int64_t>(starts.size());
  std::vector<OpInput> in;
  in.push_back({std::move(data)});
  in.push_back({MakeI64({n}, starts), true});
  in.push_back({MakeI64({static_cast<int64_t>(ends.size())}, ends), true});
  in.push_back(
      {axes.empty() ? HostTensor() : MakeI64({static_cast<int64_t>(axes.size())}, axes), true});
  in.push_back(
      {steps.empty() ? HostTensor() : MakeI64({static_cast<int64_t>(steps.size())}, steps), true});
  return RunOp("Slice", {}, std::move(in));
}

TEST(SliceOp, DefaultAxesAndSteps) {
  auto out = RunSlice(MakeF32({2, 4}, Iota(8)), {1, 0}, {2, 3});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)[0].shape(), (Shape{1, 3}));
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{4, 5, 6}));
}

TEST(SliceOp, NegativeStepReversesWithClamping) {
  // ONNX slice_neg_steps: starts 20 clamps to dim-1, ends -1000 clamps to -1 (take all).
  auto out = RunSlice(MakeF32({5}, Iota(5)), {20}, {-1000}, {0}, {-1});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{4, 3, 2, 1, 0}));
  out = RunSlice(MakeF32({2, 5}, Iota(10)), {-1, 0}, {-4, 3}, {1, 0}, {-2, 1});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)[0].shape(), (Shape{2, 2}));
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{4, 2, 9, 7}));
}

TEST(SliceOp, HugeAndNegativeBoundsClamp) {
  const int64_t big = std::numeric_limits<int64_t>::max();
  auto out = RunSlice(MakeF32({3, 4}, Iota(12)), {-2, -big}, {big, -1}, {-2, -1}, {1, 2});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)[0].shape(), (Shape{2, 2}));
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{4, 6, 8, 10}));
  out = RunSlice(MakeF32({4}, Iota(4)), {3}, {1});  // start after end: empty
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)[0].shape(), (Shape{0}));
  out = RunSlice(MakeF32({4}, Iota(4)), {-1}, {-big}, {0}, {-big});  // huge negative step
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{3}));
}

TEST(SliceOp, ZeroStepIsRejected) {
  auto out = RunSlice(MakeF32({4}, Iota(4)), {0}, {4}, {0}, {0});
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("step for axis 0 is 0"), std::string::npos)
      << out.status().message();
}

TEST(SliceOp, Int32StartsWork) {
  std::vector<OpInput> in;
  in.push_back({MakeU8({4}, {1, 2, 3, 4})});
  in.push_back({MakeI32({1}, {1}), true});
  in.push_back({MakeI32({1}, {3}), true});
  auto out = RunOp("Slice", {}, std::move(in));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(ToInts((*out)[0]), (std::vector<int64_t>{2, 3}));
}

TEST(GatherOp, NegativeIndicesOnAxisOne) {
  model::Attributes a;
  a.SetInt("axis", 1);
  std::vector<OpInput> in;
  in.push_back({MakeF32({2, 3}, Iota(6))});
  in.push_back({MakeI32({2, 2}, {0, -1, -3, 1})});
  auto out = RunOp("Gather", a, std::move(in));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)[0].shape(), (Shape{2, 2, 2}));
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{0, 2, 0, 1, 3, 5, 3, 4}));
}

TEST(GatherOp, ScalarIndexDropsTheAxis) {
  std::vector<OpInput> in;
  in.push_back({MakeI64({3, 2}, {1, 2, 3, 4, 5, 6})});
  in.push_back({MakeI64({}, {-1}), true});
  auto out = RunOp("Gather", {}, std::move(in));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)[0].shape(), (Shape{2}));
  EXPECT_EQ(ToInts((*out)[0]), (std::vector<int64_t>{5, 6}));
}

TEST(GatherOp, OutOfRangeIndexIsNamed) {
  std::vector<OpInput> in;
  in.push_back({MakeF32({3}, Iota(3))});
  in.push_back({MakeI64({1}, {3})});
  auto out = RunOp("Gather", {}, std::move(in));
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("index 3"), std::string::npos) << out.status().message();
}

TEST(GatherElementsOp, NegativeIndicesAndAxis) {
  // ONNX gather_elements_negative_indices: axis 0.
  std::vector<OpInput> in;
  in.push_back({MakeF32({3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9})});
  in.push_back({MakeI64({2, 3}, {-1, -2, 0, -2, 0, 0})});
  auto out = RunOp("GatherElements", {}, std::move(in));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{7, 5, 3, 4, 2, 3}));
  model::Attributes a;
  a.SetInt("axis", -1);
  in.clear();
  in.push_back({MakeF32({2, 2}, {1, 2, 3, 4})});
  in.push_back({MakeI64({2, 2}, {0, 0, 1, 0})});
  out = RunOp("GatherElements", a, std::move(in));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{1, 1, 4, 3}));
}

Result<std::vector<HostTensor>> RunPad(const std::string& mode, HostTensor data,
                                       const std::vector<int64_t>& pads, HostTensor value = {},
                                       const std::vector<int64_t>& axes = {}) {
  model::Attributes a;
  a.SetString("mode", mode);
  std::vector<OpInput> in;
  in.push_back({std::move(data)});
  in.push_back({MakeI64({static_cast<int64_t>(pads.size())}, pads), true});
  in.push_back({std::move(value), true});
  if (!axes.empty()) in.push_back({MakeI64({static_cast<int64_t>(axes.size())}, axes), true});
  return RunOp("Pad", a, std::move(in));
}

TEST(PadOp, ConstantWithValue) {
  auto out = RunPad("constant", MakeF32({2, 2}, {1, 2, 3, 4}), {1, 0, 0, 2}, MakeF32({}, {9}));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)[0].shape(), (Shape{3, 4}));
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{9, 9, 9, 9, 1, 2, 9, 9, 3, 4, 9, 9}));
}

TEST(PadOp, ReflectMatchesNumpy) {
  // ONNX reflect_pad: np.pad([[1, 1.2], [2.3, 3.4], [4.5, 5.7]], ((0, 0), (2, 0)), 'reflect').
  auto out = RunPad("reflect", MakeF32({3, 2}, {1, 1.2f, 2.3f, 3.4f, 4.5f, 5.7f}), {0, 2, 0, 0});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(ToFloats((*out)[0]),
            (std::vector<float>{1, 1.2f, 1, 1.2f, 2.3f, 3.4f, 2.3f, 3.4f, 4.5f, 5.7f, 4.5f, 5.7f}));
  // Pads longer than the dim keep mirroring: np.pad([0, 1, 2], 5, 'reflect').
  out = RunPad("reflect", MakeF32({3}, {0, 1, 2}), {5, 5});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{1, 0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1}));
}

TEST(PadOp, EdgeAndWrap) {
  auto out = RunPad("edge", MakeF32({2, 2}, {1, 2, 3, 4}), {1, 1, 0, 2});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{1, 1, 2, 2, 2, 1, 1, 2, 2, 2, 3, 3, 4, 4, 4}));
  out = RunPad("wrap", MakeF32({3}, {1, 2, 3}), {2, 4});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{2, 3, 1, 2, 3, 1, 2, 3, 1}));
}

TEST(PadOp, NegativePadsCropAndAxesSelectDims) {
  auto out = RunPad("constant", MakeF32({2, 4}, Iota(8)), {-1, 1}, {}, {-1});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)[0].shape(), (Shape{2, 4}));
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{1, 2, 3, 0, 5, 6, 7, 0}));
}

TEST(PadOp, WrongPadsLengthIsRejected) {
  auto out = RunPad("constant", MakeF32({2, 2}, {1, 2, 3, 4}), {1, 1});
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("must have 4 values"), std::string::npos)
      << out.status().message();
}

}  // namespace
}  // namespace mota::exec
