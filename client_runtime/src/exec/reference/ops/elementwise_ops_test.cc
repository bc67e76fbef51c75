// Binary, variadic, comparison, logic, Where and PRelu kernels: broadcasting, every dtype path,
// ONNX integer semantics and the error messages of shape inference.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

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

// Runs a one-output op on non-constant inputs.
Result<HostTensor> Eval(const std::string& op, std::vector<HostTensor> tensors,
                        const model::Attributes& attrs = {}) {
  std::vector<OpInput> in;
  for (HostTensor& t : tensors) in.push_back({std::move(t)});
  MOTA_ASSIGN_OR_RETURN(std::vector<HostTensor> out, testing::RunOp(op, attrs, std::move(in)));
  return std::move(out[0]);
}

template <typename... T>
std::vector<HostTensor> Tensors(T&&... t) {
  std::vector<HostTensor> v;
  (v.push_back(std::forward<T>(t)), ...);
  return v;
}

model::Attributes IntAttr(const char* name, int64_t value) {
  model::Attributes a;
  a.SetInt(name, value);
  return a;
}

void ExpectErrorContains(const Result<HostTensor>& r, const std::string& text) {
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(text), std::string::npos) << r.status().message();
}

TEST(SubOp, BroadcastsColumnAgainstRow) {
  auto out = Eval("Sub", Tensors(MakeF32({2, 1}, {10, 20}), MakeF32({3}, {1, 2, 3})));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->shape(), (Shape{2, 3}));
  EXPECT_EQ(ToFloats(*out), (std::vector<float>{9, 8, 7, 19, 18, 17}));
}

TEST(SubOp, ScalarMinusTensorUsesScalarOnTheLeft) {
  auto out = Eval("Sub", Tensors(MakeI64({}, {100}), MakeI64({3}, {1, 2, 3})));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(ToInts(*out), (std::vector<int64_t>{99, 98, 97}));
}

TEST(MulOp, EveryNumericDtype) {
  auto f = Eval("Mul", Tensors(MakeF32({2}, {1.5f, -2}), MakeF32({2}, {2, 3})));
  auto i32 = Eval("Mul", Tensors(MakeI32({2}, {7, -3}), MakeI32({1}, {6})));
  auto i64 = Eval("Mul", Tensors(MakeI64({2}, {1LL << 40, -3}), MakeI64({2}, {4, 5})));
  auto i8 = Eval("Mul", Tensors(MakeI8({2}, {100, -3}), MakeI8({2}, {2, 5})));
  auto u8 = Eval("Mul", Tensors(MakeU8({2}, {200, 3}), MakeU8({2}, {2, 5})));
  ASSERT_TRUE(f.ok() && i32.ok() && i64.ok() && i8.ok() && u8.ok());
  EXPECT_EQ(ToFloats(*f), (std::vector<float>{3, -6}));
  EXPECT_EQ(ToInts(*i32), (std::vector<int64_t>{42, -18}));
  EXPECT_EQ(ToInts(*i64), (std::vector<int64_t>{1LL << 42, -15}));
  EXPECT_EQ(ToInts(*i8), (std::vector<int64_t>{-56, -15}));  // 200 wraps to -56
  EXPECT_EQ(ToInts(*u8), (std::vector<int64_t>{144, 15}));   // 400 wraps to 144
}

TEST(AddOp, IntOverflowWrapsAround) {
  const int32_t max = std::numeric_limits<int32_t>::max();
  auto out = Eval("Add", Tensors(MakeI32({1}, {max}), MakeI32({1}, {1})));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(ToInts(*out), (std::vector<int64_t>{std::numeric_limits<int32_t>::min()}));
}

TEST(AddOp, MixedDtypesNameBoth) {
  ExpectErrorContains(Eval("Add", Tensors(MakeF32({1}, {1}), MakeI64({1}, {1}))),
                      "Add node 'node': input 1 must have the dtype of input 0 (f32), got i64");
}

TEST(AddOp, BoolInputIsRejected) {
  ExpectErrorContains(Eval("Add", Tensors(MakeBool({1}, {true}), MakeBool({1}, {true}))),
                      "input 0 must be f32, i32, i64, i8 or u8, got bool");
}

