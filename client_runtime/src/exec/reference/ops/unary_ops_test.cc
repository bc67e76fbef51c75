// Unary kernels (float activations, integer Abs/Neg/Sign/Relu, IsNaN/IsInf), Clip, Cast and
// Identity: values against closed forms, every dtype path, omitted optional inputs, errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "exec/op_registry.h"
#include "exec/reference/elementwise.h"
#include "exec/reference/op_test_util.h"

namespace mota::exec {
namespace {

using testing::MakeBool;
using testing::MakeF32;
using testing::MakeI32;
using testing::MakeI64;
using testing::MakeI8;
using testing::MakeU8;
using testing::OpInput;
using testing::ToFloats;
using testing::ToInts;

constexpr float kInf = std::numeric_limits<float>::infinity();
const float kNaN = std::numeric_limits<float>::quiet_NaN();

Result<HostTensor> Eval(const std::string& op, std::vector<OpInput> in,
                        const model::Attributes& attrs = {}) {
  MOTA_ASSIGN_OR_RETURN(std::vector<HostTensor> out, testing::RunOp(op, attrs, std::move(in)));
  return std::move(out[0]);
}

Result<HostTensor> Eval1(const std::string& op, HostTensor x, const model::Attributes& attrs = {}) {
  std::vector<OpInput> in;
  in.push_back({std::move(x)});
  return Eval(op, std::move(in), attrs);
}

model::Attributes Floats(std::initializer_list<std::pair<const char*, float>> values) {
  model::Attributes a;
  for (const auto& [name, v] : values) a.SetFloat(name, v);
  return a;
}

model::Attributes CastTo(DType to) {
  model::Attributes a;
  a.SetInt("to", static_cast<int64_t>(to));
  return a;
}

HostTensor MakeF16(Shape shape, const std::vector<float>& values) {
  HostTensor t = HostTensor::Allocate(DType::kF16, std::move(shape));
  for (size_t i = 0; i < values.size(); ++i) t.as<uint16_t>()[i] = FloatToHalf(values[i]);
  return t;
}

void ExpectNear(const std::vector<float>& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_NEAR(got[i], want[i], 1e-6f * std::max(1.0f, std::fabs(want[i]))) << "element " << i;
  }
}

// Runs a float op on `xs` and compares with `ref` applied in double precision.
template <typename Ref>
void CheckFloatOp(const std::string& op, const std::vector<float>& xs, Ref ref,
                  const model::Attributes& attrs = {}) {
  auto out = Eval1(op, MakeF32({static_cast<int64_t>(xs.size())}, xs), attrs);
  ASSERT_TRUE(out.ok()) << op << ": " << out.status().ToString();
  std::vector<float> want;
  for (float x : xs) want.push_back(static_cast<float>(ref(static_cast<double>(x))));
  SCOPED_TRACE(op);
  ExpectNear(ToFloats(*out), want);
}

TEST(UnaryFloatOps, MatchClosedForms) {
  const std::vector<float> xs = {-3.5f, -1.0f, -0.25f, 0.0f, 0.5f, 2.0f, 4.75f};
  CheckFloatOp("Sigmoid", xs, [](double x) { return 1 / (1 + std::exp(-x)); });
  CheckFloatOp("Tanh", xs, [](double x) { return std::tanh(x); });
  CheckFloatOp("Erf", xs, [](double x) { return std::erf(x); });
  CheckFloatOp("Exp", xs, [](double x) { return std::exp(x); });
  CheckFloatOp("Abs", xs, [](double x) { return std::fabs(x); });
  CheckFloatOp("Neg", xs, [](double x) { return -x; });
  CheckFloatOp("Floor", xs, [](double x) { return std::floor(x); });
  CheckFloatOp("Ceil", xs, [](double x) { return std::ceil(x); });
  CheckFloatOp("Sin", xs, [](double x) { return std::sin(x); });
  CheckFloatOp("Cos", xs, [](double x) { return std::cos(x); });
  CheckFloatOp("Softsign", xs, [](double x) { return x / (1 + std::fabs(x)); });
  CheckFloatOp("Softplus", xs, [](double x) { return std::log(1 + std::exp(x)); });
  CheckFloatOp("Sign", xs, [](double x) { return x > 0 ? 1.0 : x < 0 ? -1.0 : 0.0; });
  CheckFloatOp("Relu", xs, [](double x) { return std::max(x, 0.0); });
  CheckFloatOp("HardSwish", xs, [](double x) { return x * std::clamp(x / 6 + 0.5, 0.0, 1.0); });
  const std::vector<float> pos = {0.25f, 1.0f, 2.0f, 9.0f};
  CheckFloatOp("Sqrt", pos, [](double x) { return std::sqrt(x); });
  CheckFloatOp("Log", pos, [](double x) { return std::log(x); });
  CheckFloatOp("Reciprocal", pos, [](double x) { return 1 / x; });
}

TEST(UnaryFloatOps, AttributesAndTheirDefaults) {
  const std::vector<float> xs = {-2.0f, -0.5f, 0.0f, 0.5f, 1.0f, 3.0f};
  CheckFloatOp("Elu", xs, [](double x) { return x < 0 ? std::exp(x) - 1 : x; });
  CheckFloatOp(
      "Elu", xs, [](double x) { return x < 0 ? 2 * (std::exp(x) - 1) : x; },
      Floats({{"alpha", 2.0f}}));
  CheckFloatOp("Selu", xs, [](double x) {
    return 1.0507009873554805 * (x > 0 ? x : 1.6732632423543772 * (std::exp(x) - 1));
  });
  CheckFloatOp(
      "Selu", xs, [](double x) { return 3 * (x > 0 ? x : 2 * (std::exp(x) - 1)); },
      Floats({{"alpha", 2.0f}, {"gamma", 3.0f}}));
  CheckFloatOp("Celu", xs,
               [](double x) { return std::max(0.0, x) + std::min(0.0, std::exp(x) - 1); });
  CheckFloatOp(
      "Celu", xs,
      [](double x) { return std::max(0.0, x) + std::min(0.0, 2 * (std::exp(x / 2) - 1)); },
      Floats({{"alpha", 2.0f}}));
  CheckFloatOp("LeakyRelu", xs, [](double x) { return x >= 0 ? x : 0.01 * x; });
  CheckFloatOp(
      "LeakyRelu", xs, [](double x) { return x >= 0 ? x : 0.1 * x; }, Floats({{"alpha", 0.1f}}));
  CheckFloatOp("HardSigmoid", xs, [](double x) { return std::clamp(0.2 * x + 0.5, 0.0, 1.0); });
  CheckFloatOp(
      "HardSigmoid", xs, [](double x) { return std::clamp(0.5 * x + 0.25, 0.0, 1.0); },
      Floats({{"alpha", 0.5f}, {"beta", 0.25f}}));
  CheckFloatOp("ThresholdedRelu", xs, [](double x) { return x > 1 ? x : 0; });
  CheckFloatOp(
      "ThresholdedRelu", xs, [](double x) { return x > 0.25 ? x : 0; }, Floats({{"alpha", 0.25f}}));
}

TEST(UnaryFloatOps, SoftplusDoesNotOverflowForLargeInputs) {
  auto out = Eval1("Softplus", MakeF32({2}, {100.0f, -100.0f}));
  ASSERT_TRUE(out.ok());
  EXPECT_FLOAT_EQ(ToFloats(*out)[0], 100.0f);
  EXPECT_NEAR(ToFloats(*out)[1], 0.0f, 1e-30f);
}

TEST(RoundOp, HalvesRoundToEven) {
  auto out = Eval1("Round", MakeF32({8}, {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 2.4f, -2.6f}));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(ToFloats(*out), (std::vector<float>{0, 2, 2, -0.0f, -2, -2, 2, -3}));
}

TEST(UnaryFloatOps, IntegerInputIsRejectedNamingTheNode) {
  auto out = Eval1("Sigmoid", MakeI64({1}, {1}));
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("Sigmoid node 'node': input 0 must be f32, got i64"),
            std::string::npos)
      << out.status().message();
}

