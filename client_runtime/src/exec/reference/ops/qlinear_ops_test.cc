// QLinearAdd, QLinearMul, QLinearGlobalAveragePool, QLinearAveragePool and QLinearConcat against
// hand-checked values. Scales are powers of two (or equal on both sides) so every real value is
// exact and the expected codes follow from round-half-to-even and saturation alone.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "exec/reference/op_test_util.h"

namespace mota::exec {
namespace {

using testing::MakeF32;
using testing::MakeI8;
using testing::MakeU8;
using testing::OpInput;
using testing::RunOp;
using testing::ToInts;

HostTensor Scale(float s) { return MakeF32({}, {s}); }
HostTensor ZpI8(int8_t z) { return MakeI8({}, {z}); }
HostTensor ZpU8(uint8_t z) { return MakeU8({}, {z}); }

// The codes of an i8 or u8 tensor as int64 (ToInts reads only i32 / i64).
std::vector<int64_t> Codes(const HostTensor& t) {
  std::vector<int64_t> out;
  for (int64_t i = 0; i < t.numel(); ++i) {
    out.push_back(t.dtype() == DType::kI8 ? t.as<int8_t>()[i] : t.as<uint8_t>()[i]);
  }
  return out;
}

// A, A_scale, A_zp, B, B_scale, B_zp, C_scale, C_zp for i8 operands.
std::vector<OpInput> BinaryI8(HostTensor a, float sa, int8_t za, HostTensor b, float sb, int8_t zb,
                              float sc, int8_t zc) {
  std::vector<OpInput> in;
  in.push_back({std::move(a)});
  in.push_back({Scale(sa), true});
  in.push_back({ZpI8(za), true});
  in.push_back({std::move(b)});
  in.push_back({Scale(sb), true});
  in.push_back({ZpI8(zb), true});
  in.push_back({Scale(sc), true});
  in.push_back({ZpI8(zc), true});
  return in;
}

std::vector<int64_t> RunCodes(const std::string& op, const model::Attributes& attrs,
                              std::vector<OpInput> in, const std::string& backend = "reference") {
  auto out = RunOp(op, attrs, std::move(in), 1, backend);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  if (!out.ok()) return {};
  return Codes((*out)[0]);
}

// The error message of a run that must fail.
std::string RunError(const std::string& op, const model::Attributes& attrs,
                     std::vector<OpInput> in) {
  auto out = RunOp(op, attrs, std::move(in));
  EXPECT_FALSE(out.ok());
  return out.ok() ? std::string() : std::string(out.status().message());
}

TEST(QLinearAddOp, BroadcastsARowAndRequantizes) {
  // A reals {1, 2, 3, -1, -2, -3}; B reals {1, -1, 0}; sums {2, 1, 3, 0, -3, -3}.
  auto in = BinaryI8(MakeI8({2, 3}, {2, 4, 6, -2, -4, -6}), 0.5f, 0, MakeI8({3}, {8, 0, 4}), 0.25f,
                     4, 0.5f, -1);
  EXPECT_EQ(RunCodes("QLinearAdd", {}, std::move(in)), (std::vector<int64_t>{3, 1, 5, -1, -7, -7}));
}

TEST(QLinearAddOp, RoundsHalfToEven) {
  // Reals 0.5, 1.5, 2.5, -0.5, -1.5 quantize with scale 1 to 0, 2, 2, 0, -2.
  auto in = BinaryI8(MakeI8({5}, {1, 3, 5, -1, -3}), 0.5f, 0, MakeI8({}, {0}), 1.0f, 0, 1.0f, 0);
  EXPECT_EQ(RunCodes("QLinearAdd", {}, std::move(in)), (std::vector<int64_t>{0, 2, 2, 0, -2}));
}

TEST(QLinearAddOp, SaturatesI8AtBothEnds) {
  auto in = BinaryI8(MakeI8({3}, {100, -100, 1}), 1.0f, 0, MakeI8({3}, {100, -100, 1}), 1.0f, 0,
                     1.0f, 10);
  EXPECT_EQ(RunCodes("QLinearAdd", {}, std::move(in)), (std::vector<int64_t>{127, -128, 12}));
}

TEST(QLinearAddOp, U8SaturatesAtBothEnds) {
  // A reals {0, 144, -256, 254} (scale 2, zp 128) plus B's 4 (code 130): {4, 148, -252, 258}.
  std::vector<OpInput> in;
  in.push_back({MakeU8({4}, {128, 200, 0, 255})});
  in.push_back({Scale(2.0f), true});
  in.push_back({ZpU8(128), true});
  in.push_back({MakeU8({1}, {130})});
  in.push_back({Scale(2.0f), true});
  in.push_back({ZpU8(128), true});
  in.push_back({Scale(1.0f), true});
  in.push_back({ZpU8(0), true});
  EXPECT_EQ(RunCodes("QLinearAdd", {}, std::move(in)), (std::vector<int64_t>{4, 148, 0, 255}));
}

TEST(QLinearAddOp, OmittedZeroPointsAreZero) {
  std::vector<OpInput> in;
  in.push_back({MakeU8({2}, {3, 250})});
  in.push_back({Scale(1.0f), true});
  in.push_back({HostTensor()});
  in.push_back({MakeU8({2}, {4, 10})});
  in.push_back({Scale(1.0f), true});
  in.push_back({HostTensor()});
  in.push_back({Scale(1.0f), true});
  EXPECT_EQ(RunCodes("QLinearAdd", {}, std::move(in)), (std::vector<int64_t>{7, 255}));
}

TEST(QLinearAddOp, FusedReluClampsTheRealValue) {
  model::Attributes attrs;
  attrs.SetString("activation", "Relu");
  // Sums {-4, 4}; Relu gives {0, 4}; C's zero point 10 makes real 0 code 10 (not 6).
  auto in = BinaryI8(MakeI8({2}, {-5, 3}), 1.0f, 0, MakeI8({2}, {1, 1}), 1.0f, 0, 1.0f, 10);
  EXPECT_EQ(RunCodes("QLinearAdd", attrs, std::move(in)), (std::vector<int64_t>{10, 14}));
}

TEST(QLinearAddOp, RunsOnTheAutoBackend) {
  auto in = BinaryI8(MakeI8({2, 3}, {2, 4, 6, -2, -4, -6}), 0.5f, 0, MakeI8({3}, {8, 0, 4}), 0.25f,
                     4, 0.5f, -1);
  EXPECT_EQ(RunCodes("QLinearAdd", {}, std::move(in), "auto"),
            (std::vector<int64_t>{3, 1, 5, -1, -7, -7}));
}

TEST(QLinearMulOp, BroadcastsAColumn) {
  // A reals {2, -2, 3} x B reals {2, -1} (shape [2, 1]) = {4, -4, 6, -2, 2, -3}; C scale 0.5.
  auto in = BinaryI8(MakeI8({3}, {4, -4, 6}), 0.5f, 0, MakeI8({2, 1}, {2, -1}), 1.0f, 0, 0.5f, 0);
  EXPECT_EQ(RunCodes("QLinearMul", {}, std::move(in)),
            (std::vector<int64_t>{8, -8, 12, -4, 4, -6}));
}

TEST(QLinearMulOp, SaturatesI8AtBothEnds) {
  auto in = BinaryI8(MakeI8({2}, {127, -128}), 1.0f, 0, MakeI8({}, {127}), 1.0f, 0, 1.0f, 0);
  EXPECT_EQ(RunCodes("QLinearMul", {}, std::move(in)), (std::vector<int64_t>{127, -128}));
}

TEST(QLinearMulOp, FusedClipClampsTheRealValue) {
  model::Attributes attrs;
  attrs.SetString("activation", "Clip");
  attrs.SetFloat("activation_alpha", 0.0f);
  attrs.SetFloat("activation_beta", 6.0f);
  // Products {-2, 2, 4, 6, 8} clip to {0, 2, 4, 6, 6}; C scale 0.5, zp -3.
  auto in = BinaryI8(MakeI8({5}, {-1, 1, 2, 3, 4}), 1.0f, 0, MakeI8({}, {2}), 1.0f, 0, 0.5f, -3);
  EXPECT_EQ(RunCodes("QLinearMul", attrs, std::move(in)), (std::vector<int64_t>{-3, 1, 5, 9, 9}));
}

// X, x_scale, x_zp, y_scale, y_zp.
std::vector<OpInput> PoolInputs(HostTensor x, float sx, HostTensor zx, float sy, HostTensor zy) {
  std::vector<OpInput> in;
  in.push_back({std::move(x)});
  in.push_back({Scale(sx), true});
  in.push_back({std::move(zx), true});
  in.push_back({Scale(sy), true});
  in.push_back({std::move(zy), true});
  return in;
}

TEST(QLinearGlobalAveragePoolOp, AveragesEachPlaneAndRoundsHalfToEven) {
  // Plane 0: q - zp = {0, 2, 4, 6}, mean 3, real 1.5 -> code 3 with scale 0.5.
  // Plane 1: q - zp = {0, 1, 0, 1}, mean 0.5, real 0.25 -> 0.5 -> code 0 (ties to even).
  auto in =
      PoolInputs(MakeI8({1, 2, 2, 2}, {1, 3, 5, 7, 1, 2, 1, 2}), 0.5f, ZpI8(1), 0.5f, ZpI8(0));
  auto out = RunOp("QLinearGlobalAveragePool", {}, std::move(in));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)[0].shape(), (Shape{1, 2, 1, 1}));
  EXPECT_EQ(Codes((*out)[0]), (std::vector<int64_t>{3, 0}));
}

