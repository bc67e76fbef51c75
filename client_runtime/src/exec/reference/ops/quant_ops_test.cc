// Hand-checked cases of the ONNX quantized ops (QuantizeLinear, DequantizeLinear,
// DynamicQuantizeLinear, QLinearConv, QLinearMatMul, ConvInteger, MatMulInteger) and their error
// messages. Expected values are worked out in the comments.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "exec/backend.h"
#include "exec/reference/op_test_util.h"
#include "exec/session.h"

namespace mota::exec {
namespace {

using testing::MakeF32;
using testing::MakeI32;
using testing::MakeI8;
using testing::MakeU8;
using testing::OpInput;
using testing::RunOp;

std::vector<int64_t> Ints(const HostTensor& t) {
  std::vector<int64_t> out;
  for (double v : ReadAsDouble(t.view())) out.push_back(static_cast<int64_t>(v));
  return out;
}

std::vector<OpInput> FromVector(std::vector<HostTensor> tensors) {
  std::vector<OpInput> in;
  for (HostTensor& t : tensors) in.push_back({std::move(t)});
  return in;
}

template <typename... T>
std::vector<OpInput> Inputs(T... tensors) {
  std::vector<OpInput> in;
  (in.push_back({std::move(tensors)}), ...);
  return in;
}

HostTensor Scalar(float v) { return MakeF32({}, {v}); }

// Runs on the reference and the auto backend (which must fall back to the reference kernels for
// these i8 / u8 nodes) and expects the same result from both.
HostTensor RunBoth(const std::string& op, const model::Attributes& attrs,
                   const std::function<std::vector<OpInput>()>& make_inputs) {
  auto ref = RunOp(op, attrs, make_inputs());
  EXPECT_TRUE(ref.ok()) << ref.status().ToString();
  if (!ref.ok()) return HostTensor();
  auto fast = RunOp(op, attrs, make_inputs(), 1, "auto");
  EXPECT_TRUE(fast.ok()) << fast.status().ToString();
  if (fast.ok()) {
    EXPECT_EQ((*fast)[0].dtype(), (*ref)[0].dtype());
    EXPECT_EQ(Ints((*fast)[0]), Ints((*ref)[0])) << op << " differs on the auto backend";
  }
  return std::move((*ref)[0]);
}

std::string ErrorOf(const std::string& op, const model::Attributes& attrs,
                    std::vector<OpInput> inputs) {
  auto out = RunOp(op, attrs, std::move(inputs));
  EXPECT_FALSE(out.ok());
  return out.ok() ? std::string() : out.status().message();
}

#define EXPECT_HAS(message, text)                    \
  EXPECT_NE((message).find(text), std::string::npos) \
      << "'" << (message) << "' lacks '" << (text) << "'"

// ---- QuantizeLinear / DequantizeLinear ----

TEST(QuantizeLinear, RoundsHalfToEvenAndSaturatesU8) {
  // x / 2 = 0, 0.5, 1, 1.5, -1.5, 500, -127, -500 -> round even 0, 0, 1, 2, -2, 500, -127, -500
  // + 128 -> 128, 128, 129, 130, 126, 255 (saturated), 1, 0 (saturated)
  HostTensor y = RunBoth("QuantizeLinear", {}, [] {
    return Inputs(MakeF32({8}, {0, 1, 2, 3, -3, 1000, -254, -1000}), Scalar(2), MakeU8({}, {128}));
  });
  EXPECT_EQ(y.dtype(), DType::kU8);
  EXPECT_EQ(Ints(y), (std::vector<int64_t>{128, 128, 129, 130, 126, 255, 1, 0}));
}

TEST(QuantizeLinear, WithoutZeroPointGivesU8) {
  // -1 -> 0 (saturated), 0.6 -> 1, 300 -> 255 (saturated).
  HostTensor y = RunBoth("QuantizeLinear", {}, [] {
    return Inputs(MakeF32({3}, {-1, 0.6f, 300}), Scalar(1));
  });
  EXPECT_EQ(y.dtype(), DType::kU8);
  EXPECT_EQ(Ints(y), (std::vector<int64_t>{0, 1, 255}));
}

TEST(QuantizeLinear, PerAxisI8) {
  // x [1, 2, 2], axis 1: channel 0 scale 1 zp 0: 1.5 -> 2, 300 -> 127 (saturated);
  // channel 1 scale 0.5 zp -10: 2.5 / 0.5 = 5 -> -5, -100 / 0.5 = -200 -> -210 -> -128.
  HostTensor y = RunBoth("QuantizeLinear", {}, [] {
    return Inputs(MakeF32({1, 2, 2}, {1.5f, 300, 2.5f, -100}), MakeF32({2}, {1, 0.5f}),
                  MakeI8({2}, {0, -10}));
  });
  EXPECT_EQ(y.dtype(), DType::kI8);
  EXPECT_EQ(Ints(y), (std::vector<int64_t>{2, 127, -5, -128}));
}

TEST(QuantizeLinear, NegativeAxis) {
  model::Attributes a;
  a.SetInt("axis", -1);
  // x [2, 2], per column: scales 1 and 10.
  HostTensor y = RunBoth("QuantizeLinear", a, [] {
    return Inputs(MakeF32({2, 2}, {7, 70, -7, -70}), MakeF32({2}, {1, 10}), MakeI8({2}, {0, 0}));
  });
  EXPECT_EQ(Ints(y), (std::vector<int64_t>{7, 7, -7, -7}));
}

TEST(DequantizeLinear, PerAxisU8) {
  // channel 0: (10 - 8) * 0.5 = 1, (0 - 8) * 0.5 = -4; channel 1: (255 - 0) * 2 = 510, 0.
  auto out = RunOp(
      "DequantizeLinear", {},
      Inputs(MakeU8({1, 2, 2}, {10, 0, 255, 0}), MakeF32({2}, {0.5f, 2}), MakeU8({2}, {8, 0})));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(testing::ToFloats((*out)[0]), (std::vector<float>{1, -4, 510, 0}));
}

TEST(DequantizeLinear, I8AndI32WithoutZeroPoint) {
  auto i8 = RunOp("DequantizeLinear", {},
                  Inputs(MakeI8({3}, {-128, 0, 127}), Scalar(0.5f), MakeI8({}, {-1})));
  ASSERT_TRUE(i8.ok()) << i8.status().ToString();
  EXPECT_EQ(testing::ToFloats((*i8)[0]), (std::vector<float>{-63.5f, 0.5f, 64}));
  auto i32 = RunOp("DequantizeLinear", {}, Inputs(MakeI32({2}, {-1000000, 3}), Scalar(0.25f)));
  ASSERT_TRUE(i32.ok()) << i32.status().ToString();
  EXPECT_EQ(testing::ToFloats((*i32)[0]), (std::vector<float>{-250000, 0.75f}));
}

TEST(DynamicQuantizeLinear, OnnxExample) {
  // range [-3, 2]: scale 5 / 255, zero point round(3 / scale) = 153.
  auto out =
      RunOp("DynamicQuantizeLinear", {}, Inputs(MakeF32({6}, {0, 2, -3, -2.5f, 1.34f, 0.5f})), 3);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(Ints((*out)[0]), (std::vector<int64_t>{153, 255, 0, 26, 221, 179}));
  EXPECT_EQ(testing::ToFloats((*out)[1])[0], 5.0f / 255.0f);
  EXPECT_EQ(Ints((*out)[2]), (std::vector<int64_t>{153}));
}

TEST(DynamicQuantizeLinear, AllZeroInputUsesUnitRange) {
  auto out = RunOp("DynamicQuantizeLinear", {}, Inputs(MakeF32({2}, {0, 0})), 3);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(Ints((*out)[0]), (std::vector<int64_t>{0, 0}));
  EXPECT_EQ(testing::ToFloats((*out)[1])[0], 1.0f / 255.0f);
}

// ---- QLinearConv / ConvInteger ----

model::Attributes Pads1() {
  model::Attributes a;
  a.SetInts("pads", {1, 1, 1, 1});
  return a;
}

// x u8 [1,1,2,2] = 10 20 30 40 (x_zp 10: 0 10 20 30), w u8 [1,1,2,2] = 1 2 3 4 (w_zp 1:
// 0 1 2 3), pads 1: the 3x3 output sums are 0 30 20 / 60 140 60 / 20 30 0.
std::vector<OpInput> PaddedConvInputs(int32_t bias, uint8_t y_zp) {
  std::vector<HostTensor> t;
  t.push_back(MakeU8({1, 1, 2, 2}, {10, 20, 30, 40}));
  t.push_back(Scalar(0.5f));
  t.push_back(MakeU8({}, {10}));
  t.push_back(MakeU8({1, 1, 2, 2}, {1, 2, 3, 4}));
  t.push_back(Scalar(1));
  t.push_back(MakeU8({}, {1}));
  t.push_back(Scalar(2));
  t.push_back(MakeU8({}, {y_zp}));
  t.push_back(MakeI32({1}, {bias}));
  return FromVector(std::move(t));
}

TEST(ConvInteger, PaddingContributesZero) {
  HostTensor y = RunBoth("ConvInteger", Pads1(), [] {
    return Inputs(MakeU8({1, 1, 2, 2}, {10, 20, 30, 40}), MakeU8({1, 1, 2, 2}, {1, 2, 3, 4}),
                  MakeU8({}, {10}), MakeU8({}, {1}));
  });
  EXPECT_EQ(y.dtype(), DType::kI32);
  EXPECT_EQ(Ints(y), (std::vector<int64_t>{0, 30, 20, 60, 140, 60, 20, 30, 0}));
}

TEST(QLinearConv, PaddingSaturatesHigh) {
  // multiplier 0.5 * 1 / 2 = 0.25: 0 7.5 5 / 15 35 15 / 5 7.5 0 -> 0 8 5 / 15 35 15 / 5 8 0;
  // + 230: 230 238 235 / 245 255 (265 saturated) 245 / 235 238 230.
  HostTensor y = RunBoth("QLinearConv", Pads1(), [] { return PaddedConvInputs(0, 230); });
  EXPECT_EQ(y.dtype(), DType::kU8);
  EXPECT_EQ(Ints(y), (std::vector<int64_t>{230, 238, 235, 245, 255, 245, 235, 238, 230}));
}

TEST(QLinearConv, BiasAndSaturationLow) {
  // sums - 20 = -20 10 0 / 40 120 40 / 0 10 -20, * 0.25 = -5 2.5 0 / 10 30 10 / 0 2.5 -5
  // -> -5 2 0 / 10 30 10 / 0 2 -5 (2.5 rounds to even); + 3: 0 (saturated) 5 3 / 13 33 13 / ...
  HostTensor y = RunBoth("QLinearConv", Pads1(), [] { return PaddedConvInputs(-20, 3); });
  EXPECT_EQ(Ints(y), (std::vector<int64_t>{0, 5, 3, 13, 33, 13, 3, 5, 0}));
}

// Group conv (2 groups of one channel) with per-channel w parameters, all i8.
// x [1,2,1,3]: ch0 1 2 3, ch1 -1 -2 -3 (x_zp 0, scale 1). w [2,1,1,2]: filter 0 = 1 -3
// (zp 0, scale 1), filter 1 = 2 -1 (zp 1 -> 1 -2, scale 0.5). y: scale 0.5, zp -1.
// filter 0: 1*1 - 3*2 = -5, 2 - 9 = -7 (real -5, -7); filter 1: -1 + 4 = 3, -2 + 6 = 4 (real
// 1.5, 2). Quantized: -10 - 1 = -11, -15, 3 - 1 = 2, 3.
std::vector<OpInput> GroupConvInputs() {
  std::vector<HostTensor> t;
  t.push_back(MakeI8({1, 2, 1, 3}, {1, 2, 3, -1, -2, -3}));
  t.push_back(Scalar(1));
  t.push_back(MakeI8({}, {0}));
  t.push_back(MakeI8({2, 1, 1, 2}, {1, -3, 2, -1}));
  t.push_back(MakeF32({2}, {1, 0.5f}));
  t.push_back(MakeI8({2}, {0, 1}));
  t.push_back(Scalar(0.5f));
  t.push_back(MakeI8({}, {-1}));
  return FromVector(std::move(t));
}

model::Attributes Group2(const char* activation = nullptr, float alpha = 0) {
  model::Attributes a;
  a.SetInt("group", 2);
  if (activation != nullptr) {
    a.SetString("activation", activation);
    a.SetFloat("activation_alpha", alpha);
  }
  return a;
}

TEST(QLinearConv, GroupPerChannelI8) {
  HostTensor y = RunBoth("QLinearConv", Group2(), GroupConvInputs);
  EXPECT_EQ(y.dtype(), DType::kI8);
  EXPECT_EQ(y.shape(), (Shape{1, 2, 1, 2}));
  EXPECT_EQ(Ints(y), (std::vector<int64_t>{-11, -15, 2, 3}));
}

TEST(QLinearConv, FusedReluClampsAtZeroPoint) {
  HostTensor y = RunBoth("QLinearConv", Group2("Relu"), GroupConvInputs);
  EXPECT_EQ(Ints(y), (std::vector<int64_t>{-1, -1, 2, 3}));
}

TEST(QLinearConv, FusedLeakyReluRunsOnTheRealValue) {
  // real -5, -7 -> -2.5, -3.5 -> / 0.5 = -5, -7 -> -6, -8.
  HostTensor y = RunBoth("QLinearConv", Group2("LeakyRelu", 0.5f), GroupConvInputs);
  EXPECT_EQ(Ints(y), (std::vector<int64_t>{-6, -8, 2, 3}));
}

TEST(QLinearConv, StridesDilationsAndAutoPadMatchConvInteger) {
  // QLinearConv with unit scales and zero output zero point equals ConvInteger (while in range).
  model::Attributes a;
  a.SetInts("strides", {2, 1});
  a.SetInts("dilations", {1, 2});
  a.SetString("auto_pad", "SAME_UPPER");
  std::vector<uint8_t> xs;
  for (int i = 0; i < 2 * 5 * 5; ++i) xs.push_back(static_cast<uint8_t>(100 + (i * 7) % 9));
  const std::vector<int8_t> ws = {1, 0, -1, 2, 1, 0, 0, 1, -1, 1, 1, 1, 0, 0, 2, -2, 1, 0};
  auto integer =
      RunOp("ConvInteger", a,
            Inputs(MakeU8({1, 2, 5, 5}, xs), MakeI8({1, 2, 3, 3}, ws), MakeU8({}, {104})));
  ASSERT_TRUE(integer.ok()) << integer.status().ToString();
  HostTensor q = RunBoth("QLinearConv", a, [&] {
    return Inputs(MakeU8({1, 2, 5, 5}, xs), Scalar(1), MakeU8({}, {104}), MakeI8({1, 2, 3, 3}, ws),
                  Scalar(1), MakeI8({}, {0}), Scalar(1), MakeI8({}, {0}));
  });
  EXPECT_EQ(q.shape(), (Shape{1, 1, 3, 5}));
  EXPECT_EQ(Ints(q), Ints((*integer)[0]));
}

// ---- QLinearMatMul / MatMulInteger ----

TEST(MatMulInteger, PerRowAndPerColumnZeroPoints) {
  // A - a_zp[row] = [0 1 2; 0 2 4], B - b_zp[col] = [0 -1; 1 0; 2 1] -> [5 2; 10 4].
  HostTensor y = RunBoth("MatMulInteger", {}, [] {
    return Inputs(MakeU8({2, 3}, {1, 2, 3, 4, 6, 8}), MakeI8({3, 2}, {1, -1, 2, 0, 3, 1}),
                  MakeU8({2}, {1, 4}), MakeI8({2}, {1, 0}));
  });
  EXPECT_EQ(y.dtype(), DType::kI32);
  EXPECT_EQ(Ints(y), (std::vector<int64_t>{5, 2, 10, 4}));
}

// a u8 [2,1,2] = (3 5), (1 1), zp 1, scale 0.5 -> (2 4), (0 0); b i8 [2,2] = [1 2; 3 -4], scale
// per column (1, 0.25). Sums: (14, -12), (0, 0); real: 14 * 0.5 = 7, -12 * 0.125 = -1.5.
std::vector<OpInput> BatchedMatMulInputs() {
  return Inputs(MakeU8({2, 1, 2}, {3, 5, 1, 1}), Scalar(0.5f), MakeU8({}, {1}),
                MakeI8({2, 2}, {1, 2, 3, -4}), MakeF32({2}, {1, 0.25f}), MakeI8({2}, {0, 0}),
                Scalar(1), MakeI8({}, {0}));
}

TEST(QLinearMatMul, BatchedPerColumnB) {
  HostTensor y = RunBoth("QLinearMatMul", {}, BatchedMatMulInputs);
  EXPECT_EQ(y.dtype(), DType::kI8);
  EXPECT_EQ(y.shape(), (Shape{2, 1, 2}));
  EXPECT_EQ(Ints(y), (std::vector<int64_t>{7, -2, 0, 0}));  // -1.5 rounds to even -2
}

TEST(QLinearMatMul, FusedClip) {
  model::Attributes a;
  a.SetString("activation", "Clip");
  a.SetFloat("activation_alpha", 0);
  a.SetFloat("activation_beta", 5);
  HostTensor y = RunBoth("QLinearMatMul", a, BatchedMatMulInputs);
  EXPECT_EQ(Ints(y), (std::vector<int64_t>{5, 0, 0, 0}));
}

TEST(QLinearMatMul, SaturatesU8BothEnds) {
  // a - 0 = (255 255), b = (1; 1) - 0 -> 510 * (1 * 1 / 1) + 0 -> 255; b = (-1; -1) -> 0.
  HostTensor y = RunBoth("QLinearMatMul", {}, [] {
    return Inputs(MakeU8({2, 2}, {255, 255, 255, 255}), Scalar(1), MakeU8({}, {0}),
                  MakeI8({2, 2}, {1, -1, 1, -1}), Scalar(1), MakeI8({}, {0}), Scalar(1),
                  MakeU8({}, {0}));
  });
  EXPECT_EQ(y.dtype(), DType::kU8);
  EXPECT_EQ(Ints(y), (std::vector<int64_t>{255, 0, 255, 0}));
}

// ---- a float -> int8 -> float chain on the auto backend ----

// Adds a constant tensor (viewing `t`, which must outlive the graph) or a value to `g`.
int32_t AddTensor(model::Graph& g, const std::string& name, const HostTensor* t) {
  model::TensorInfo info;
  info.name = name;
  if (t != nullptr) {
    info.dtype = t->dtype();
    info.has_shape = true;
    for (int64_t d : t->shape()) info.dims.push_back({d, {}});
    info.is_constant = true;
    info.constant = model::ConstData::View(t->data(), t->nbytes());
  }
  return g.AddTensor(std::move(info));
}

void AddNode(model::Graph& g, const std::string& op, std::vector<int32_t> in, int32_t out,
             model::Attributes attrs = {}) {
  model::Node n;
  n.name = op + std::to_string(g.nodes.size());
  n.op_type = op;
  n.attrs = std::move(attrs);
  n.inputs = std::move(in);
  n.outputs = {out};
  g.nodes.push_back(std::move(n));
}

// Conv (f32, XNNPACK on the auto backend, NHWC inside it) -> QuantizeLinear -> QLinearConv ->
// DequantizeLinear -> Conv: the i8 / u8 nodes must fall back to the reference kernels with the
// layout converted at the boundaries. Integer-valued data keeps every f32 sum exact, so both
// backends must agree bit for bit.
TEST(QuantOpsOnAuto, FloatInt8FloatChainMatchesReference) {
  std::vector<float> xs, w1s, w3s;
  for (int i = 0; i < 2 * 6 * 6; ++i) xs.push_back(static_cast<float>(i % 7 - 3));
  for (int i = 0; i < 4 * 2 * 3 * 3; ++i) w1s.push_back(static_cast<float>(i % 3 - 1));
  for (int i = 0; i < 2 * 4; ++i) w3s.push_back(static_cast<float>(i % 2 ? 1 : -1));
  std::vector<int8_t> w2s;
  for (int i = 0; i < 4 * 4 * 3 * 3; ++i) w2s.push_back(static_cast<int8_t>(i % 5 - 2));
  const HostTensor w1 = MakeF32({4, 2, 3, 3}, w1s), w3 = MakeF32({2, 4, 1, 1}, w3s);
  const HostTensor w2 = MakeI8({4, 4, 3, 3}, w2s);
  const HostTensor s_half = Scalar(0.5f), s_one = Scalar(1), s_w = MakeF32({4}, {1, 0.5f, 2, 1});
  const HostTensor zp_x = MakeI8({}, {3}), zp_w = MakeI8({4}, {0, 0, 0, 0}),
                   zp_y = MakeI8({}, {-5});
  model::Graph g;
  const int32_t x = AddTensor(g, "x", nullptr);
  g.tensors[x].dtype = DType::kF32;
  g.tensors[x].has_shape = true;
  g.tensors[x].dims = {{1, {}}, {2, {}}, {6, {}}, {6, {}}};
  g.inputs = {x};
  std::vector<int32_t> v;
  for (const char* name : {"c1", "q", "qc", "dq", "y"}) v.push_back(AddTensor(g, name, nullptr));
  model::Attributes pads;
  pads.SetInts("pads", {1, 1, 1, 1});
  AddNode(g, "Conv", {x, AddTensor(g, "w1", &w1)}, v[0], pads);
  AddNode(g, "QuantizeLinear", {v[0], AddTensor(g, "s_half", &s_half), AddTensor(g, "zp_x", &zp_x)},
          v[1]);
  model::Attributes relu = pads;
  relu.SetString("activation", "Relu");
  AddNode(g, "QLinearConv",
          {v[1], g.FindTensor("s_half"), g.FindTensor("zp_x"), AddTensor(g, "w2", &w2),
           AddTensor(g, "s_w", &s_w), AddTensor(g, "zp_w", &zp_w), AddTensor(g, "s_one", &s_one),
           AddTensor(g, "zp_y", &zp_y)},
          v[2], relu);
  AddNode(g, "DequantizeLinear", {v[2], g.FindTensor("s_one"), g.FindTensor("zp_y")}, v[3]);
  AddNode(g, "Conv", {v[3], AddTensor(g, "w3", &w3)}, v[4]);
  g.outputs = {v[4]};
  ASSERT_TRUE(g.Validate().ok()) << g.Validate().ToString();
  const HostTensor input = MakeF32({1, 2, 6, 6}, xs);
  std::vector<std::vector<double>> results;
  for (const char* backend : {"reference", "auto"}) {
    auto b = CreateBackend(backend, {});
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    Session session(g, std::move(*b));
    const TensorView feed = input.view();
    auto out = session.Run({&feed, 1});
    ASSERT_TRUE(out.ok()) << backend << ": " << out.status().ToString();
    results.push_back(ReadAsDouble((*out)[0].view()));
  }
  EXPECT_EQ(results[0], results[1]);
  double sum = 0;
  for (double r : results[0]) sum += r < 0 ? -r : r;
  EXPECT_GT(sum, 0.0) << "the chain should not collapse to zeros";
}

// A direct-loop oracle for a grouped, strided, padded QLinearConv (u8 x, i8 w with per-channel
// zero points and scales), checked on 1 and 4 threads (4 threads take the one-unit-per-task path
// for batch x groups).
TEST(QLinearConv, GroupedStridedMatchesDirectLoopOnThreads) {
  const int64_t N = 2, C = 8, G = 4, M = 8, H = 7, W = 6, KH = 3, KW = 2, S = 2, P = 1;
  const int64_t cg = C / G, mg = M / G;
  const int64_t OH = (H + 2 * P - KH) / S + 1, OW = (W + 2 * P - KW) / S + 1;
  std::vector<uint8_t> xs;
  for (int64_t i = 0; i < N * C * H * W; ++i) xs.push_back(static_cast<uint8_t>((i * 37) % 256));
  std::vector<int8_t> ws;
  for (int64_t i = 0; i < M * cg * KH * KW; ++i)
    ws.push_back(static_cast<int8_t>((i * 29) % 255 - 127));
  std::vector<int8_t> wzp;
  std::vector<float> wscale;
  for (int64_t m = 0; m < M; ++m) {
    wzp.push_back(static_cast<int8_t>(m - 3));
    wscale.push_back(0.01f * static_cast<float>(m + 1));
  }
  const float xscale = 0.05f, yscale = 0.7f;
  const int32_t xzp = 120, yzp = -7;
  std::vector<int64_t> expected;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t m = 0; m < M; ++m)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          int64_t acc = 0;
          const int64_t g = m / mg;
          for (int64_t c = 0; c < cg; ++c)
            for (int64_t kh = 0; kh < KH; ++kh)
              for (int64_t kw = 0; kw < KW; ++kw) {
                const int64_t ih = oh * S - P + kh, iw = ow * S - P + kw;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                const int64_t xv = xs[((n * C + g * cg + c) * H + ih) * W + iw] - xzp;
                const int64_t wv = ws[((m * cg + c) * KH + kh) * KW + kw] - wzp[m];
                acc += xv * wv;
              }
          const float v = static_cast<float>(acc) * (xscale * wscale[m] / yscale);
          expected.push_back(
              std::clamp<int64_t>(static_cast<int64_t>(std::nearbyint(v)) + yzp, -128, 127));
        }
  const HostTensor x = MakeU8({N, C, H, W}, xs), w = MakeI8({M, cg, KH, KW}, ws);
  const HostTensor xs_t = Scalar(xscale), xzp_t = MakeU8({}, {static_cast<uint8_t>(xzp)});
  const HostTensor ws_t = MakeF32({M}, wscale), wzp_t = MakeI8({M}, wzp);
  const HostTensor ys_t = Scalar(yscale), yzp_t = MakeI8({}, {static_cast<int8_t>(yzp)});
  model::Graph g;
  const int32_t y = AddTensor(g, "y", nullptr);
  model::Attributes a;
  a.SetInt("group", G);
  a.SetInts("strides", {S, S});
  a.SetInts("pads", {P, P, P, P});
  AddNode(g, "QLinearConv",
          {AddTensor(g, "x", &x), AddTensor(g, "xs", &xs_t), AddTensor(g, "xzp", &xzp_t),
           AddTensor(g, "w", &w), AddTensor(g, "ws", &ws_t), AddTensor(g, "wzp", &wzp_t),
           AddTensor(g, "ys", &ys_t), AddTensor(g, "yzp", &yzp_t)},
          y, a);
  g.outputs = {y};
  for (int threads : {1, 4}) {
    auto b = CreateBackend("reference", {.threads = threads});
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    Session session(g, std::move(*b));
    auto out = session.Run({});
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    EXPECT_EQ((*out)[0].shape(), (Shape{N, M, OH, OW}));
    EXPECT_EQ(Ints((*out)[0]), expected) << threads << " threads";
  }
}

