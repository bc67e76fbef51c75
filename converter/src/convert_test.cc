#include "converter/src/convert.h"

#include <gtest/gtest.h>

#include <random>

#include "base/sha256.h"
#include "converter/src/convert_test_util.h"
#include "converter/src/writer.h"

namespace mota::converter {
namespace {

using testing::Convert;
using testing::F32;
using testing::Floats;
using testing::OpTypes;

// x[2,3] + c -> Relu -> y
OnnxBuilder AddRelu(int opset = 13) {
  OnnxBuilder b(opset);
  b.Input("x", DType::kF32, {2, 3});
  b.Initializer("c", DType::kF32, {3}, {1, -1, 0.5f});
  b.Node("Add", {"x", "c"}, {"sum"}, "add");
  b.Node("Relu", {"sum"}, {"y"}, "relu");
  b.Output("y");
  return b;
}

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(Convert, AddReluKeepsNamesAndRuns) {
  auto g = Convert(AddRelu());
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(OpTypes(*g), (std::vector<std::string>{"Add", "Relu"}));
  ASSERT_EQ(g->inputs.size(), 1u);
  ASSERT_EQ(g->outputs.size(), 1u);
  EXPECT_EQ(g->tensors[g->inputs[0]].name, "x");
  EXPECT_EQ(g->tensors[g->outputs[0]].name, "y");
  const model::TensorInfo& c = g->tensors[g->FindTensor("c")];
  EXPECT_TRUE(c.is_constant);
  // Shape inference typed every intermediate.
  const model::TensorInfo& sum = g->tensors[g->FindTensor("sum")];
  EXPECT_EQ(sum.dtype, DType::kF32);
  EXPECT_TRUE(sum.IsStaticShape());
  EXPECT_EQ(sum.StaticShape(), (Shape{2, 3}));
  exec::HostTensor x = F32({2, 3}, {-2, 0, 1, 3, 0.5f, -1});
  auto out = testing::RunReference(*g, {x.view()});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(Floats((*out)[0]), (std::vector<float>{0, 0, 1.5f, 4, 0, 0}));
}

TEST(Convert, MetadataRecordsSourceHashOpsetAndProducer) {
  OnnxBuilder b = AddRelu(11);
  const std::string bytes = b.Serialize();
  auto g = ConvertOnnx(Bytes(bytes), {});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->metadata.producer, "mota 0.1.0");
  EXPECT_EQ(g->metadata.source_sha256, Sha256Hex(Bytes(bytes)));
  EXPECT_EQ(g->metadata.precision, "fp32");
  EXPECT_EQ(g->metadata.properties.at("onnx_opset"), "11");
  EXPECT_EQ(g->metadata.properties.at("onnx_producer_name"), "mota-test");
  EXPECT_EQ(g->metadata.properties.at("onnx_producer_version"), "1");
  EXPECT_EQ(g->metadata.properties.at("onnx_graph_name"), "test_graph");
  ConvertOptions named;
  named.producer = "my-pipeline 2";
  EXPECT_EQ(ConvertOnnx(Bytes(bytes), named)->metadata.producer, "my-pipeline 2");
}

TEST(Convert, SameBytesGiveIdenticalModelBytes) {
  OnnxBuilder b = AddRelu();
  // A few nodes with generated names and made-up constants (Slice-1 attributes become inputs).
  OnnxBuilder legacy(9);
  legacy.Input("x", DType::kF32, {4, 6});
  auto& slice = legacy.Node("Slice", {"x"}, {"s"});
  SetAttrInts(slice, "starts", {1});
  SetAttrInts(slice, "ends", {3});
  SetAttrInts(slice, "axes", {0});
  legacy.Node("Relu", {"s"}, {"y"});
  legacy.Output("y");
  for (const OnnxBuilder* model : {&b, &legacy}) {
    for (bool optimize : {false, true}) {
      auto g1 = Convert(*model, optimize);
      auto g2 = Convert(*model, optimize);
      ASSERT_TRUE(g1.ok() && g2.ok()) << g1.status().ToString() << g2.status().ToString();
      auto bytes1 = SerializeModel(*g1);
      auto bytes2 = SerializeModel(*g2);
      ASSERT_TRUE(bytes1.ok()) << bytes1.status().ToString();
      EXPECT_EQ(*bytes1, *bytes2);
    }
  }
}

TEST(Convert, GarbageBytesFailCleanly) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    std::string junk(1 + rng() % 300, '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    auto g = ConvertOnnx(Bytes(junk), {});
    EXPECT_FALSE(g.ok());
  }
  auto empty = ConvertOnnx({}, {});
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("empty"), std::string::npos);
  auto text = ConvertOnnx(Bytes("this is not an onnx model"), {});
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.status().message().find("not a valid ONNX model"), std::string::npos)
      << text.status().message();
}