TEST(DivOp, IntegerDivisionTruncatesTowardZero) {
  auto out = Eval("Div", Tensors(MakeI32({4}, {7, -7, 7, -7}), MakeI32({4}, {2, 2, -2, -2})));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(ToInts(*out), (std::vector<int64_t>{3, -3, -3, 3}));
}

TEST(DivOp, IntegerDivisionByZeroAndMinByMinusOneDoNotTrap) {
  const int64_t min = std::numeric_limits<int64_t>::min();
  auto out = Eval("Div", Tensors(MakeI64({2}, {5, min}), MakeI64({2}, {0, -1})));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(ToInts(*out), (std::vector<int64_t>{0, min}));
}

TEST(DivOp, FloatDivisionFollowsIeee) {
  auto out = Eval("Div", Tensors(MakeF32({3}, {1, -1, 3}), MakeF32({3}, {0, 0, 2})));
  ASSERT_TRUE(out.ok());
  const std::vector<float> v = ToFloats(*out);
  EXPECT_TRUE(std::isinf(v[0]) && v[0] > 0);
  EXPECT_TRUE(std::isinf(v[1]) && v[1] < 0);
  EXPECT_EQ(v[2], 1.5f);
}

TEST(ModOp, IntegerModTakesTheSignOfTheDivisor) {
  auto out = Eval("Mod", Tensors(MakeI32({4}, {7, -7, 7, -7}), MakeI32({4}, {3, 3, -3, -3})));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(ToInts(*out), (std::vector<int64_t>{1, 2, -2, -1}));
}

TEST(ModOp, FmodTakesTheSignOfTheDividend) {
  auto ints = Eval("Mod", Tensors(MakeI64({4}, {7, -7, 7, -7}), MakeI64({4}, {3, 3, -3, -3})),
                   IntAttr("fmod", 1));
  auto floats = Eval("Mod", Tensors(MakeF32({3}, {5.5f, -5.5f, 5.5f}), MakeF32({3}, {2, 2, -2})),
                     IntAttr("fmod", 1));
  ASSERT_TRUE(ints.ok() && floats.ok());
  EXPECT_EQ(ToInts(*ints), (std::vector<int64_t>{1, -1, 1, -1}));
  EXPECT_EQ(ToFloats(*floats), (std::vector<float>{1.5f, -1.5f, 1.5f}));
}

TEST(ModOp, BroadcastsAndHandlesZeroDivisor) {
  auto out = Eval("Mod", Tensors(MakeU8({2, 2}, {9, 10, 11, 12}), MakeU8({2}, {4, 0})));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(ToInts(*out), (std::vector<int64_t>{1, 0, 3, 0}));
}

TEST(ModOp, FloatWithoutFmodIsRejected) {
  ExpectErrorContains(Eval("Mod", Tensors(MakeF32({1}, {1}), MakeF32({1}, {1}))),
                      "f32 inputs need attribute fmod = 1");
}

TEST(PowOp, FloatBaseWithFloatAndIntExponents) {
  auto ff = Eval("Pow", Tensors(MakeF32({3}, {2, 4, -2}), MakeF32({3}, {3, 0.5f, 2})));
  auto fi = Eval("Pow", Tensors(MakeF32({3}, {2, 4, -2}), MakeI64({1}, {3})));
  auto f32e = Eval("Pow", Tensors(MakeF32({2}, {2, 3}), MakeI32({2}, {-1, 2})));
  ASSERT_TRUE(ff.ok() && fi.ok() && f32e.ok());
  EXPECT_EQ(ff->dtype(), DType::kF32);
  EXPECT_EQ(ToFloats(*ff), (std::vector<float>{8, 2, 4}));
  EXPECT_EQ(ToFloats(*fi), (std::vector<float>{8, 64, -8}));
  EXPECT_EQ(ToFloats(*f32e), (std::vector<float>{0.5f, 9}));
}