// ---- errors name the input ----

TEST(QuantOpErrors, WrongScaleCount) {
  const std::string m =
      ErrorOf("QuantizeLinear", {},
              Inputs(MakeF32({1, 3}, {1, 2, 3}), MakeF32({2}, {1, 1}), MakeU8({2}, {0, 0})));
  EXPECT_HAS(m, "input 1 (scale)");
  EXPECT_HAS(m, "2 values; expected 1 or 3");
}

TEST(QuantOpErrors, WrongPerChannelWeightScaleCount) {
  std::vector<OpInput> in = GroupConvInputs();
  in[4] = {MakeF32({3}, {1, 1, 1})};
  in[5] = {MakeI8({3}, {0, 0, 0})};
  const std::string m = ErrorOf("QLinearConv", Group2(), std::move(in));
  EXPECT_HAS(m, "input 4 (scale)");
  EXPECT_HAS(m, "expected 1 or 2");
}

TEST(QuantOpErrors, WrongZeroPointDType) {
  std::string m =
      ErrorOf("QuantizeLinear", {}, Inputs(MakeF32({2}, {1, 2}), Scalar(1), MakeI32({}, {0})));
  EXPECT_HAS(m, "input 2 (y_zero_point) has dtype i32");
  m = ErrorOf("QLinearMatMul", {},
              Inputs(MakeU8({1, 1}, {1}), Scalar(1), MakeF32({}, {0}), MakeU8({1, 1}, {1}),
                     Scalar(1), MakeU8({}, {0}), Scalar(1), MakeU8({}, {0})));
  EXPECT_HAS(m, "input 2");
  EXPECT_HAS(m, "f32");
}