TEST(Convert, EveryTruncationOfAModelFailsCleanly) {
  const std::string bytes = AddRelu().Serialize();
  for (size_t n = 1; n < bytes.size(); ++n) {
    auto g = ConvertOnnx(Bytes(bytes.substr(0, n)), {});
    EXPECT_FALSE(g.ok()) << "prefix of " << n << " bytes converted";
  }
}

// ONNX 1.12's own shape inference crashes on these (ConvTranspose indexes dims of a rank-2 X by
// W's rank; a huge DepthToSpace blocksize squares to 0 and divides by it). The converter isolates
// inference, so they fail with an error whether or not the installed ONNX still crashes.
TEST(Convert, ModelsThatCrashOnnxShapeInferenceFailCleanly) {
  OnnxBuilder conv_t(13);
  conv_t.Input("x", DType::kF32, {1, 1});
  conv_t.Input("w", DType::kF32, {1, 2, 3});
  conv_t.Node("ConvTranspose", {"x", "w"}, {"y"});
  conv_t.Output("y");
  OnnxBuilder d2s(13);
  d2s.Input("x", DType::kF32, {2, 8, 3, 3});
  SetAttrInt(d2s.Node("DepthToSpace", {"x"}, {"y"}), "blocksize", int64_t{1} << 40);
  d2s.Output("y");
  for (const OnnxBuilder* b : {&conv_t, &d2s}) {
    auto g = Convert(*b);
    ASSERT_FALSE(g.ok());
    EXPECT_EQ(g.status().code(), StatusCode::kInvalidArgument) << g.status().ToString();
  }
}

TEST(Convert, OpsetsAboveSeventeenAreUnimplemented) {
  auto g = Convert(AddRelu(18));
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(g.status().message().find("opset 18"), std::string::npos) << g.status().message();
}

// Opsets 1-6 are upgraded to 7 by ONNX's version converter, then imported as usual.
TEST(Convert, LegacyOpsetsAreUpgraded) {
  auto g = Convert(AddRelu(6));
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->metadata.properties.at("onnx_opset"), "7");
}

TEST(Convert, UnsupportedModelListsEveryUnsupportedNode) {
  OnnxBuilder b(13);
  b.Opset("com.example", 1);
  b.Input("x", DType::kF32, {2, 3});
  b.Node("Relu", {"x"}, {"r"}, "fine");
  b.Node("MyCustomOp", {"r"}, {"c"}, "custom").set_domain("com.example");
  b.Node("Einsum", {"r"}, {"e"}, "einsum");
  SetAttrInt(b.Node("Cast", {"x"}, {"d"}, "to_double"), "to", onnx::TensorProto_DataType_DOUBLE);
  b.Node("LayerNormalization", {"x"}, {"ln"}, "too_new");  // opset 17 only
  b.Output("c");
  b.Output("e");
  b.Output("d");
  b.Output("ln");
  auto g = Convert(b);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kUnimplemented);
  const std::string& m = g.status().message();
  for (const char* what :
       {"MyCustomOp 'custom' (opset 13)", "com.example", "Einsum 'einsum'", "Cast 'to_double'",
        "DOUBLE", "LayerNormalization 'too_new'", "4 unsupported"}) {
    EXPECT_NE(m.find(what), std::string::npos) << what << " missing from: " << m;
  }
  EXPECT_EQ(m.find("'fine'"), std::string::npos) << m;
}

TEST(Convert, DoubleGraphInputAndInitializerAreReported) {
  OnnxBuilder b(13);
  b.InputOnnxType("xd", onnx::TensorProto_DataType_DOUBLE, {2});
  onnx::TensorProto w;
  w.set_name("wd");
  w.set_data_type(onnx::TensorProto_DataType_DOUBLE);
  w.add_dims(2);
  w.add_double_data(1.0);
  w.add_double_data(2.0);
  b.Initializer(w);
  b.Node("Add", {"xd", "wd"}, {"y"}, "add_doubles");
  b.Output("y");
  auto g = Convert(b);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(g.status().message().find("graph input 'xd' has dtype DOUBLE"), std::string::npos)
      << g.status().message();
  EXPECT_NE(g.status().message().find("Add 'add_doubles'"), std::string::npos)
      << g.status().message();
}