TEST(PowOp, IntegerBaseKeepsItsDtype) {
  auto ii = Eval("Pow", Tensors(MakeI64({4}, {3, -2, 2, 5}), MakeI64({4}, {4, 3, -1, 0})));
  auto i_f = Eval("Pow", Tensors(MakeI32({3}, {1, 2, 3}), MakeF32({3}, {4, 5, 6})));
  auto big = Eval("Pow", Tensors(MakeI64({1}, {3}), MakeI32({1}, {39})));
  ASSERT_TRUE(ii.ok() && i_f.ok() && big.ok());
  EXPECT_EQ(ii->dtype(), DType::kI64);
  EXPECT_EQ(ToInts(*ii), (std::vector<int64_t>{81, -8, 0, 1}));
  EXPECT_EQ(i_f->dtype(), DType::kI32);
  EXPECT_EQ(ToInts(*i_f), (std::vector<int64_t>{1, 32, 729}));
  EXPECT_EQ(ToInts(*big), (std::vector<int64_t>{4052555153018976267LL}));  // exact, not via double
}

TEST(PowOp, BoolExponentIsRejected) {
  ExpectErrorContains(Eval("Pow", Tensors(MakeF32({1}, {2}), MakeBool({1}, {true}))),
                      "input 1 must be f32, i32, i64, i8 or u8, got bool");
}

TEST(MaxOp, VariadicBroadcastOfThreeInputs) {
  auto out =
      Eval("Max", Tensors(MakeF32({2, 1}, {1, 5}), MakeF32({3}, {0, 2, 4}), MakeF32({}, {3})));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->shape(), (Shape{2, 3}));
  EXPECT_EQ(ToFloats(*out), (std::vector<float>{3, 3, 4, 5, 5, 5}));
}

TEST(MaxOp, SingleInputIsCopied) {
  auto out = Eval("Max", Tensors(MakeI32({3}, {4, -1, 2})));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(ToInts(*out), (std::vector<int64_t>{4, -1, 2}));
}

TEST(MaxOp, NanPropagates) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  auto out = Eval("Max", Tensors(MakeF32({2}, {nan, 1}), MakeF32({2}, {1, nan})));
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(std::isnan(ToFloats(*out)[0]) && std::isnan(ToFloats(*out)[1]));
}

TEST(MinOp, IntegerDtypes) {
  auto i64 = Eval("Min", Tensors(MakeI64({3}, {4, -1, 2}), MakeI64({1}, {0})));
  auto u8 = Eval("Min", Tensors(MakeU8({2}, {200, 3}), MakeU8({2}, {100, 9}), MakeU8({1}, {150})));
  auto i8 = Eval("Min", Tensors(MakeI8({2}, {-100, 3}), MakeI8({2}, {1, 2})));
  ASSERT_TRUE(i64.ok() && u8.ok() && i8.ok());
  EXPECT_EQ(ToInts(*i64), (std::vector<int64_t>{0, -1, 0}));
  EXPECT_EQ(ToInts(*u8), (std::vector<int64_t>{100, 3}));
  EXPECT_EQ(ToInts(*i8), (std::vector<int64_t>{-100, 2}));
}

TEST(SumOp, AddsAllInputsWithBroadcast) {
  auto out = Eval("Sum", Tensors(MakeF32({2, 2}, {1, 2, 3, 4}), MakeF32({2}, {10, 20}),
                                 MakeF32({2, 1}, {100, 200})));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(ToFloats(*out), (std::vector<float>{111, 122, 213, 224}));
}

TEST(MeanOp, DividesByInputCount) {
  auto out = Eval("Mean", Tensors(MakeF32({2}, {1, 2}), MakeF32({2}, {3, 4}), MakeF32({1}, {5})));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(ToFloats(*out), (std::vector<float>{3, 11.0f / 3.0f}));
}

TEST(SumOp, IntegerInputIsRejectedNamingTheDtype) {
  ExpectErrorContains(Eval("Sum", Tensors(MakeI32({1}, {1}))), "input 0 must be f32, got i32");
}