TEST(QuantOpErrors, ZeroAndNegativeScale) {
  for (float s : {0.0f, -1.0f}) {
    std::string m = ErrorOf("DequantizeLinear", {}, Inputs(MakeU8({2}, {1, 2}), Scalar(s)));
    EXPECT_HAS(m, "input 1 (scale)");
    EXPECT_HAS(m, "expected a finite value > 0");
    std::vector<OpInput> in = GroupConvInputs();
    in[6] = {Scalar(s)};
    m = ErrorOf("QLinearConv", Group2(), std::move(in));
    EXPECT_HAS(m, "input 6 (scale)");
  }
}

TEST(QuantOpErrors, MismatchedZeroPointDType) {
  std::string m =
      ErrorOf("DequantizeLinear", {}, Inputs(MakeI8({2}, {1, 2}), Scalar(1), MakeU8({}, {0})));
  EXPECT_HAS(m, "input 2 (x_zero_point) has dtype u8 but input 0 (x) is i8");
  std::vector<OpInput> in = GroupConvInputs();
  in[5] = {MakeU8({2}, {0, 1})};
  m = ErrorOf("QLinearConv", Group2(), std::move(in));
  EXPECT_HAS(m, "input 5 (w_zero_point) has dtype u8 but input 3 (w) is i8");
  m = ErrorOf("ConvInteger", {},
              Inputs(MakeU8({1, 1, 1, 1}, {1}), MakeU8({1, 1, 1, 1}, {1}), MakeI8({}, {0})));
  EXPECT_HAS(m, "input 2 (x_zero_point) has dtype i8");
  m = ErrorOf("QLinearMatMul", {},
              Inputs(MakeU8({1, 1}, {1}), Scalar(1), MakeU8({}, {0}), MakeI8({1, 1}, {1}),
                     Scalar(1), MakeU8({}, {0}), Scalar(1), MakeU8({}, {0})));
  EXPECT_HAS(m, "input 5 (b_zero_point) has dtype u8 but input 3 (b) is i8");
}

TEST(QuantOpErrors, BiasMustBeI32PerFilter) {
  std::vector<OpInput> in = GroupConvInputs();
  in.push_back({MakeF32({2}, {0, 0})});
  const std::string m = ErrorOf("QLinearConv", Group2(), std::move(in));
  EXPECT_HAS(m, "input 8 (B) has dtype f32");
}

}  // namespace
}  // namespace mota::exec
