// Lowerings that change more than the opset form: Cast and ConstantOfShape dtype numbering,
// Constant, Dropout, BatchNormalization's training outputs, optional outputs.
#include <gtest/gtest.h>

#include "converter/src/convert_test_util.h"
#include "converter/src/lowering.h"

namespace mota::converter {
namespace {

using testing::ConstValues;
using testing::Convert;
using testing::ConvertAndRun;
using testing::F32;
using testing::FindNode;

TEST(SpecialOps, CastTargetIsAMotaDTypeNumber) {
  struct Case {
    int32_t onnx;
    DType mota;
  };
  for (const Case& c : {Case{onnx::TensorProto_DataType_FLOAT16, DType::kF16},
                        Case{onnx::TensorProto_DataType_INT64, DType::kI64},
                        Case{onnx::TensorProto_DataType_BOOL, DType::kBool},
                        Case{onnx::TensorProto_DataType_UINT8, DType::kU8}}) {
    OnnxBuilder b(13);
    b.Input("x", DType::kF32, {2});
    SetAttrInt(b.Node("Cast", {"x"}, {"y"}), "to", c.onnx);
    b.Output("y");
    auto g = Convert(b);
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    EXPECT_EQ(g->nodes[0].attrs.GetInt("to", -1), static_cast<int64_t>(c.mota)) << c.onnx;
    EXPECT_EQ(g->tensors[g->outputs[0]].dtype, c.mota);
  }
  OnnxBuilder b(13);
  b.Input("x", DType::kF32, {2});
  SetAttrInt(b.Node("Cast", {"x"}, {"y"}, "to_string"), "to", onnx::TensorProto_DataType_STRING);
  b.Output("y");
  auto g = Convert(b);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(g.status().message().find("Cast 'to_string'"), std::string::npos)
      << g.status().message();
}

TEST(SpecialOps, ConstantOfShapeValueBecomesDTypeAndValueAttributes) {
  OnnxBuilder b(13);
  b.InitializerI64("shape", {2}, {2, 3});
  onnx::TensorProto seven;
  seven.set_data_type(onnx::TensorProto_DataType_INT64);
  seven.add_dims(1);
  seven.add_int64_data(7);
  SetAttrTensor(b.Node("ConstantOfShape", {"shape"}, {"sevens"}), "value", seven);
  b.Node("ConstantOfShape", {"shape"}, {"zeros"});
  b.Output("sevens");
  b.Output("zeros");
  auto g = Convert(b);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  const model::Node& ints = g->nodes[0];
  EXPECT_EQ(ints.attrs.GetInt("dtype", -1), static_cast<int64_t>(DType::kI64));
  EXPECT_EQ(ints.attrs.GetInt("value_int", -1), 7);
  EXPECT_FALSE(ints.attrs.Has("value"));
  const model::Node& zeros = g->nodes[1];
  EXPECT_EQ(zeros.attrs.GetInt("dtype", -1), static_cast<int64_t>(DType::kF32));
  EXPECT_EQ(zeros.attrs.GetFloat("value_float", -1), 0.0f);
  auto out = testing::RunReference(*g, {});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ((*out)[0].dtype(), DType::kI64);
  EXPECT_EQ((*out)[0].shape(), (Shape{2, 3}));
  EXPECT_EQ((*out)[0].as<int64_t>()[5], 7);
}

TEST(SpecialOps, ConstantNodesBecomeConstantTensors) {
  OnnxBuilder b(13);
  b.Input("x", DType::kF32, {3});
  SetAttrTensor(b.Node("Constant", {}, {"c"}), "value",
                MakeTensor("", DType::kF32, {3}, {1, 2, 3}));
  // ONNX 1.12 shape inference reads Constant values given as `value` tensors only, so the
  // output shape below is static while the value_ints constant still converts.
  onnx::TensorProto shape;
  shape.set_data_type(onnx::TensorProto_DataType_INT64);
  shape.add_dims(2);
  shape.add_int64_data(3);
  shape.add_int64_data(1);
  SetAttrTensor(b.Node("Constant", {}, {"shape"}), "value", shape);
  SetAttrInts(b.Node("Constant", {}, {"flat"}), "value_ints", {1, 3});
  SetAttrInts(b.Node("Constant", {}, {"unused"}), "value_ints", {4, 5});
  SetAttrFloat(b.Node("Constant", {}, {"half"}), "value_float", 0.5f);
  b.Node("Add", {"x", "c"}, {"s"});
  b.Node("Mul", {"s", "half"}, {"m"});
  b.Node("Reshape", {"m", "shape"}, {"y"});
  b.Node("Reshape", {"y", "flat"}, {"z"});
  b.Output("y");
  b.Output("z");
  auto g = Convert(b);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(FindNode(*g, "Constant"), nullptr);
  EXPECT_EQ(ConstValues<float>(*g, g->FindTensor("c")), (std::vector<float>{1, 2, 3}));
  EXPECT_EQ(ConstValues<int64_t>(*g, g->FindTensor("shape")), (std::vector<int64_t>{3, 1}));
  EXPECT_EQ(ConstValues<int64_t>(*g, g->FindTensor("flat")), (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(g->FindTensor("unused"), -1);  // not carried over, like unused initializers
  EXPECT_TRUE(g->tensors[g->FindTensor("half")].dims.empty());
  EXPECT_EQ(g->tensors[g->outputs[0]].StaticShape(), (Shape{3, 1}));
  EXPECT_EQ(ConvertAndRun(b, F32({3}, {1, 1, 1})), (std::vector<float>{1, 1.5f, 2}));
  exec::HostTensor x = F32({3}, {1, 1, 1});
  auto out = testing::RunReference(*g, {x.view()});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)[1].shape(), (Shape{1, 3}));
}

TEST(SpecialOps, StringConstantIsUnsupported) {
  OnnxBuilder b(13);
  SetAttrString(b.Node("Constant", {}, {"s"}, "text"), "value_string", "hello");
  b.Output("s");
  auto g = Convert(b);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(g.status().message().find("Constant 'text'"), std::string::npos)
      << g.status().message();
}

TEST(SpecialOps, DropoutBecomesIdentityUnlessItsMaskIsUsed) {
  OnnxBuilder b(12);
  b.Input("x", DType::kF32, {2});
  b.Node("Dropout", {"x"}, {"y", "mask_unused"});
  b.Output("y");
  auto g = Convert(b);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->nodes[0].op_type, "Identity");
  EXPECT_EQ(g->nodes[0].outputs.size(), 1u);