TEST(QLinearGlobalAveragePoolOp, U8Saturates) {
  // Mean 253.33 / 0.5 = 506.7 saturates to 255.
  auto in = PoolInputs(MakeU8({1, 1, 1, 3}, {250, 255, 255}), 1.0f, ZpU8(0), 0.5f, ZpU8(0));
  EXPECT_EQ(RunCodes("QLinearGlobalAveragePool", {}, std::move(in)), (std::vector<int64_t>{255}));
}

model::Attributes PaddedPoolAttrs(int64_t count_include_pad) {
  model::Attributes attrs;
  attrs.SetInts("kernel_shape", {2, 2});
  attrs.SetInts("pads", {1, 1, 1, 1});
  attrs.SetInt("count_include_pad", count_include_pad);
  return attrs;
}

// Reals {1, 2, 3, 4} stored with zero point -2, so padding (real 0) is not code 0.
std::vector<OpInput> PaddedPoolInputs() {
  return PoolInputs(MakeI8({1, 1, 2, 2}, {-1, 0, 1, 2}), 1.0f, ZpI8(-2), 1.0f, ZpI8(0));
}

TEST(QLinearAveragePoolOp, PaddingIsExcludedWithCountIncludePad0) {
  // Window means: 1, 1.5, 2 / 2, 2.5, 3 / 3, 3.5, 4 (ties to even: 1.5 -> 2, 2.5 -> 2, 3.5 -> 4).
  auto out = RunOp("QLinearAveragePool", PaddedPoolAttrs(0), PaddedPoolInputs());
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)[0].shape(), (Shape{1, 1, 3, 3}));
  EXPECT_EQ(Codes((*out)[0]), (std::vector<int64_t>{1, 2, 2, 2, 2, 3, 3, 4, 4}));
}