TEST(CompareOps, FloatBroadcastWithBoolOutput) {
  auto lt = Eval("Less", Tensors(MakeF32({2, 2}, {1, 2, 3, 4}), MakeF32({2}, {2, 3})));
  auto le = Eval("LessOrEqual", Tensors(MakeF32({2, 2}, {1, 2, 3, 4}), MakeF32({2}, {2, 3})));
  auto gt = Eval("Greater", Tensors(MakeF32({2, 2}, {1, 2, 3, 4}), MakeF32({2}, {2, 3})));
  auto ge = Eval("GreaterOrEqual", Tensors(MakeF32({2, 2}, {1, 2, 3, 4}), MakeF32({2}, {2, 3})));
  auto eq = Eval("Equal", Tensors(MakeF32({2, 2}, {1, 2, 3, 4}), MakeF32({2}, {2, 4})));
  ASSERT_TRUE(lt.ok() && le.ok() && gt.ok() && ge.ok() && eq.ok());
  EXPECT_EQ(lt->dtype(), DType::kBool);
  EXPECT_EQ(ToInts(*lt), (std::vector<int64_t>{1, 1, 0, 0}));
  EXPECT_EQ(ToInts(*le), (std::vector<int64_t>{1, 1, 0, 0}));
  EXPECT_EQ(ToInts(*gt), (std::vector<int64_t>{0, 0, 1, 1}));
  EXPECT_EQ(ToInts(*ge), (std::vector<int64_t>{0, 0, 1, 1}));
  EXPECT_EQ(ToInts(*eq), (std::vector<int64_t>{0, 0, 0, 1}));
}

