// MaxPool, AveragePool, LpPool and the global pools against hand-checked values (many from the
// ONNX operator docs).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "exec/reference/op_test_util.h"

namespace mota::exec {
namespace {

using testing::MakeF32;
using testing::MakeU8;
using testing::OpInput;
using testing::RunOp;
using testing::ToFloats;
using testing::ToInts;

// 1, 2, ..., n.
std::vector<float> Count(int64_t n) {
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = static_cast<float>(i + 1);
  return v;
}

Result<std::vector<HostTensor>> Pool(const std::string& op, const model::Attributes& attrs,
                                     Shape shape, std::vector<float> values, int outputs = 1) {
  std::vector<OpInput> in;
  in.push_back({MakeF32(std::move(shape), values)});
  return RunOp(op, attrs, std::move(in), outputs);
}

void ExpectNear(const std::vector<float>& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-4f) << "at " << i;
}

TEST(MaxPoolOp, PadsKeepTheWindowInsideTheInput) {
  model::Attributes attrs;
  attrs.SetInts("kernel_shape", {5, 5});
  attrs.SetInts("pads", {2, 2, 2, 2});
  auto out = Pool("MaxPool", attrs, {1, 1, 5, 5}, Count(25));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)[0].shape(), (Shape{1, 1, 5, 5}));
  EXPECT_EQ(ToFloats((*out)[0]),
            (std::vector<float>{13, 14, 15, 15, 15, 18, 19, 20, 20, 20, 23, 24, 25,
                                25, 25, 23, 24, 25, 25, 25, 23, 24, 25, 25, 25}));
}

TEST(MaxPoolOp, CeilModeRoundsTheOutputUp) {
  model::Attributes attrs;
  attrs.SetInts("kernel_shape", {3, 3});
  attrs.SetInts("strides", {2, 2});
  attrs.SetInt("ceil_mode", 1);
  auto out = Pool("MaxPool", attrs, {1, 1, 4, 4}, Count(16));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)[0].shape(), (Shape{1, 1, 2, 2}));
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{11, 12, 15, 16}));
  attrs.SetInt("ceil_mode", 0);
  auto floor = Pool("MaxPool", attrs, {1, 1, 4, 4}, Count(16));
  ASSERT_TRUE(floor.ok()) << floor.status().ToString();
  EXPECT_EQ(ToFloats((*floor)[0]), (std::vector<float>{11}));
}

// A ceil-mode window that would start inside the end padding is dropped.
TEST(MaxPoolOp, CeilModeDropsAWindowStartingInTheEndPadding) {
  model::Attributes attrs;
  attrs.SetInts("kernel_shape", {2});
  attrs.SetInts("strides", {2});
  attrs.SetInts("pads", {0, 1});
  attrs.SetInt("ceil_mode", 1);
  auto out = Pool("MaxPool", attrs, {1, 1, 6}, Count(6));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)[0].shape(), (Shape{1, 1, 3}));
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{2, 4, 6}));
}

TEST(MaxPoolOp, Dilations) {
  model::Attributes attrs;
  attrs.SetInts("kernel_shape", {2, 2});
  attrs.SetInts("dilations", {2, 2});
  auto out = Pool("MaxPool", attrs, {1, 1, 4, 4}, Count(16));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{11, 12, 15, 16}));
}

TEST(MaxPoolOp, IndicesRowMajorAndColumnMajor) {
  model::Attributes attrs;
  attrs.SetInts("kernel_shape", {2, 2});
  attrs.SetInts("strides", {2, 2});
  auto row = Pool("MaxPool", attrs, {1, 1, 5, 5}, Count(25), 2);
  ASSERT_TRUE(row.ok()) << row.status().ToString();
  EXPECT_EQ(ToFloats((*row)[0]), (std::vector<float>{7, 9, 17, 19}));
  EXPECT_EQ((*row)[1].dtype(), DType::kI64);
  EXPECT_EQ(ToInts((*row)[1]), (std::vector<int64_t>{6, 8, 16, 18}));
  attrs.SetInt("storage_order", 1);
  auto col = Pool("MaxPool", attrs, {1, 1, 5, 5}, Count(25), 2);
  ASSERT_TRUE(col.ok()) << col.status().ToString();
  EXPECT_EQ(ToInts((*col)[1]), (std::vector<int64_t>{6, 16, 8, 18}));
}