TEST(QLinearAveragePoolOp, PaddingCountsAsRealZeroWithCountIncludePad1) {
  // Window sums / 4: 0.25, 0.75, 0.5 / 1, 2.5, 1.5 / 0.75, 1.75, 1.
  EXPECT_EQ(RunCodes("QLinearAveragePool", PaddedPoolAttrs(1), PaddedPoolInputs()),
            (std::vector<int64_t>{0, 1, 0, 1, 2, 2, 1, 2, 1}));
}

TEST(QLinearAveragePoolOp, CeilModeWindowsPastTheEndDoNotCount) {
  model::Attributes attrs;
  attrs.SetInts("kernel_shape", {2, 2});
  attrs.SetInts("strides", {2, 2});
  attrs.SetInt("ceil_mode", 1);
  attrs.SetInt("count_include_pad", 1);
  // 3x3 input 1..9 -> 2x2 windows {1,2,4,5}, {3,6}, {7,8}, {9}: means 3, 4.5, 7.5, 9.
  auto in =
      PoolInputs(MakeU8({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}), 1.0f, ZpU8(0), 1.0f, ZpU8(0));
  EXPECT_EQ(RunCodes("QLinearAveragePool", attrs, std::move(in)),
            (std::vector<int64_t>{3, 4, 8, 9}));
}

// Y_scale, Y_zp, then (X_i, scale_i, zp_i).
struct ConcatPart {
  HostTensor x;
  float scale;
  int8_t zp;
};
std::vector<OpInput> ConcatInputs(float sy, int8_t zy, std::vector<ConcatPart> parts) {
  std::vector<OpInput> in;
  in.push_back({Scale(sy), true});
  in.push_back({ZpI8(zy), true});
  for (ConcatPart& p : parts) {
    in.push_back({std::move(p.x)});
    in.push_back({Scale(p.scale), true});
    in.push_back({ZpI8(p.zp), true});
  }
  return in;
}