  OnnxBuilder used(12);
  used.Input("x", DType::kF32, {2});
  used.Node("Dropout", {"x"}, {"y", "mask"}, "drop");
  used.Output("y");
  used.Output("mask");
  auto bad = Convert(used);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(bad.status().message().find("dropout mask"), std::string::npos)
      << bad.status().message();
}

OnnxBuilder BatchNorm(int opset, bool use_training_output) {
  OnnxBuilder b(opset);
  b.Input("x", DType::kF32, {1, 2, 1, 1});
  b.Initializer("scale", DType::kF32, {2}, {1, 2});
  b.Initializer("bias", DType::kF32, {2}, {0, 1});
  b.Initializer("mean", DType::kF32, {2}, {1, 0});
  b.Initializer("var", DType::kF32, {2}, {1, 4});
  std::vector<std::string> outs = {"y"};
  if (use_training_output) outs = {"y", "running_mean", "running_var"};
  auto& bn = b.Node("BatchNormalization", {"x", "scale", "bias", "mean", "var"}, outs, "bn");
  SetAttrFloat(bn, "epsilon", 0.0f);
  SetAttrFloat(bn, "momentum", 0.9f);
  if (use_training_output) SetAttrInt(bn, "training_mode", 0);
  b.Output("y");
  if (use_training_output) b.Output("running_mean");
  return b;
}

TEST(SpecialOps, BatchNormalizationIsInferenceOnly) {
  auto g = Convert(BatchNorm(9, false));
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  const model::Node& n = g->nodes[0];
  EXPECT_EQ(n.attrs.GetFloat("epsilon", -1), 0.0f);
  EXPECT_FALSE(n.attrs.Has("momentum"));
  EXPECT_EQ(ConvertAndRun(BatchNorm(9, false), F32({1, 2, 1, 1}, {3, 4})),
            (std::vector<float>{2, 5}));  // (3-1)/1*1+0, (4-0)/2*2+1

  auto bad = Convert(BatchNorm(15, true));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(bad.status().message().find("training statistic"), std::string::npos)
      << bad.status().message();
}

TEST(SpecialOps, MaxPoolKeepsItsIndicesOutput) {
  OnnxBuilder b(12);
  b.Input("x", DType::kF32, {1, 1, 2, 2});
  SetAttrInts(b.Node("MaxPool", {"x"}, {"y", "idx"}), "kernel_shape", {2, 2});
  b.Output("y");
  b.Output("idx");
  auto g = Convert(b);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  ASSERT_EQ(g->nodes[0].outputs.size(), 2u);
  EXPECT_EQ(g->tensors[g->nodes[0].outputs[1]].dtype, DType::kI64);
  EXPECT_EQ(g->nodes[0].attrs.GetInts("kernel_shape"), (std::vector<int64_t>{2, 2}));
}

TEST(SpecialOps, OmittedMiddleOutputGetsATensorAndTrailingOnesAreDropped) {
  OnnxBuilder b(17);
  b.Input("x", DType::kF32, {2, 4});
  b.Initializer("gamma", DType::kF32, {4}, {1, 1, 1, 1});
  b.Node("LayerNormalization", {"x", "gamma"}, {"y", "", "inv_std"}, "ln");
  b.Node("LayerNormalization", {"x", "gamma", ""}, {"y2", "", ""}, "ln2");
  b.Output("y");
  b.Output("inv_std");
  b.Output("y2");
  auto g = Convert(b);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  ASSERT_EQ(g->nodes[0].outputs.size(), 3u);
  EXPECT_EQ(g->tensors[g->nodes[0].outputs[1]].name, "ln/output_1");
  EXPECT_EQ(g->nodes[1].outputs.size(), 1u);
  EXPECT_EQ(g->nodes[1].inputs.size(), 2u);  // the trailing omitted B is dropped
}

TEST(SpecialOps, ResizeTfHalfPixelForNnIsUnsupported) {
  OnnxBuilder b(11);
  b.Input("x", DType::kF32, {1, 1, 2, 2});
  b.Initializer("roi", DType::kF32, {0}, {});
  b.Initializer("scales", DType::kF32, {4}, {1, 1, 2, 2});
  SetAttrString(b.Node("Resize", {"x", "roi", "scales"}, {"y"}, "rs"),
                "coordinate_transformation_mode", "tf_half_pixel_for_nn");
  b.Output("y");
  auto g = Convert(b);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(g.status().message().find("tf_half_pixel_for_nn"), std::string::npos);
}

TEST(SpecialOps, TensorAttributeOnAPassthroughOpIsUnsupported) {
  OnnxBuilder b(13);
  b.Input("x", DType::kF32, {2});
  SetAttrTensor(b.Node("Relu", {"x"}, {"y"}, "odd"), "weird",
                MakeTensor("", DType::kF32, {1}, {1}));
  b.Output("y");
  auto g = Convert(b);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(g.status().message().find("attribute 'weird' is of kind TENSOR"), std::string::npos)
      << g.status().message();
}

TEST(SpecialOps, F16IsAllowedOnlyAtCastBoundaries) {
  OnnxBuilder b(13);
  b.Input("x", DType::kF32, {3});
  SetAttrInt(b.Node("Cast", {"x"}, {"h"}), "to", onnx::TensorProto_DataType_FLOAT16);
  SetAttrInt(b.Node("Cast", {"h"}, {"y"}), "to", onnx::TensorProto_DataType_FLOAT);
  b.Output("y");
  EXPECT_EQ(ConvertAndRun(b, F32({3}, {1, 0.5f, -2})), (std::vector<float>{1, 0.5f, -2}));

  OnnxBuilder bad(13);
  bad.Input("x", DType::kF16, {3});
  bad.Node("Relu", {"x"}, {"y"}, "half_relu");
  bad.Output("y");
  auto g = Convert(bad);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(g.status().message().find("Relu 'half_relu'"), std::string::npos)
      << g.status().message();
  EXPECT_NE(g.status().message().find("'x' is f16"), std::string::npos) << g.status().message();
}

TEST(SpecialOps, Scatter9BecomesScatterElements) {
  OnnxBuilder b(9);
  b.Input("data", DType::kF32, {1, 4});
  b.InitializerI64("idx", {1, 2}, {3, 0});
  b.Initializer("upd", DType::kF32, {1, 2}, {7, 8});
  SetAttrInt(b.Node("Scatter", {"data", "idx", "upd"}, {"y"}), "axis", 1);
  b.Output("y");
  auto g = Convert(b);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->nodes[0].op_type, "ScatterElements");
  EXPECT_EQ(g->nodes[0].attrs.GetInt("axis", 0), 1);
  EXPECT_EQ(ConvertAndRun(b, F32({1, 4}, {1, 2, 3, 4})), (std::vector<float>{8, 2, 3, 7}));
}