TEST(IntegerUnaryOps, AbsNegSignRelu) {
  auto abs32 = Eval1("Abs", MakeI32({3}, {-5, 0, 7}));
  auto abs8 = Eval1("Abs", MakeI8({2}, {-128, -3}));
  auto absu8 = Eval1("Abs", MakeU8({2}, {200, 0}));
  auto neg64 = Eval1("Neg", MakeI64({2}, {5, std::numeric_limits<int64_t>::min()}));
  auto neg8 = Eval1("Neg", MakeI8({2}, {5, -7}));
  auto sign64 = Eval1("Sign", MakeI64({3}, {-9, 0, 4}));
  auto sign8 = Eval1("Sign", MakeI8({3}, {-9, 0, 4}));
  auto relu32 = Eval1("Relu", MakeI32({3}, {-9, 0, 4}));
  auto relu8 = Eval1("Relu", MakeI8({2}, {-9, 4}));
  ASSERT_TRUE(abs32.ok() && abs8.ok() && absu8.ok() && neg64.ok() && neg8.ok() && sign64.ok() &&
              sign8.ok() && relu32.ok() && relu8.ok());
  EXPECT_EQ(ToInts(*abs32), (std::vector<int64_t>{5, 0, 7}));
  EXPECT_EQ(ToInts(*abs8), (std::vector<int64_t>{-128, 3}));  // |-128| wraps, as numpy
  EXPECT_EQ(ToInts(*absu8), (std::vector<int64_t>{200, 0}));
  EXPECT_EQ(ToInts(*neg64), (std::vector<int64_t>{-5, std::numeric_limits<int64_t>::min()}));
  EXPECT_EQ(ToInts(*neg8), (std::vector<int64_t>{-5, 7}));
  EXPECT_EQ(ToInts(*sign64), (std::vector<int64_t>{-1, 0, 1}));
  EXPECT_EQ(ToInts(*sign8), (std::vector<int64_t>{-1, 0, 1}));
  EXPECT_EQ(ToInts(*relu32), (std::vector<int64_t>{0, 0, 4}));
  EXPECT_EQ(ToInts(*relu8), (std::vector<int64_t>{0, 4}));
  EXPECT_EQ(neg8->dtype(), DType::kI8);
}