TEST(QLinearConcatOp, EqualParametersCopyBytes) {
  model::Attributes attrs;
  attrs.SetInt("axis", 1);
  std::vector<ConcatPart> parts;
  parts.push_back({MakeI8({1, 2}, {-128, 127}), 0.1f, 3});
  parts.push_back({MakeI8({1, 3}, {0, 5, -7}), 0.1f, 3});
  EXPECT_EQ(RunCodes("QLinearConcat", attrs, ConcatInputs(0.1f, 3, std::move(parts))),
            (std::vector<int64_t>{-128, 127, 0, 5, -7}));
}

TEST(QLinearConcatOp, RequantizesToYsParameters) {
  // X1 reals {0, 2.5, 62.5} -> 0, 2, 62 with Y scale 1 (ties to even).
  std::vector<ConcatPart> parts;
  parts.push_back({MakeI8({2, 1}, {10, -3}), 1.0f, 0});
  parts.push_back({MakeI8({3, 1}, {2, 7, 127}), 0.5f, 2});
  auto out = RunOp("QLinearConcat", {}, ConcatInputs(1.0f, 0, std::move(parts)));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)[0].shape(), (Shape{5, 1}));
  EXPECT_EQ(Codes((*out)[0]), (std::vector<int64_t>{10, -3, 0, 2, 62}));
}

TEST(QLinearConcatOp, InnerAxisRequantizesAndSaturates) {
  model::Attributes attrs;
  attrs.SetInt("axis", -1);
  // X1 reals {200, -200, 2, 4} saturate to 127 / -128 with Y scale 1.
  std::vector<ConcatPart> parts;
  parts.push_back({MakeI8({2, 1}, {1, 2}), 1.0f, 0});
  parts.push_back({MakeI8({2, 2}, {100, -100, 1, 2}), 2.0f, 0});
  EXPECT_EQ(RunCodes("QLinearConcat", attrs, ConcatInputs(1.0f, 0, std::move(parts))),
            (std::vector<int64_t>{1, 127, -128, 2, 2, 4}));
}

// ---------------------------------------------------------------------------------------------
// Bad inputs: each error names the input.

TEST(QLinearOpsErrors, PerChannelScaleIsRejectedNamingTheInputAndCount) {
  auto in = BinaryI8(MakeI8({2}, {1, 2}), 1.0f, 0, MakeI8({2}, {1, 2}), 1.0f, 0, 1.0f, 0);
  in[1] = {MakeF32({2}, {0.5f, 0.25f}), true};
  const std::string msg = RunError("QLinearAdd", {}, std::move(in));
  EXPECT_NE(msg.find("input 1 (A_scale) has 2 values"), std::string::npos) << msg;
  EXPECT_NE(msg.find("per-tensor"), std::string::npos) << msg;
}

TEST(QLinearOpsErrors, PerChannelZeroPointIsRejected) {
  auto in = BinaryI8(MakeI8({2}, {1, 2}), 1.0f, 0, MakeI8({2}, {1, 2}), 1.0f, 0, 1.0f, 0);
  in[5] = {MakeI8({2}, {0, 0}), true};
  const std::string msg = RunError("QLinearMul", {}, std::move(in));
  EXPECT_NE(msg.find("input 5 (B_zero_point) has 2 values"), std::string::npos) << msg;
}

TEST(QLinearOpsErrors, MismatchedDataDTypesNameBothInputs) {
  auto in = BinaryI8(MakeI8({2}, {1, 2}), 1.0f, 0, MakeI8({2}, {1, 2}), 1.0f, 0, 1.0f, 0);
  in[3] = {MakeU8({2}, {1, 2})};
  const std::string msg = RunError("QLinearAdd", {}, std::move(in));
  EXPECT_NE(msg.find("input 3 (B) has dtype u8 but input 0 (A) has i8"), std::string::npos) << msg;
}

TEST(QLinearOpsErrors, ZeroPointOfAnotherDTypeIsRejected) {
  auto in = BinaryI8(MakeI8({2}, {1, 2}), 1.0f, 0, MakeI8({2}, {1, 2}), 1.0f, 0, 1.0f, 0);
  in[7] = {ZpU8(0), true};
  const std::string msg = RunError("QLinearAdd", {}, std::move(in));
  EXPECT_NE(msg.find("input 7 (C_zero_point) has dtype u8; expected i8"), std::string::npos) << msg;
}