TEST(SpecialOps, EveryListedOnnxOpHasALowering) {
  for (const char* op : {"Conv",
                         "ConvTranspose",
                         "BatchNormalization",
                         "Relu",
                         "Clip",
                         "LeakyRelu",
                         "PRelu",
                         "Sigmoid",
                         "HardSigmoid",
                         "HardSwish",
                         "Tanh",
                         "Erf",
                         "Add",
                         "Sub",
                         "Mul",
                         "Div",
                         "Pow",
                         "Sqrt",
                         "Max",
                         "Min",
                         "Sum",
                         "Mean",
                         "MatMul",
                         "Gemm",
                         "Softmax",
                         "LogSoftmax",
                         "LayerNormalization",
                         "MaxPool",
                         "AveragePool",
                         "GlobalAveragePool",
                         "GlobalMaxPool",
                         "ReduceMean",
                         "ReduceSum",
                         "ReduceMax",
                         "ReduceMin",
                         "ReduceProd",
                         "ReduceL1",
                         "ReduceL2",
                         "ReduceLogSumExp",
                         "ReduceSumSquare",
                         "ArgMax",
                         "ArgMin",
                         "Reshape",
                         "Flatten",
                         "Squeeze",
                         "Unsqueeze",
                         "Transpose",
                         "Concat",
                         "Split",
                         "Slice",
                         "Gather",
                         "GatherElements",
                         "Pad",
                         "Resize",
                         "Upsample",
                         "DepthToSpace",
                         "SpaceToDepth",
                         "Cast",
                         "Shape",
                         "Size",
                         "Constant",
                         "ConstantOfShape",
                         "Identity",
                         "Dropout",
                         "Where",
                         "Equal",
                         "Less",
                         "Greater",
                         "LessOrEqual",
                         "GreaterOrEqual",
                         "And",
                         "Or",
                         "Not",
                         "Xor",
                         "Exp",
                         "Log",
                         "Abs",
                         "Neg",
                         "Reciprocal",
                         "Floor",
                         "Ceil",
                         "Round",
                         "Sin",
                         "Cos",
                         "Softplus",
                         "Softsign",
                         "Sign",
                         "Elu",
                         "Selu",
                         "Celu",
                         "ThresholdedRelu",
                         "IsNaN",
                         "IsInf",
                         "Expand",
                         "Tile",
                         "Range",
                         "InstanceNormalization",
                         "LRN",
                         "Hardmax",
                         "Mod"}) {
    EXPECT_NE(FindLowering(op), nullptr) << op;
  }
}

}  // namespace
}  // namespace mota::converter