TEST(IntegerUnaryOps, NegOfUnsignedIsRejected) {
  auto out = Eval1("Neg", MakeU8({1}, {1}));
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("input 0 must be f32, i32, i64 or i8, got u8"),
            std::string::npos)
      << out.status().message();
}

TEST(IsNaNAndIsInf, BoolOutputs) {
  auto nan = Eval1("IsNaN", MakeF32({4}, {kNaN, 1, kInf, -kInf}));
  auto inf = Eval1("IsInf", MakeF32({4}, {kNaN, 1, kInf, -kInf}));
  model::Attributes neg_only;
  neg_only.SetInt("detect_positive", 0);
  auto neg = Eval1("IsInf", MakeF32({4}, {kNaN, 1, kInf, -kInf}), neg_only);
  model::Attributes pos_only;
  pos_only.SetInt("detect_negative", 0);
  auto pos = Eval1("IsInf", MakeF32({4}, {kNaN, 1, kInf, -kInf}), pos_only);
  ASSERT_TRUE(nan.ok() && inf.ok() && neg.ok() && pos.ok());
  EXPECT_EQ(nan->dtype(), DType::kBool);
  EXPECT_EQ(ToInts(*nan), (std::vector<int64_t>{1, 0, 0, 0}));
  EXPECT_EQ(ToInts(*inf), (std::vector<int64_t>{0, 0, 1, 1}));
  EXPECT_EQ(ToInts(*neg), (std::vector<int64_t>{0, 0, 0, 1}));
  EXPECT_EQ(ToInts(*pos), (std::vector<int64_t>{0, 0, 1, 0}));
}

TEST(ClipOp, BothBoundsAsConstants) {
  std::vector<OpInput> in;
  in.push_back({MakeF32({4}, {-2, 0.5f, 3, 10})});
  in.push_back({MakeF32({}, {0}), true});
  in.push_back({MakeF32({}, {6}), true});
  auto out = Eval("Clip", std::move(in));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(ToFloats(*out), (std::vector<float>{0, 0.5f, 3, 6}));
}