TEST(CompareOps, IntegerAndBoolInputs) {
  auto eq_b = Eval("Equal", Tensors(MakeBool({3}, {true, false, true}), MakeBool({1}, {true})));
  auto eq_i = Eval("Equal", Tensors(MakeI64({3}, {1, 2, 3}), MakeI64({3}, {1, 0, 3})));
  auto lt_u8 = Eval("Less", Tensors(MakeU8({2}, {1, 200}), MakeU8({2}, {100, 100})));
  auto gt_i8 = Eval("Greater", Tensors(MakeI8({2}, {-1, 5}), MakeI8({1}, {0})));
  auto ge_i32 = Eval("GreaterOrEqual", Tensors(MakeI32({2}, {-1, 5}), MakeI32({1}, {5})));
  ASSERT_TRUE(eq_b.ok() && eq_i.ok() && lt_u8.ok() && gt_i8.ok() && ge_i32.ok());
  EXPECT_EQ(ToInts(*eq_b), (std::vector<int64_t>{1, 0, 1}));
  EXPECT_EQ(ToInts(*eq_i), (std::vector<int64_t>{1, 0, 1}));
  EXPECT_EQ(ToInts(*lt_u8), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(ToInts(*gt_i8), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(ToInts(*ge_i32), (std::vector<int64_t>{0, 1}));
}

TEST(CompareOps, MismatchedDtypesAreRejected) {
  ExpectErrorContains(Eval("Less", Tensors(MakeI32({1}, {1}), MakeI64({1}, {1}))),
                      "Less node 'node': input 1 must have the dtype of input 0 (i32), got i64");
}

TEST(LogicOps, TruthTablesWithBroadcast) {
  auto a = [] { return MakeBool({2, 2}, {false, false, true, true}); };
  auto b = [] { return MakeBool({2}, {false, true}); };
  auto and_ = Eval("And", Tensors(a(), b()));
  auto or_ = Eval("Or", Tensors(a(), b()));
  auto xor_ = Eval("Xor", Tensors(a(), b()));
  auto not_ = Eval("Not", Tensors(a()));
  ASSERT_TRUE(and_.ok() && or_.ok() && xor_.ok() && not_.ok());
  EXPECT_EQ(ToInts(*and_), (std::vector<int64_t>{0, 0, 0, 1}));
  EXPECT_EQ(ToInts(*or_), (std::vector<int64_t>{0, 1, 1, 1}));
  EXPECT_EQ(ToInts(*xor_), (std::vector<int64_t>{0, 1, 1, 0}));
  EXPECT_EQ(ToInts(*not_), (std::vector<int64_t>{1, 1, 0, 0}));
  EXPECT_EQ(not_->dtype(), DType::kBool);
}

TEST(LogicOps, NonBoolInputIsRejected) {
  ExpectErrorContains(Eval("And", Tensors(MakeF32({1}, {1}), MakeF32({1}, {1}))),
                      "And node 'node': input 0 must be bool, got f32");
  ExpectErrorContains(Eval("Not", Tensors(MakeU8({1}, {1}))), "input 0 must be bool, got u8");
}

TEST(WhereOp, ThreeWayBroadcast) {
  auto out = Eval("Where", Tensors(MakeBool({2, 1}, {true, false}), MakeF32({3}, {1, 2, 3}),
                                   MakeF32({}, {-1})));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->shape(), (Shape{2, 3}));
  EXPECT_EQ(ToFloats(*out), (std::vector<float>{1, 2, 3, -1, -1, -1}));
}

TEST(WhereOp, EveryValueDtype) {
  auto cond = [] { return MakeBool({2}, {true, false}); };
  auto i64 = Eval("Where", Tensors(cond(), MakeI64({2}, {1LL << 50, 2}), MakeI64({2}, {3, -4})));
  auto i32 = Eval("Where", Tensors(cond(), MakeI32({2}, {1, 2}), MakeI32({2}, {3, 4})));
  auto u8 = Eval("Where", Tensors(cond(), MakeU8({2}, {1, 2}), MakeU8({2}, {3, 4})));
  auto b =
      Eval("Where", Tensors(cond(), MakeBool({2}, {true, true}), MakeBool({2}, {false, false})));
  HostTensor hx = HostTensor::Allocate(DType::kF16, {2});
  HostTensor hy = HostTensor::Allocate(DType::kF16, {2});
  hx.as<uint16_t>()[0] = FloatToHalf(1.5f);
  hy.as<uint16_t>()[1] = FloatToHalf(-2.0f);
  auto f16 = Eval("Where", Tensors(cond(), std::move(hx), std::move(hy)));
  ASSERT_TRUE(i64.ok() && i32.ok() && u8.ok() && b.ok() && f16.ok());
  EXPECT_EQ(ToInts(*i64), (std::vector<int64_t>{1LL << 50, -4}));
  EXPECT_EQ(ToInts(*i32), (std::vector<int64_t>{1, 4}));
  EXPECT_EQ(ToInts(*u8), (std::vector<int64_t>{1, 4}));
  EXPECT_EQ(ToInts(*b), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(f16->dtype(), DType::kF16);
  EXPECT_EQ(ToFloats(*f16), (std::vector<float>{1.5f, -2.0f}));
}

TEST(WhereOp, NonBoolConditionIsRejected) {
  ExpectErrorContains(
      Eval("Where", Tensors(MakeF32({1}, {1}), MakeF32({1}, {1}), MakeF32({1}, {2}))),
      "Where node 'node': input 0 must be bool, got f32");
}

TEST(WhereOp, MismatchedValueDtypesAreRejected) {
  ExpectErrorContains(
      Eval("Where", Tensors(MakeBool({1}, {true}), MakeF32({1}, {1}), MakeI64({1}, {2}))),
      "input 2 must have the dtype of input 1 (f32), got i64");
}

TEST(PReluOp, ChannelSlopeBroadcastsToInput) {
  auto out =
      Eval("PRelu", Tensors(MakeF32({1, 2, 2}, {-1, 2, -3, 4}), MakeF32({2, 1}, {0.5f, 0.25f})));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(ToFloats(*out), (std::vector<float>{-0.5f, 2, -0.75f, 4}));
}

TEST(PReluOp, IntegerSlope) {
  auto out = Eval("PRelu", Tensors(MakeI32({3}, {-2, 0, 5}), MakeI32({1}, {3})));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(ToInts(*out), (std::vector<int64_t>{-6, 0, 5}));
}

TEST(PReluOp, SlopeThatWouldGrowTheOutputIsRejected) {
  ExpectErrorContains(Eval("PRelu", Tensors(MakeF32({2}, {1, 2}), MakeF32({3, 1}, {1, 2, 3}))),
                      "slope shape [3,1] does not broadcast to input shape [2]");
}

}  // namespace
}  // namespace mota::exec