TEST(Convert, InputOverrideFixesSymbolicDims) {
  OnnxBuilder b(13);
  b.InputDims("x", DType::kF32, {{-1, "N"}, {3, {}}, {-1, "H"}});
  b.Node("Relu", {"x"}, {"y"});
  b.Output("y");
  auto symbolic = Convert(b);
  ASSERT_TRUE(symbolic.ok()) << symbolic.status().ToString();
  const model::TensorInfo& in = symbolic->tensors[symbolic->inputs[0]];
  ASSERT_EQ(in.dims.size(), 3u);
  EXPECT_EQ(in.dims[0], (model::Dim{-1, "N"}));
  EXPECT_EQ(in.dims[1], (model::Dim{3, ""}));
  EXPECT_EQ(symbolic->tensors[symbolic->outputs[0]].dims[2], (model::Dim{-1, "H"}));

  auto fixed = Convert(b, false, {{"x", {2, 3, 5}}});
  ASSERT_TRUE(fixed.ok()) << fixed.status().ToString();
  EXPECT_EQ(fixed->tensors[fixed->inputs[0]].StaticShape(), (Shape{2, 3, 5}));
  EXPECT_TRUE(fixed->tensors[fixed->outputs[0]].IsStaticShape());
  EXPECT_EQ(fixed->tensors[fixed->outputs[0]].StaticShape(), (Shape{2, 3, 5}));
}

TEST(Convert, InputOverrideWinsOverStaleOutputShapes) {
  OnnxBuilder b(13);
  b.InputDims("x", DType::kF32, {{-1, "N"}, {3, {}}});
  b.Node("Relu", {"x"}, {"y"});
  b.Output("y");
  // The exporter traced batch 1 into the output's declared shape.
  auto* shape = b.model().mutable_graph()->mutable_output(0)->mutable_type()->mutable_tensor_type();
  shape->set_elem_type(onnx::TensorProto_DataType_FLOAT);
  shape->mutable_shape()->add_dim()->set_dim_value(1);
  shape->mutable_shape()->add_dim()->set_dim_value(3);
  auto g = Convert(b, false, {{"x", {4, 3}}});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->tensors[g->outputs[0]].StaticShape(), (Shape{4, 3}));
}

// The declared output keeps a symbolic dim ONNX inference does not resolve through Flatten of a
// dynamic batch; with static inputs the runtime's inference makes it static.
TEST(Convert, StaticInputsGiveEveryTensorAStaticShape) {
  OnnxBuilder b(13);
  b.InputDims("x", DType::kF32, {{-1, "N"}, {3, {}}, {2, {}}});
  b.Node("Flatten", {"x"}, {"y"});
  b.Output("y");
  auto* out = b.model().mutable_graph()->mutable_output(0)->mutable_type()->mutable_tensor_type();
  out->set_elem_type(onnx::TensorProto_DataType_FLOAT);
  out->mutable_shape()->add_dim()->set_dim_param("dyn");
  out->mutable_shape()->add_dim()->set_dim_value(6);
  auto g = Convert(b, false, {{"x", {4, 3, 2}}});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  for (const model::TensorInfo& t : g->tensors) EXPECT_TRUE(t.IsStaticShape()) << t.name;
  EXPECT_EQ(g->tensors[g->outputs[0]].StaticShape(), (Shape{4, 6}));
}

TEST(Convert, BadInputOverridesNameTheInput) {
  OnnxBuilder b(13);
  b.InputDims("x", DType::kF32, {{-1, "N"}, {3, {}}});
  b.Node("Relu", {"x"}, {"y"});
  b.Output("y");
  struct Case {
    InputShapeOverride o;
    const char* expect;
  };
  for (const Case& c : {Case{{"nope", {1, 3}}, "'nope', which is not an input"},
                        Case{{"x", {1, 4}}, "sets dim 1 to 4 but the model fixes it to 3"},
                        Case{{"x", {1, 3, 1}}, "has rank 3"}}) {
    auto g = Convert(b, false, {c.o});
    ASSERT_FALSE(g.ok()) << c.expect;
    EXPECT_EQ(g.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(g.status().message().find(c.expect), std::string::npos) << g.status().message();
  }
}

TEST(Convert, InputWithoutShapeNeedsAnOverride) {
  OnnxBuilder b(13);
  b.Input("x", DType::kF32, {});
  b.model().mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->clear_shape();
  b.Node("Relu", {"x"}, {"y"});
  b.Output("y");
  auto g = Convert(b);
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.status().message().find("--input x="), std::string::npos) << g.status().message();
  EXPECT_TRUE(Convert(b, false, {{"x", {4}}}).ok());
}