TEST(ClipOp, OmittedMinOnlyClipsAbove) {
  std::vector<OpInput> in;
  in.push_back({MakeF32({3}, {-kInf, -5, 10})});
  in.push_back({HostTensor()});  // omitted min
  in.push_back({MakeF32({1}, {2})});
  auto out = Eval("Clip", std::move(in));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(ToFloats(*out), (std::vector<float>{-kInf, -5, 2}));
}

TEST(ClipOp, OnlyXLeavesValuesUnchanged) {
  std::vector<OpInput> in;
  in.push_back({MakeF32({3}, {-kInf, -5, kInf})});
  auto out = Eval("Clip", std::move(in));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(ToFloats(*out), (std::vector<float>{-kInf, -5, kInf}));
}

TEST(ClipOp, IntegerDtypesWithMinOnly) {
  std::vector<OpInput> i64;
  i64.push_back({MakeI64({3}, {-7, 3, std::numeric_limits<int64_t>::max()})});
  i64.push_back({MakeI64({}, {0})});
  std::vector<OpInput> i32;
  i32.push_back({MakeI32({3}, {-7, 3, 9})});
  i32.push_back({MakeI32({}, {-1})});
  i32.push_back({MakeI32({}, {5})});
  std::vector<OpInput> i8;
  i8.push_back({MakeI8({3}, {-128, 3, 127})});
  i8.push_back({HostTensor()});
  i8.push_back({MakeI8({}, {100})});
  std::vector<OpInput> u8;
  u8.push_back({MakeU8({3}, {0, 50, 255})});
  u8.push_back({MakeU8({}, {10})});
  u8.push_back({MakeU8({}, {200})});
  auto r64 = Eval("Clip", std::move(i64));
  auto r32 = Eval("Clip", std::move(i32));
  auto r8 = Eval("Clip", std::move(i8));
  auto ru8 = Eval("Clip", std::move(u8));
  ASSERT_TRUE(r64.ok() && r32.ok() && r8.ok() && ru8.ok());
  EXPECT_EQ(ToInts(*r64), (std::vector<int64_t>{0, 3, std::numeric_limits<int64_t>::max()}));
  EXPECT_EQ(ToInts(*r32), (std::vector<int64_t>{-1, 3, 5}));
  EXPECT_EQ(ToInts(*r8), (std::vector<int64_t>{-128, 3, 100}));
  EXPECT_EQ(ToInts(*ru8), (std::vector<int64_t>{10, 50, 200}));
}

TEST(ClipOp, MinAboveMaxGivesMax) {
  std::vector<OpInput> in;
  in.push_back({MakeF32({2}, {-1, 9})});
  in.push_back({MakeF32({}, {5})});
  in.push_back({MakeF32({}, {2})});
  auto out = Eval("Clip", std::move(in));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(ToFloats(*out), (std::vector<float>{2, 2}));
}

TEST(ClipOp, BoundErrorsNameTheBound) {
  std::vector<OpInput> wrong_dtype;
  wrong_dtype.push_back({MakeF32({2}, {1, 2})});
  wrong_dtype.push_back({MakeI64({}, {0})});
  auto r1 = Eval("Clip", std::move(wrong_dtype));
  ASSERT_FALSE(r1.ok());
  EXPECT_NE(r1.status().message().find("input 1 must have the dtype of input 0 (f32), got i64"),
            std::string::npos)
      << r1.status().message();
  std::vector<OpInput> not_scalar;
  not_scalar.push_back({MakeF32({2}, {1, 2})});
  not_scalar.push_back({HostTensor()});
  not_scalar.push_back({MakeF32({2}, {1, 2})});
  auto r2 = Eval("Clip", std::move(not_scalar));
  ASSERT_FALSE(r2.ok());
  EXPECT_NE(r2.status().message().find("max (input 2) must hold one value, got shape [2]"),
            std::string::npos)
      << r2.status().message();
}