TEST(MaxPoolOp, IndicesCountBatchAndChannelOffsets) {
  model::Attributes attrs;
  attrs.SetInts("kernel_shape", {2, 2});
  auto out = Pool("MaxPool", attrs, {2, 1, 2, 2}, {1, 4, 2, 3, 9, 5, 6, 7}, 2);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{4, 9}));
  EXPECT_EQ(ToInts((*out)[1]), (std::vector<int64_t>{1, 4}));
}

TEST(MaxPoolOp, SameUpperPadsAtTheEnd) {
  model::Attributes attrs;
  attrs.SetInts("kernel_shape", {2});
  attrs.SetString("auto_pad", "SAME_UPPER");
  auto out = Pool("MaxPool", attrs, {1, 1, 4}, {4, 1, 3, 2});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{4, 3, 3, 2}));
  attrs.SetString("auto_pad", "SAME_LOWER");
  auto lower = Pool("MaxPool", attrs, {1, 1, 4}, {4, 1, 3, 2});
  ASSERT_TRUE(lower.ok()) << lower.status().ToString();
  EXPECT_EQ(ToFloats((*lower)[0]), (std::vector<float>{4, 4, 3, 3}));
}

TEST(MaxPoolOp, ThreeDimensionalAndUint8) {
  model::Attributes attrs;
  attrs.SetInts("kernel_shape", {2, 2, 2});
  auto out = Pool("MaxPool", attrs, {1, 1, 2, 2, 2}, Count(8));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{8}));
  model::Attributes attrs2;
  attrs2.SetInts("kernel_shape", {2, 2});
  std::vector<OpInput> in;
  in.push_back({MakeU8({1, 1, 2, 3}, {1, 200, 3, 4, 5, 250})});
  auto u8 = RunOp("MaxPool", attrs2, std::move(in));
  ASSERT_TRUE(u8.ok()) << u8.status().ToString();
  EXPECT_EQ((*u8)[0].dtype(), DType::kU8);
  EXPECT_EQ(ToInts((*u8)[0]), (std::vector<int64_t>{200, 250}));
}

TEST(MaxPoolOp, MissingKernelShapeIsAnError) {
  auto out = Pool("MaxPool", {}, {1, 1, 4, 4}, Count(16));
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("kernel_shape"), std::string::npos)
      << out.status().message();
}

TEST(MaxPoolOp, UnsupportedDtypeAndStorageOrderAreErrors) {
  model::Attributes attrs;
  attrs.SetInts("kernel_shape", {2});
  std::vector<OpInput> in;
  in.push_back({testing::MakeBool({1, 1, 2}, {true, false})});
  auto b = RunOp("MaxPool", attrs, std::move(in));
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("bool"), std::string::npos) << b.status().message();
  attrs.SetInt("storage_order", 2);
  auto order = Pool("MaxPool", attrs, {1, 1, 2}, {1, 2});
  ASSERT_FALSE(order.ok());
  EXPECT_NE(order.status().message().find("storage_order is 2"), std::string::npos)
      << order.status().message();
}

TEST(AveragePoolOp, CountIncludePadChangesTheDivisor) {
  model::Attributes attrs;
  attrs.SetInts("kernel_shape", {5, 5});
  attrs.SetInts("pads", {2, 2, 2, 2});
  auto excl = Pool("AveragePool", attrs, {1, 1, 5, 5}, Count(25));
  ASSERT_TRUE(excl.ok()) << excl.status().ToString();
  const std::vector<float> e = ToFloats((*excl)[0]);
  EXPECT_NEAR(e[0], 7.0f, 1e-5f);    // 63 / 9 taps
  EXPECT_NEAR(e[1], 7.5f, 1e-5f);    // 90 / 12 taps
  EXPECT_NEAR(e[12], 13.0f, 1e-5f);  // the full window
  attrs.SetInt("count_include_pad", 1);
  auto incl = Pool("AveragePool", attrs, {1, 1, 5, 5}, Count(25));
  ASSERT_TRUE(incl.ok()) << incl.status().ToString();
  const std::vector<float> i = ToFloats((*incl)[0]);
  EXPECT_NEAR(i[0], 2.52f, 1e-5f);  // 63 / 25
  EXPECT_NEAR(i[1], 3.6f, 1e-5f);   // 90 / 25
  EXPECT_NEAR(i[12], 13.0f, 1e-5f);
}