TEST(Convert, InitializerListedAsInputIsAConstant) {
  OnnxBuilder b = AddRelu(8);
  b.Input("c", DType::kF32, {3});  // opset < 9 exporters list weights as inputs too
  auto g = Convert(b);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  ASSERT_EQ(g->inputs.size(), 1u);
  EXPECT_TRUE(g->tensors[g->FindTensor("c")].is_constant);
  auto bad = Convert(b, false, {{"c", {3}}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("not an input"), std::string::npos);
}

TEST(Convert, UnusedInitializersAreDropped) {
  OnnxBuilder b = AddRelu();
  b.Initializer("unused", DType::kF32, {2}, {1, 2});
  auto g = Convert(b);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->FindTensor("unused"), -1);
}

TEST(Convert, UnnamedNodesGetUniqueGeneratedNames) {
  OnnxBuilder b(13);
  b.Input("x", DType::kF32, {2});
  b.Node("Relu", {"x"}, {"a"});
  b.Node("Relu", {"a"}, {"y"});
  b.Output("y");
  auto g = Convert(b);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  ASSERT_EQ(g->nodes.size(), 2u);
  EXPECT_EQ(g->nodes[0].name, "Relu_0");
  EXPECT_EQ(g->nodes[1].name, "Relu_1");
}

TEST(Convert, NodesOutOfOrderAreSortedAndUndefinedInputsRejected) {
  OnnxBuilder b(13);
  b.Input("x", DType::kF32, {2});
  b.Node("Relu", {"a"}, {"y"}, "second");
  b.Node("Neg", {"x"}, {"a"}, "first");
  b.Output("y");
  auto g = Convert(b);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(OpTypes(*g), (std::vector<std::string>{"Neg", "Relu"}));

  OnnxBuilder bad(13);
  bad.Input("x", DType::kF32, {2});
  bad.Node("Relu", {"ghost"}, {"y"}, "reader");
  bad.Output("y");
  auto g2 = Convert(bad);
  ASSERT_FALSE(g2.ok());
  EXPECT_NE(g2.status().message().find("'reader'"), std::string::npos) << g2.status().message();
  EXPECT_NE(g2.status().message().find("'ghost'"), std::string::npos) << g2.status().message();
}

TEST(Convert, OptimizeRunsThePasses) {
  OnnxBuilder b(13);
  b.Input("x", DType::kF32, {2});
  b.Node("Identity", {"x"}, {"a"});
  b.Node("Relu", {"a"}, {"y"});
  b.Output("y");
  auto plain = Convert(b, false);
  auto optimized = Convert(b, true);
  ASSERT_TRUE(plain.ok() && optimized.ok());
  EXPECT_EQ(OpTypes(*plain), (std::vector<std::string>{"Identity", "Relu"}));
  EXPECT_EQ(OpTypes(*optimized), (std::vector<std::string>{"Relu"}));
  EXPECT_EQ(optimized->tensors[optimized->outputs[0]].name, "y");
}

TEST(ParseInputShapeOverride, ParsesNameAndDims) {
  auto o = ParseInputShapeOverride("input=1,3,224,224");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->name, "input");
  EXPECT_EQ(o->shape, (Shape{1, 3, 224, 224}));
  auto odd = ParseInputShapeOverride("a=b=7");
  ASSERT_TRUE(odd.ok());
  EXPECT_EQ(odd->name, "a=b");
  EXPECT_EQ(odd->shape, (Shape{7}));
  auto scalar = ParseInputShapeOverride("s=");
  ASSERT_TRUE(scalar.ok());
  EXPECT_TRUE(scalar->shape.empty());
  for (const char* bad : {"noequals", "=1,2", "x=1,,2", "x=1,", "x=0", "x=-1", "x=1.5", "x=3a"}) {
    auto r = ParseInputShapeOverride(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
    }
  }
}

TEST(ConvertFile, MissingFileNamesThePath) {
  auto g = ConvertOnnxFile("/nonexistent/model.onnx", {});
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.status().message().find("/nonexistent/model.onnx"), std::string::npos);
}

}  // namespace
}  // namespace mota::converter