TEST(CastOp, FloatToIntegersTruncatesTowardZero) {
  const std::vector<float> xs = {2.7f, -2.7f, 0.5f, -0.5f, 100.9f};
  auto i32 = Eval1("Cast", MakeF32({5}, xs), CastTo(DType::kI32));
  auto i64 = Eval1("Cast", MakeF32({5}, xs), CastTo(DType::kI64));
  auto i8 = Eval1("Cast", MakeF32({5}, xs), CastTo(DType::kI8));
  ASSERT_TRUE(i32.ok() && i64.ok() && i8.ok());
  EXPECT_EQ(i32->dtype(), DType::kI32);
  EXPECT_EQ(ToInts(*i32), (std::vector<int64_t>{2, -2, 0, 0, 100}));
  EXPECT_EQ(ToInts(*i64), (std::vector<int64_t>{2, -2, 0, 0, 100}));
  EXPECT_EQ(ToInts(*i8), (std::vector<int64_t>{2, -2, 0, 0, 100}));
}

TEST(CastOp, FloatOutOfRangeSaturatesAndNanIsZero) {
  auto u8 = Eval1("Cast", MakeF32({4}, {-3.0f, 300.0f, kNaN, 254.9f}), CastTo(DType::kU8));
  auto i32 = Eval1("Cast", MakeF32({3}, {3e9f, -3e9f, kInf}), CastTo(DType::kI32));
  ASSERT_TRUE(u8.ok() && i32.ok());
  EXPECT_EQ(ToInts(*u8), (std::vector<int64_t>{0, 255, 0, 254}));
  EXPECT_EQ(ToInts(*i32), (std::vector<int64_t>{std::numeric_limits<int32_t>::max(),
                                                std::numeric_limits<int32_t>::min(),
                                                std::numeric_limits<int32_t>::max()}));
}

TEST(CastOp, IntegerNarrowingWraps) {
  auto i8 = Eval1("Cast", MakeI64({3}, {300, -129, 5}), CastTo(DType::kI8));
  auto u8 = Eval1("Cast", MakeI32({2}, {-1, 256}), CastTo(DType::kU8));
  auto i32 = Eval1("Cast", MakeU8({2}, {255, 0}), CastTo(DType::kI32));
  ASSERT_TRUE(i8.ok() && u8.ok() && i32.ok());
  EXPECT_EQ(ToInts(*i8), (std::vector<int64_t>{44, 127, 5}));
  EXPECT_EQ(ToInts(*u8), (std::vector<int64_t>{255, 0}));
  EXPECT_EQ(ToInts(*i32), (std::vector<int64_t>{255, 0}));
}

TEST(CastOp, ToAndFromBool) {
  auto from_f = Eval1("Cast", MakeF32({4}, {0.0f, -0.0f, 0.1f, kNaN}), CastTo(DType::kBool));
  auto from_i = Eval1("Cast", MakeI64({3}, {0, -5, 1LL << 40}), CastTo(DType::kBool));
  auto to_f = Eval1("Cast", MakeBool({2}, {true, false}), CastTo(DType::kF32));
  auto to_i64 = Eval1("Cast", MakeBool({2}, {true, false}), CastTo(DType::kI64));
  ASSERT_TRUE(from_f.ok() && from_i.ok() && to_f.ok() && to_i64.ok());
  EXPECT_EQ(from_f->dtype(), DType::kBool);
  EXPECT_EQ(ToInts(*from_f), (std::vector<int64_t>{0, 0, 1, 1}));
  EXPECT_EQ(ToInts(*from_i), (std::vector<int64_t>{0, 1, 1}));
  EXPECT_EQ(ToFloats(*to_f), (std::vector<float>{1, 0}));
  EXPECT_EQ(ToInts(*to_i64), (std::vector<int64_t>{1, 0}));
}

TEST(CastOp, IntegerToFloat) {
  auto f = Eval1("Cast", MakeI64({3}, {-3, 1LL << 24, (1LL << 24) + 1}), CastTo(DType::kF32));
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(ToFloats(*f), (std::vector<float>{-3, 16777216.0f, 16777216.0f}));  // nearest f32
}