// With ceil_mode, the part of a window past the (zero) end padding never counts, even with
// count_include_pad.
TEST(AveragePoolOp, CeilModeWindowsPastTheEndAreClipped) {
  for (int include : {0, 1}) {
    model::Attributes attrs;
    attrs.SetInts("kernel_shape", {3, 3});
    attrs.SetInts("strides", {2, 2});
    attrs.SetInt("ceil_mode", 1);
    attrs.SetInt("count_include_pad", include);
    auto out = Pool("AveragePool", attrs, {1, 1, 4, 4}, Count(16));
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    ExpectNear(ToFloats((*out)[0]), {6, 7.5f, 12, 13.5f});
  }
}

TEST(AveragePoolOp, SameUpperAndSameLowerExcludePadding) {
  model::Attributes attrs;
  attrs.SetInts("kernel_shape", {2});
  attrs.SetString("auto_pad", "SAME_UPPER");
  auto upper = Pool("AveragePool", attrs, {1, 1, 4}, Count(4));
  ASSERT_TRUE(upper.ok()) << upper.status().ToString();
  ExpectNear(ToFloats((*upper)[0]), {1.5f, 2.5f, 3.5f, 4});
  attrs.SetString("auto_pad", "SAME_LOWER");
  auto lower = Pool("AveragePool", attrs, {1, 1, 4}, Count(4));
  ASSERT_TRUE(lower.ok()) << lower.status().ToString();
  ExpectNear(ToFloats((*lower)[0]), {1, 1.5f, 2.5f, 3.5f});
}

TEST(AveragePoolOp, StridesAndDilations) {
  model::Attributes attrs;
  attrs.SetInts("kernel_shape", {2});
  attrs.SetInts("dilations", {2});
  auto dil = Pool("AveragePool", attrs, {1, 1, 6}, Count(6));
  ASSERT_TRUE(dil.ok()) << dil.status().ToString();
  ExpectNear(ToFloats((*dil)[0]), {2, 3, 4, 5});
  model::Attributes strided;
  strided.SetInts("kernel_shape", {2, 2});
  strided.SetInts("strides", {2, 2});
  auto s = Pool("AveragePool", strided, {1, 1, 4, 4}, Count(16));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ExpectNear(ToFloats((*s)[0]), {3.5f, 5.5f, 11.5f, 13.5f});
}

TEST(LpPoolOp, PTwoAndPOne) {
  model::Attributes attrs;
  attrs.SetInts("kernel_shape", {2});
  attrs.SetInts("strides", {2});
  auto l2 = Pool("LpPool", attrs, {1, 1, 4}, {3, -4, 0, 0});
  ASSERT_TRUE(l2.ok()) << l2.status().ToString();
  ExpectNear(ToFloats((*l2)[0]), {5, 0});
  attrs.SetInt("p", 1);
  auto l1 = Pool("LpPool", attrs, {1, 1, 4}, {3, -4, 0, 1});
  ASSERT_TRUE(l1.ok()) << l1.status().ToString();
  ExpectNear(ToFloats((*l1)[0]), {7, 1});
  attrs.SetInt("p", 3);
  auto l3 = Pool("LpPool", attrs, {1, 1, 2}, {1, 2});
  ASSERT_TRUE(l3.ok()) << l3.status().ToString();
  ExpectNear(ToFloats((*l3)[0]), {std::cbrt(9.0f)});
}

TEST(GlobalPoolOps, AverageMaxAndLpOverAllSpatialDims) {
  const std::vector<float> x = {1, 2, 3, 4, -5, 6, 7, -8};
  auto avg = Pool("GlobalAveragePool", {}, {1, 2, 2, 2}, x);
  ASSERT_TRUE(avg.ok()) << avg.status().ToString();
  EXPECT_EQ((*avg)[0].shape(), (Shape{1, 2, 1, 1}));
  ExpectNear(ToFloats((*avg)[0]), {2.5f, 0});
  auto mx = Pool("GlobalMaxPool", {}, {1, 2, 2, 2}, x);
  ASSERT_TRUE(mx.ok()) << mx.status().ToString();
  ExpectNear(ToFloats((*mx)[0]), {4, 7});
  auto lp = Pool("GlobalLpPool", {}, {2, 1, 4}, x);
  ASSERT_TRUE(lp.ok()) << lp.status().ToString();
  EXPECT_EQ((*lp)[0].shape(), (Shape{2, 1, 1}));
  ExpectNear(ToFloats((*lp)[0]), {std::sqrt(30.0f), std::sqrt(174.0f)});
}

}  // namespace
}  // namespace mota::exec