TEST(QLinearOpsErrors, FloatDataIsRejected) {
  auto in = BinaryI8(MakeI8({2}, {1, 2}), 1.0f, 0, MakeI8({2}, {1, 2}), 1.0f, 0, 1.0f, 0);
  in[0] = {MakeF32({2}, {1, 2})};
  const std::string msg = RunError("QLinearAdd", {}, std::move(in));
  EXPECT_NE(msg.find("input 0 (A) has dtype f32; expected i8 or u8"), std::string::npos) << msg;
}

TEST(QLinearOpsErrors, ZeroScaleIsRejectedAsConstantAndAsRuntimeInput) {
  auto in = BinaryI8(MakeI8({2}, {1, 2}), 1.0f, 0, MakeI8({2}, {1, 2}), 1.0f, 0, 0.0f, 0);
  std::string msg = RunError("QLinearAdd", {}, std::move(in));
  EXPECT_NE(msg.find("input 6 (C_scale) holds 0"), std::string::npos) << msg;
  // Fed at run time, the kernel makes the same check.
  auto fed = PoolInputs(MakeI8({1, 1, 1, 2}, {1, 2}), 1.0f, ZpI8(0), 1.0f, ZpI8(0));
  fed[1] = {Scale(0.0f), false};
  msg = RunError("QLinearGlobalAveragePool", {}, std::move(fed));
  EXPECT_NE(msg.find("input 1 (x_scale) holds 0"), std::string::npos) << msg;
}

TEST(QLinearOpsErrors, ChannelsLastIsRejected) {
  model::Attributes attrs;
  attrs.SetInt("channels_last", 1);
  auto in = PoolInputs(MakeI8({1, 1, 1, 2}, {1, 2}), 1.0f, ZpI8(0), 1.0f, ZpI8(0));
  std::string msg = RunError("QLinearGlobalAveragePool", attrs, std::move(in));
  EXPECT_NE(msg.find("channels_last is 1"), std::string::npos) << msg;
  attrs.SetInts("kernel_shape", {1, 1});
  msg = RunError("QLinearAveragePool", attrs, PaddedPoolInputs());
  EXPECT_NE(msg.find("channels_last is 1"), std::string::npos) << msg;
}

TEST(QLinearOpsErrors, ConcatInputCountMustBeTwoPlusTriples) {
  std::vector<ConcatPart> parts;
  parts.push_back({MakeI8({2}, {1, 2}), 1.0f, 0});
  auto in = ConcatInputs(1.0f, 0, std::move(parts));
  in.push_back({MakeI8({2}, {1, 2})});
  const std::string msg = RunError("QLinearConcat", {}, std::move(in));
  EXPECT_NE(msg.find("has 6 inputs"), std::string::npos) << msg;
}

TEST(QLinearOpsErrors, ConcatPerChannelScaleNamesTheInput) {
  std::vector<ConcatPart> parts;
  parts.push_back({MakeI8({2}, {1, 2}), 1.0f, 0});
  parts.push_back({MakeI8({2}, {1, 2}), 1.0f, 0});
  auto in = ConcatInputs(1.0f, 0, std::move(parts));
  in[6] = {MakeF32({2}, {1.0f, 2.0f}), true};
  const std::string msg = RunError("QLinearConcat", {}, std::move(in));
  EXPECT_NE(msg.find("input 6 (X1_scale) has 2 values"), std::string::npos) << msg;
}

TEST(QLinearOpsErrors, ConcatMismatchedDTypesNameTheInput) {
  std::vector<OpInput> in = ConcatInputs(1.0f, 0, {});
  in.push_back({MakeI8({2}, {1, 2})});
  in.push_back({Scale(1.0f), true});
  in.push_back({ZpI8(0), true});
  in.push_back({MakeU8({2}, {1, 2})});
  in.push_back({Scale(1.0f), true});
  in.push_back({ZpU8(0), true});
  const std::string msg = RunError("QLinearConcat", {}, std::move(in));
  EXPECT_NE(msg.find("input 5 (X1) has dtype u8 but input 2 (X0) has i8"), std::string::npos)
      << msg;
}

}  // namespace
}  // namespace mota::exec
