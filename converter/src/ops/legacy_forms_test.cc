// Older ONNX forms (attributes that later became inputs, changed defaults) are rewritten into the
// runtime form of manifests/spec/operators.md, and the rewritten graph computes what ONNX says.
#include <gtest/gtest.h>

#include <cmath>

#include "converter/src/convert_test_util.h"

namespace mota::converter {
namespace {

using testing::ConstValues;
using testing::Convert;
using testing::ConvertAndRun;
using testing::F32;
using testing::FindNode;

std::vector<float> Iota(int n) {
  std::vector<float> v(n);
  for (int i = 0; i < n; ++i) v[i] = static_cast<float>(i);
  return v;
}

TEST(LegacyForms, Pad2AttributesBecomeInputs) {
  OnnxBuilder b(7);
  b.Input("x", DType::kF32, {1, 3});
  auto& pad = b.Node("Pad", {"x"}, {"y"}, "pad");
  SetAttrInts(pad, "pads", {0, 1, 0, 2});
  SetAttrFloat(pad, "value", 9);
  b.Output("y");
  auto g = Convert(b);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  const model::Node* n = FindNode(*g, "Pad");
  ASSERT_NE(n, nullptr);
  ASSERT_EQ(n->inputs.size(), 3u);
  EXPECT_EQ(ConstValues<int64_t>(*g, n->inputs[1]), (std::vector<int64_t>{0, 1, 0, 2}));
  EXPECT_EQ(ConstValues<float>(*g, n->inputs[2]), (std::vector<float>{9}));
  EXPECT_TRUE(g->tensors[n->inputs[2]].dims.empty());  // a scalar
  EXPECT_EQ(n->attrs.GetString("mode", ""), "constant");
  EXPECT_FALSE(n->attrs.Has("pads"));
  EXPECT_EQ(ConvertAndRun(b, F32({1, 3}, {1, 2, 3})), (std::vector<float>{9, 1, 2, 3, 9, 9}));
}

TEST(LegacyForms, Pad2ReflectHasNoConstantValue) {
  OnnxBuilder b(9);
  b.Input("x", DType::kF32, {1, 3});
  auto& pad = b.Node("Pad", {"x"}, {"y"});
  SetAttrInts(pad, "pads", {0, 1, 0, 1});
  SetAttrString(pad, "mode", "reflect");
  b.Output("y");
  auto g = Convert(b);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(FindNode(*g, "Pad")->inputs.size(), 2u);
  EXPECT_EQ(ConvertAndRun(b, F32({1, 3}, {1, 2, 3})), (std::vector<float>{2, 1, 2, 3, 2}));
}

TEST(LegacyForms, Slice1AttributesBecomeInputs) {
  OnnxBuilder b(7);
  b.Input("x", DType::kF32, {3, 4});
  auto& slice = b.Node("Slice", {"x"}, {"y"});
  SetAttrInts(slice, "starts", {1});
  SetAttrInts(slice, "ends", {3});
  SetAttrInts(slice, "axes", {1});
  b.Output("y");
  auto g = Convert(b);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  const model::Node* n = FindNode(*g, "Slice");
  ASSERT_EQ(n->inputs.size(), 4u);
  EXPECT_EQ(ConstValues<int64_t>(*g, n->inputs[1]), (std::vector<int64_t>{1}));
  EXPECT_EQ(ConstValues<int64_t>(*g, n->inputs[2]), (std::vector<int64_t>{3}));
  EXPECT_EQ(ConstValues<int64_t>(*g, n->inputs[3]), (std::vector<int64_t>{1}));
  EXPECT_TRUE(n->attrs.empty());
  EXPECT_EQ(ConvertAndRun(b, F32({3, 4}, Iota(12))), (std::vector<float>{1, 2, 5, 6, 9, 10}));
}

const std::vector<float> kUpsampled = {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4};

TEST(LegacyForms, Upsample7BecomesResizeWithScalesConstant) {
  OnnxBuilder b(7);
  b.Input("x", DType::kF32, {1, 1, 2, 2});
  SetAttrFloats(b.Node("Upsample", {"x"}, {"y"}), "scales", {1, 1, 2, 2});
  b.Output("y");
  auto g = Convert(b);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  const model::Node* n = FindNode(*g, "Resize");
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(FindNode(*g, "Upsample"), nullptr);
  ASSERT_EQ(n->inputs.size(), 3u);
  EXPECT_EQ(n->inputs[1], -1);  // no roi
  EXPECT_EQ(ConstValues<float>(*g, n->inputs[2]), (std::vector<float>{1, 1, 2, 2}));
  EXPECT_EQ(n->attrs.GetString("mode", ""), "nearest");
  EXPECT_EQ(n->attrs.GetString("coordinate_transformation_mode", ""), "asymmetric");
  EXPECT_EQ(n->attrs.GetString("nearest_mode", ""), "floor");
  EXPECT_EQ(ConvertAndRun(b, F32({1, 1, 2, 2}, {1, 2, 3, 4})), kUpsampled);
}

TEST(LegacyForms, Upsample9And10TakeScalesAsInput) {
  for (int opset : {9, 10}) {  // Upsample-10 is deprecated but still found in exported models
    OnnxBuilder b(opset);
    b.Input("x", DType::kF32, {1, 1, 2, 2});
    b.Initializer("scales", DType::kF32, {4}, {1, 1, 2, 2});
    b.Node("Upsample", {"x", "scales"}, {"y"});
    b.Output("y");
    auto g = Convert(b);
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    const model::Node* n = FindNode(*g, "Resize");
    ASSERT_NE(n, nullptr);
    EXPECT_EQ(g->tensors[n->inputs[2]].name, "scales");
    EXPECT_EQ(ConvertAndRun(b, F32({1, 1, 2, 2}, {1, 2, 3, 4})), kUpsampled) << opset;
  }
}

TEST(LegacyForms, UpsampleLinearKeepsAsymmetricSampling) {
  OnnxBuilder b(9);
  b.Input("x", DType::kF32, {1, 1, 1, 2});
  b.Initializer("scales", DType::kF32, {4}, {1, 1, 1, 2});
  SetAttrString(b.Node("Upsample", {"x", "scales"}, {"y"}), "mode", "linear");
  b.Output("y");
  // Asymmetric: output j samples input j / 2, clamped at the edge.
  EXPECT_EQ(ConvertAndRun(b, F32({1, 1, 1, 2}, {0, 4})), (std::vector<float>{0, 2, 4, 4}));
}

TEST(LegacyForms, Resize10BecomesResizeWithoutRoi) {
  OnnxBuilder b(10);
  b.Input("x", DType::kF32, {1, 1, 2, 2});
  b.Initializer("scales", DType::kF32, {4}, {1, 1, 2, 2});
  b.Node("Resize", {"x", "scales"}, {"y"});
  b.Output("y");
  auto g = Convert(b);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  const model::Node* n = FindNode(*g, "Resize");
  ASSERT_EQ(n->inputs.size(), 3u);
  EXPECT_EQ(n->inputs[1], -1);
  EXPECT_EQ(ConvertAndRun(b, F32({1, 1, 2, 2}, {1, 2, 3, 4})), kUpsampled);
}

TEST(LegacyForms, Resize11EmptyRoiAndScalesBecomeOmitted) {
  OnnxBuilder b(11);
  b.Input("x", DType::kF32, {1, 1, 2, 2});
  b.Initializer("roi", DType::kF32, {0}, {});
  b.Initializer("scales", DType::kF32, {0}, {});
  b.InitializerI64("sizes", {4}, {1, 1, 4, 4});
  auto& resize = b.Node("Resize", {"x", "roi", "scales", "sizes"}, {"y"});
  SetAttrString(resize, "coordinate_transformation_mode", "asymmetric");
  SetAttrString(resize, "nearest_mode", "floor");
  b.Output("y");
  auto g = Convert(b);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  const model::Node* n = FindNode(*g, "Resize");
  ASSERT_EQ(n->inputs.size(), 4u);
  EXPECT_EQ(n->inputs[1], -1);
  EXPECT_EQ(n->inputs[2], -1);
  EXPECT_EQ(g->tensors[n->inputs[3]].name, "sizes");
  EXPECT_EQ(ConvertAndRun(b, F32({1, 1, 2, 2}, {1, 2, 3, 4})), kUpsampled);
}

TEST(LegacyForms, ReduceAxesAttributeBecomesInput) {
  for (const char* op : {"ReduceMean", "ReduceSum"}) {
    OnnxBuilder b(11);
    b.Input("x", DType::kF32, {2, 3});
    auto& reduce = b.Node(op, {"x"}, {"y"});
    SetAttrInts(reduce, "axes", {1});
    SetAttrInt(reduce, "keepdims", 0);
    b.Output("y");
    auto g = Convert(b);
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    const model::Node* n = FindNode(*g, op);
    ASSERT_EQ(n->inputs.size(), 2u) << op;
    EXPECT_EQ(ConstValues<int64_t>(*g, n->inputs[1]), (std::vector<int64_t>{1}));
    EXPECT_FALSE(n->attrs.Has("axes"));
    EXPECT_EQ(n->attrs.GetInt("keepdims", 1), 0);
    const std::vector<float> expect =
        std::string(op) == "ReduceMean" ? std::vector<float>{1, 4} : std::vector<float>{3, 12};
    EXPECT_EQ(ConvertAndRun(b, F32({2, 3}, Iota(6))), expect) << op;
  }
}

TEST(LegacyForms, ReduceWithoutAxesReducesEverything) {
  OnnxBuilder b(7);
  b.Input("x", DType::kF32, {2, 3});
  b.Node("ReduceMax", {"x"}, {"y"});
  b.Output("y");
  auto g = Convert(b);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(FindNode(*g, "ReduceMax")->inputs.size(), 1u);
  EXPECT_EQ(ConvertAndRun(b, F32({2, 3}, Iota(6))), (std::vector<float>{5}));
}

TEST(LegacyForms, Softmax1CoercesTo2DAtAxisOne) {
  OnnxBuilder b(7);
  b.Input("x", DType::kF32, {2, 2, 2});
  b.Node("Softmax", {"x"}, {"y"});
  b.Output("y");
  auto g = Convert(b);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  const model::Node* n = FindNode(*g, "Softmax");
  EXPECT_EQ(n->attrs.GetInt("axis", -1), 1);
  EXPECT_EQ(n->attrs.GetInt("coerce_2d", 0), 1);
  // Each batch row of 4 values is one softmax.
  const std::vector<float> x = {0, 1, 2, 3, 0, 0, 0, 0};
  std::vector<float> expect(8);
  float sum = 0;
  for (int i = 0; i < 4; ++i) sum += std::exp(x[i]);
  for (int i = 0; i < 4; ++i) expect[i] = std::exp(x[i]) / sum;
  for (int i = 4; i < 8; ++i) expect[i] = 0.25f;
  const std::vector<float> got = ConvertAndRun(b, F32({2, 2, 2}, x));
  ASSERT_EQ(got.size(), 8u);
  for (int i = 0; i < 8; ++i) EXPECT_NEAR(got[i], expect[i], 1e-6) << i;
}

TEST(LegacyForms, Softmax13KeepsItsForm) {
  OnnxBuilder b(13);
  b.Input("x", DType::kF32, {2, 2});
  b.Node("LogSoftmax", {"x"}, {"y"});
  b.Output("y");
  auto g = Convert(b);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_FALSE(g->nodes[0].attrs.Has("coerce_2d"));
  EXPECT_FALSE(g->nodes[0].attrs.Has("axis"));
}

TEST(LegacyForms, Clip6BoundsBecomeScalarInputs) {
  OnnxBuilder b(7);
  b.Input("x", DType::kF32, {4});
  auto& clip = b.Node("Clip", {"x"}, {"y"});
  SetAttrFloat(clip, "min", 0);
  SetAttrFloat(clip, "max", 6);
  b.Output("y");
  auto g = Convert(b);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  const model::Node* n = FindNode(*g, "Clip");
  ASSERT_EQ(n->inputs.size(), 3u);
  EXPECT_EQ(ConstValues<float>(*g, n->inputs[1]), (std::vector<float>{0}));
  EXPECT_EQ(ConstValues<float>(*g, n->inputs[2]), (std::vector<float>{6}));
  EXPECT_EQ(ConvertAndRun(b, F32({4}, {-1, 3, 7, 6})), (std::vector<float>{0, 3, 6, 6}));

  OnnxBuilder only_max(7);
  only_max.Input("x", DType::kF32, {2});
  SetAttrFloat(only_max.Node("Clip", {"x"}, {"y"}), "max", 1);
  only_max.Output("y");
  auto g2 = Convert(only_max);
  ASSERT_TRUE(g2.ok()) << g2.status().ToString();
  EXPECT_EQ(g2->nodes[0].inputs[1], -1);
  EXPECT_EQ(ConvertAndRun(only_max, F32({2}, {-5, 5})), (std::vector<float>{-5, 1}));
}

TEST(LegacyForms, Split2SizesBecomeInputOrNumOutputs) {
  OnnxBuilder b(7);
  b.Input("x", DType::kF32, {2, 3});
  auto& split = b.Node("Split", {"x"}, {"a", "b"});
  SetAttrInt(split, "axis", 1);
  SetAttrInts(split, "split", {1, 2});
  b.Node("Relu", {"b"}, {"rb"});
  b.Output("a");
  b.Output("rb");
  auto g = Convert(b);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  const model::Node* n = FindNode(*g, "Split");
  ASSERT_EQ(n->inputs.size(), 2u);
  EXPECT_EQ(ConstValues<int64_t>(*g, n->inputs[1]), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(n->outputs.size(), 2u);
  exec::HostTensor x = F32({2, 3}, {0, -1, 2, 3, 4, -5});
  auto out = testing::RunReference(*g, {x.view()});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(testing::Floats((*out)[0]), (std::vector<float>{0, 3}));
  EXPECT_EQ(testing::Floats((*out)[1]), (std::vector<float>{0, 2, 4, 0}));

  OnnxBuilder even(13);
  even.Input("x", DType::kF32, {6});
  even.Node("Split", {"x"}, {"p", "q", "r"});
  even.Output("p");
  even.Output("q");
  even.Output("r");
  auto g2 = Convert(even);
  ASSERT_TRUE(g2.ok()) << g2.status().ToString();
  EXPECT_EQ(g2->nodes[0].attrs.GetInt("num_outputs", 0), 3);
  EXPECT_EQ(g2->nodes[0].inputs.size(), 1u);
}

TEST(LegacyForms, Squeeze1AndUnsqueeze1AxesBecomeInputs) {
  OnnxBuilder b(11);
  b.Input("x", DType::kF32, {1, 3});
  SetAttrInts(b.Node("Squeeze", {"x"}, {"s"}), "axes", {0});
  SetAttrInts(b.Node("Unsqueeze", {"s"}, {"y"}), "axes", {1});
  b.Output("y");
  auto g = Convert(b);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(ConstValues<int64_t>(*g, FindNode(*g, "Squeeze")->inputs[1]),
            (std::vector<int64_t>{0}));
  EXPECT_EQ(ConstValues<int64_t>(*g, FindNode(*g, "Unsqueeze")->inputs[1]),
            (std::vector<int64_t>{1}));
  EXPECT_EQ(g->tensors[g->outputs[0]].StaticShape(), (Shape{3, 1}));
  EXPECT_EQ(ConvertAndRun(b, F32({1, 3}, {1, 2, 3})), (std::vector<float>{1, 2, 3}));
}

}  // namespace
}  // namespace mota::converter