TEST(CastOp, HalfRoundTripRoundsToNearestEven) {
  // 1 + 2^-11 is halfway between two halves: ties go to the even one (1.0); 1 + 3 * 2^-11 rounds
  // up to 1 + 2^-9. 65520 overflows half to inf; 1e-8 flushes to zero.
  const std::vector<float> xs = {1.0f + 0x1p-11f, 1.0f + 3 * 0x1p-11f, -2.5f, 65520.0f, 1e-8f};
  auto half = Eval1("Cast", MakeF32({5}, xs), CastTo(DType::kF16));
  ASSERT_TRUE(half.ok()) << half.status().ToString();
  EXPECT_EQ(half->dtype(), DType::kF16);
  auto back = Eval1("Cast", std::move(*half), CastTo(DType::kF32));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(ToFloats(*back), (std::vector<float>{1.0f, 1.0f + 0x1p-9f, -2.5f, kInf, 0.0f}));
}

TEST(CastOp, HalfToIntegersAndBool) {
  auto i32 = Eval1("Cast", MakeF16({3}, {-2.5f, 7.75f, 0}), CastTo(DType::kI32));
  auto b = Eval1("Cast", MakeF16({3}, {-2.5f, 7.75f, 0}), CastTo(DType::kBool));
  auto from_i8 = Eval1("Cast", MakeI8({2}, {-7, 100}), CastTo(DType::kF16));
  ASSERT_TRUE(i32.ok() && b.ok() && from_i8.ok());
  EXPECT_EQ(ToInts(*i32), (std::vector<int64_t>{-2, 7, 0}));
  EXPECT_EQ(ToInts(*b), (std::vector<int64_t>{1, 1, 0}));
  EXPECT_EQ(ToFloats(*from_i8), (std::vector<float>{-7, 100}));
}

TEST(CastOp, SameDtypeCopies) {
  auto out = Eval1("Cast", MakeI32({2}, {4, -4}), CastTo(DType::kI32));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(ToInts(*out), (std::vector<int64_t>{4, -4}));
}

TEST(CastOp, UnknownTargetDtypeIsRejected) {
  model::Attributes bad;
  bad.SetInt("to", 11);  // ONNX's DOUBLE number, not a mota DType
  auto out = Eval1("Cast", MakeF32({1}, {1}), bad);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("Cast node 'node': attribute to is 11"), std::string::npos)
      << out.status().message();
  auto missing = Eval1("Cast", MakeF32({1}, {1}));
  ASSERT_FALSE(missing.ok());
}

TEST(IdentityOp, CopiesAnyDtype) {
  auto f16 = Eval1("Identity", MakeF16({2}, {1.5f, -3}));
  auto b = Eval1("Identity", MakeBool({3}, {true, false, true}));
  auto i64 = Eval1("Identity", MakeI64({2, 1}, {1LL << 60, -1}));
  ASSERT_TRUE(f16.ok() && b.ok() && i64.ok());
  EXPECT_EQ(f16->dtype(), DType::kF16);
  EXPECT_EQ(ToFloats(*f16), (std::vector<float>{1.5f, -3}));
  EXPECT_EQ(ToInts(*b), (std::vector<int64_t>{1, 0, 1}));
  EXPECT_EQ(i64->shape(), (Shape{2, 1}));
  EXPECT_EQ(ToInts(*i64), (std::vector<int64_t>{1LL << 60, -1}));
}

// Large unary loops split over the pool; every element must still be written exactly once.
TEST(UnaryFloatOps, ParallelLoopCoversEveryElement) {
  const int64_t n = 5 * kElementwiseGrain + 123;
  HostTensor x = HostTensor::Allocate(DType::kF32, {n});
  HostTensor y = HostTensor::Allocate(DType::kF32, {n});
  for (int64_t i = 0; i < n; ++i) x.as<float>()[i] = static_cast<float>(i % 7) - 3.0f;
  model::Node node;
  node.name = "relu";
  node.op_type = "Relu";
  const TensorView in[] = {x.view()};
  const TensorView out[] = {y.view()};
  ThreadPool pool(3);
  KernelContext ctx{node, in, out, &pool};
  const OpDef* def = FindOp("Relu");
  ASSERT_NE(def, nullptr);
  ASSERT_TRUE(def->compute(ctx).ok());
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_EQ(y.as<float>()[i], std::max(x.as<float>()[i], 0.0f)) << "element " << i;
  }
}

}  // namespace
}  // namespace mota::exec
