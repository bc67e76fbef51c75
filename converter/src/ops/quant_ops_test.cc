// The quantized ONNX ops convert to their runtime forms: older forms (QuantizeLinear-10 without
// axis), attributes of newer forms (output_dtype, block_size), and the QLinear ops' attributes.
#include <gtest/gtest.h>

#include "converter/src/convert_test_util.h"

namespace mota::converter {
namespace {

using testing::ConstValues;
using testing::Convert;
using testing::ConvertAndRun;
using testing::F32;
using testing::FindNode;

TEST(QuantOpsLowering, Opset10QuantizeDequantizeRoundTrip) {
  // q = saturate(round(x / 0.5) + 128): 128, 130 (2.4 -> 2), 0 (-128 saturated), 255 (328
  // saturated); dequantized: 0, 1, -64, 63.5.
  OnnxBuilder b(10);
  b.Input("x", DType::kF32, {4});
  b.Initializer("s", DType::kF32, {}, {0.5f});
  b.Initializer("zp", DType::kU8, {}, {128});
  b.Node("QuantizeLinear", {"x", "s", "zp"}, {"q"});
  b.Node("DequantizeLinear", {"q", "s", "zp"}, {"y"});
  b.Output("y");
  EXPECT_EQ(ConvertAndRun(b, F32({4}, {0, 1.2f, -64, 100})),
            (std::vector<float>{0, 1, -64, 63.5f}));
}

TEST(QuantOpsLowering, Opset13PerAxisKeepsAxis) {
  OnnxBuilder b(13);
  b.Input("x", DType::kF32, {2, 2});
  b.Initializer("s", DType::kF32, {2}, {1, 10});
  b.Initializer("zp", DType::kI8, {2}, {0, 1});
  SetAttrInt(b.Node("QuantizeLinear", {"x", "s", "zp"}, {"q"}), "axis", 0);
  SetAttrInt(b.Node("DequantizeLinear", {"q", "s", "zp"}, {"y"}), "axis", 0);
  b.Output("y");
  auto g = Convert(b);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(FindNode(*g, "QuantizeLinear")->attrs.GetInt("axis", 1), 0);
  // Row 0: scale 1, zp 0: 3, -2; row 1: scale 10, zp 1: 30 -> 3 + 1 -> 30, 44 -> 4 + 1 -> 40.
  EXPECT_EQ(ConvertAndRun(b, F32({2, 2}, {3, -2, 30, 44})), (std::vector<float>{3, -2, 30, 40}));
}

TEST(QuantOpsLowering, OutputDtypeWithoutZeroPointBecomesAZeroPoint) {
  OnnxBuilder b(13);
  b.Input("x", DType::kF32, {2});
  b.Initializer("s", DType::kF32, {}, {1});
  SetAttrInt(b.Node("QuantizeLinear", {"x", "s"}, {"q"}), "output_dtype", 3);  // ONNX INT8
  b.Output("q");
  auto g = Convert(b);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  const model::Node* q = FindNode(*g, "QuantizeLinear");
  ASSERT_NE(q, nullptr);
  ASSERT_EQ(q->inputs.size(), 3u);
  EXPECT_EQ(g->tensors[q->inputs[2]].dtype, DType::kI8);
  EXPECT_EQ(ConstValues<int8_t>(*g, q->inputs[2]), (std::vector<int8_t>{0}));
  EXPECT_FALSE(q->attrs.Has("output_dtype"));
  // ONNX 1.12's type inference predates output_dtype (ONNX-21) and types the output u8; the
  // runtime's inference, which follows the zero point, decides.
  auto out = testing::RunReference(*g, {F32({2}, {-3, 200}).view()});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)[0].dtype(), DType::kI8);
  EXPECT_EQ((*out)[0].as<int8_t>()[0], -3);
  EXPECT_EQ((*out)[0].as<int8_t>()[1], 127);  // 200 saturates
}

TEST(QuantOpsLowering, BlockedQuantizationIsUnsupported) {
  OnnxBuilder b(13);
  b.Input("x", DType::kF32, {2, 4});
  b.Initializer("s", DType::kF32, {2, 2}, {1, 1, 1, 1});
  SetAttrInt(b.Node("DequantizeLinear", {"x", "s"}, {"y"}), "block_size", 2);
  b.Output("y");
  auto g = Convert(b);
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.status().message().find("block_size 2"), std::string::npos) << g.status().message();
}

TEST(QuantOpsLowering, QLinearConvKeepsConvAttributes) {
  OnnxBuilder b(10);
  b.Input("x", DType::kU8, {1, 2, 4, 4});
  b.Initializer("xs", DType::kF32, {}, {0.5f});
  b.Initializer("xzp", DType::kU8, {}, {3});
  b.Initializer("w", DType::kI8, {2, 1, 3, 3}, std::vector<float>(18, 1));
  b.Initializer("ws", DType::kF32, {2}, {1, 2});
  b.Initializer("wzp", DType::kI8, {2}, {0, 0});
  b.Initializer("ys", DType::kF32, {}, {1});
  b.Initializer("yzp", DType::kI8, {}, {0});
  auto& conv = b.Node("QLinearConv", {"x", "xs", "xzp", "w", "ws", "wzp", "ys", "yzp"}, {"y"});
  SetAttrInt(conv, "group", 2);
  SetAttrInts(conv, "pads", {1, 1, 1, 1});
  SetAttrInts(conv, "strides", {2, 2});
  b.Output("y");
  auto g = Convert(b);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  const model::Node* n = FindNode(*g, "QLinearConv");
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->attrs.GetInt("group", 1), 2);
  EXPECT_EQ(n->attrs.GetInts("strides"), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(g->tensors[n->outputs[0]].dtype, DType::kI8);
}

}  // namespace
}  // namespace mota::converter
