#include <gtest/gtest.h>

#include "converter/src/passes/graph_rewrite.h"
#include "converter/src/passes/pass_test_util.h"
#include "converter/src/passes/passes.h"
#include "exec/activation.h"

namespace mota::converter {
namespace {

using namespace testing;  // NOLINT: test helpers

constexpr int64_t kC = 6;
constexpr int64_t kK = 5;

enum class Pool { kGlobalAveragePool, kReduceMeanKeepDims };
enum class Flat { kFlatten, kReshapeMinus1C, kReshape0Minus1 };

// x (N, C, 4, 4) -> pool -> flatten -> classifier -> y (N, K)
struct HeadSpec {
  Pool pool = Pool::kGlobalAveragePool;
  Flat flat = Flat::kFlatten;
  std::string classifier = "Gemm";
  bool trans_b = true;
  Shape bias_shape = {kK};  // empty: no bias
  float alpha = 1.0f;
  float beta = 1.0f;
};

void AddPool(model::Graph& g, Pool pool, int32_t x, int32_t p) {
  if (pool == Pool::kGlobalAveragePool) {
    AddNode(g, "gap", "GlobalAveragePool", {x}, {p});
    return;
  }
  AddNode(g, "mean", "ReduceMean", {x, AddConstI64(g, "axes", {2}, {-1, 2})}, {p});
}

void AddFlatten(model::Graph& g, Flat flat, int32_t p, int32_t f) {
  if (flat == Flat::kFlatten) {
    AddNode(g, "flatten", "Flatten", {p}, {f});
  } else if (flat == Flat::kReshapeMinus1C) {
    AddNode(g, "reshape", "Reshape", {p, AddConstI64(g, "shape", {2}, {-1, kC})}, {f});
  } else {
    AddNode(g, "reshape", "Reshape", {p, AddConstI64(g, "shape", {2}, {0, -1})}, {f});
  }
}

model::Graph HeadGraph(const HeadSpec& spec) {
  model::Graph g;
  const int32_t x = AddInput(g, "x", {-1, kC, 4, 4});
  const int32_t p = AddValue(g, "pooled", {-1, kC, 1, 1});
  const int32_t f = AddValue(g, "flat", {-1, kC});
  const int32_t y = AddOutput(g, "logits", {-1, kK});
  AddPool(g, spec.pool, x, p);
  AddFlatten(g, spec.flat, p, f);
  const Shape w_shape = spec.trans_b ? Shape{kK, kC} : Shape{kC, kK};
  std::vector<int32_t> inputs = {f, AddRandomConst(g, "fc_w", w_shape, 3)};
  if (spec.classifier == "MatMul") {
    AddNode(g, "fc", "MatMul", inputs, {y});
    return g;
  }
  if (!spec.bias_shape.empty()) inputs.push_back(AddRandomConst(g, "fc_b", spec.bias_shape, 4));
  model::Attributes attrs;
  attrs.SetInt("transB", spec.trans_b ? 1 : 0);
  attrs.SetFloat("alpha", spec.alpha);
  attrs.SetFloat("beta", spec.beta);
  AddNode(g, "fc", "Gemm", inputs, {y}, attrs);
  return g;
}

void ExpectLowered(const HeadSpec& spec, const std::vector<std::string>& ops) {
  model::Graph g = HeadGraph(spec);
  const model::Graph before = g;
  ASSERT_TRUE(LowerClassifierToConv(g).ok());
  ASSERT_TRUE(EliminateDeadNodes(g).ok());
  ASSERT_EQ(OpTypes(g), ops);
  const model::Node* conv = FindNodeByOp(g, "Conv");
  ASSERT_NE(conv, nullptr);
  EXPECT_EQ(StaticShapeOf(g, conv->inputs[1]), (Shape{kK, kC, 1, 1}));
  EXPECT_EQ(conv->inputs.size(), spec.bias_shape.empty() || spec.classifier == "MatMul" ? 2u : 3u);
  EXPECT_EQ(g.nodes.back().op_type, "Flatten");
  EXPECT_EQ(g.tensors[g.nodes.back().outputs[0]].name, "logits");
  ExpectSameOutputs(before, g);
}

TEST(LowerClassifierToConv, GapFlattenGemmBecomesConv) {
  ExpectLowered({}, {"GlobalAveragePool", "Conv", "Flatten"});
}

TEST(LowerClassifierToConv, GemmAlphaBetaAndScalarBiasAreFolded) {
  HeadSpec spec;
  spec.alpha = 0.5f;
  spec.beta = 3.0f;
  spec.bias_shape = {1, kK};
  ExpectLowered(spec, {"GlobalAveragePool", "Conv", "Flatten"});
  spec.bias_shape = {1};
  ExpectLowered(spec, {"GlobalAveragePool", "Conv", "Flatten"});
  spec.bias_shape = {};
  ExpectLowered(spec, {"GlobalAveragePool", "Conv", "Flatten"});
}

TEST(LowerClassifierToConv, ReshapeAndMatMulWithUntransposedWeights) {
  HeadSpec spec;
  spec.flat = Flat::kReshapeMinus1C;
  spec.classifier = "MatMul";
  spec.trans_b = false;
  ExpectLowered(spec, {"GlobalAveragePool", "Conv", "Flatten"});
  spec.flat = Flat::kReshape0Minus1;
  spec.classifier = "Gemm";
  ExpectLowered(spec, {"GlobalAveragePool", "Conv", "Flatten"});
}

TEST(LowerClassifierToConv, ReduceMeanKeepDimsPool) {
  HeadSpec spec;
  spec.pool = Pool::kReduceMeanKeepDims;
  ExpectLowered(spec, {"ReduceMean", "Conv", "Flatten"});
}

TEST(LowerClassifierToConv, UntransposedWeightsAreTransposedIntoTheConv) {
  HeadSpec spec;
  spec.trans_b = false;
  spec.bias_shape = {};
  model::Graph g = HeadGraph(spec);
  const std::vector<float> w = *ConstantAsFloats(g, g.nodes[2].inputs[1]);  // C x K
  ASSERT_TRUE(LowerClassifierToConv(g).ok());
  const std::vector<float> conv_w = *ConstantAsFloats(g, FindNodeByOp(g, "Conv")->inputs[1]);
  for (int64_t k = 0; k < kK; ++k) {
    for (int64_t c = 0; c < kC; ++c) EXPECT_EQ(conv_w[k * kC + c], w[c * kK + k]);
  }
}

TEST(LowerClassifierToConv, ReduceMeanWithoutKeepDimsBecomesGlobalAveragePool) {
  model::Graph g;
  const int32_t x = AddInput(g, "x", {2, kC, 3, 3});
  const int32_t m = AddValue(g, "mean", {2, kC});
  const int32_t y = AddOutput(g, "logits", {2, kK});
  model::Attributes keep0;
  keep0.SetInt("keepdims", 0);
  AddNode(g, "mean", "ReduceMean", {x, AddConstI64(g, "axes", {2}, {2, 3})}, {m}, keep0);
  model::Attributes attrs;
  attrs.SetInt("transB", 1);
  attrs.SetString(exec::kActivationAttr, "Relu");
  AddNode(g, "fc", "Gemm",
          {m, AddRandomConst(g, "w", {kK, kC}, 5), AddRandomConst(g, "b", {kK}, 6)}, {y}, attrs);
  const model::Graph before = g;
  ASSERT_TRUE(LowerClassifierToConv(g).ok());
  ASSERT_TRUE(EliminateDeadNodes(g).ok());
  ASSERT_EQ(OpTypes(g), (std::vector<std::string>{"GlobalAveragePool", "Conv", "Flatten"}));
  EXPECT_EQ(g.nodes[1].attrs.GetString(exec::kActivationAttr, ""), "Relu");
  ExpectSameOutputs(before, g);
}

// GAP -> Flatten -> MatMul -> Add(bias of `bias_shape`, activation `act`) -> logits
model::Graph MatMulAddHead(const Shape& bias_shape, const std::string& act) {
  model::Graph g;
  const int32_t x = AddInput(g, "x", {-1, kC, 4, 4});
  const int32_t p = AddValue(g, "pooled", {-1, kC, 1, 1});
  const int32_t f = AddValue(g, "flat", {-1, kC});
  const int32_t m = AddValue(g, "mm", {-1, kK});
  const int32_t y = AddOutput(g, "logits", {-1, kK});
  AddNode(g, "gap", "GlobalAveragePool", {x}, {p});
  AddNode(g, "flatten", "Flatten", {p}, {f});
  AddNode(g, "fc", "MatMul", {f, AddRandomConst(g, "fc_w", {kC, kK}, 7)}, {m});
  model::Attributes attrs;
  if (!act.empty()) attrs.SetString(exec::kActivationAttr, act);
  AddNode(g, "bias", "Add", {AddRandomConst(g, "fc_b", bias_shape, 8), m}, {y}, attrs);
  return g;
}

TEST(LowerClassifierToConv, BiasAddAfterMatMulBecomesTheConvBias) {
  for (const Shape& bias_shape : {Shape{kK}, Shape{1, kK}}) {
    model::Graph g = MatMulAddHead(bias_shape, "Sigmoid");
    const model::Graph before = g;
    ASSERT_TRUE(LowerClassifierToConv(g).ok());
    ASSERT_TRUE(EliminateDeadNodes(g).ok());
    ASSERT_EQ(OpTypes(g), (std::vector<std::string>{"GlobalAveragePool", "Conv", "Flatten"}));
    EXPECT_EQ(g.nodes[1].inputs.size(), 3u);
    EXPECT_EQ(g.nodes[1].attrs.GetString(exec::kActivationAttr, ""), "Sigmoid");
    EXPECT_EQ(g.tensors[g.nodes[2].outputs[0]].name, "logits");
    ExpectSameOutputs(before, g);
  }
  // A bias that broadcasts over rows differently stays a separate Add.
  model::Graph g = MatMulAddHead({2, kK}, "");
  ASSERT_TRUE(LowerClassifierToConv(g).ok());
  EXPECT_EQ(OpTypes(g), (std::vector<std::string>{"GlobalAveragePool", "Conv", "Flatten", "Add"}));
}

// GAP -> Reshape(p, Concat(batch, [-1])) -> Gemm, batch = `pick` of Shape(p) (0 or 1), read
// through Gather + Unsqueeze or through Cast (i32) + Slice.
model::Graph ComputedReshapeHead(bool slice, int64_t pick) {
  model::Graph g;
  const int32_t x = AddInput(g, "x", {-1, kC, 4, 4});
  const int32_t p = AddValue(g, "pooled", {-1, kC, 1, 1});
  const int32_t f = AddValue(g, "flat");
  const int32_t y = AddOutput(g, "logits", {-1, kK});
  AddNode(g, "gap", "GlobalAveragePool", {x}, {p});
  const int32_t shape = g.AddTensor({"shape", DType::kI64});
  AddNode(g, "shape", "Shape", {p}, {shape});
  const int32_t batch = g.AddTensor({"batch", DType::kI64});
  if (slice) {
    const int32_t shape32 = g.AddTensor({"shape32", DType::kI32});
    model::Attributes to;
    to.SetInt("to", static_cast<int64_t>(DType::kI32));
    AddNode(g, "cast", "Cast", {shape}, {shape32}, to);
    const int32_t sliced = g.AddTensor({"sliced", DType::kI32});
    AddNode(
        g, "slice", "Slice",
        {shape32, AddConstI64(g, "starts", {1}, {pick}), AddConstI64(g, "ends", {1}, {pick + 1})},
        {sliced});
    to.SetInt("to", static_cast<int64_t>(DType::kI64));
    AddNode(g, "cast_back", "Cast", {sliced}, {batch}, to);
  } else {
    const int32_t scalar = g.AddTensor({"scalar", DType::kI64});
    AddNode(g, "gather", "Gather", {shape, AddConstI64(g, "index", {}, {pick})}, {scalar});
    AddNode(g, "unsqueeze", "Unsqueeze", {scalar, AddConstI64(g, "axes", {1}, {0})}, {batch});
  }
  model::TensorInfo target_info = F32Tensor("target", {2});
  target_info.dtype = DType::kI64;
  const int32_t target = g.AddTensor(target_info);
  model::Attributes axis0;
  axis0.SetInt("axis", 0);
  AddNode(g, "concat", "Concat", {batch, AddConstI64(g, "minus1", {1}, {-1})}, {target}, axis0);
  AddNode(g, "reshape", "Reshape", {p, target}, {f});
  model::Attributes trans_b;
  trans_b.SetInt("transB", 1);
  AddNode(g, "fc", "Gemm",
          {f, AddRandomConst(g, "w", {kK, kC}, 9), AddRandomConst(g, "b", {kK}, 10)}, {y}, trans_b);
  return g;
}

TEST(LowerClassifierToConv, ReshapeToTheDynamicBatchComputedFromShapeIsLowered) {
  for (bool slice : {false, true}) {
    model::Graph g = ComputedReshapeHead(slice, 0);
    const model::Graph before = g;
    ASSERT_TRUE(LowerClassifierToConv(g).ok());
    ASSERT_TRUE(EliminateDeadNodes(g).ok());
    ASSERT_EQ(OpTypes(g), (std::vector<std::string>{"GlobalAveragePool", "Conv", "Flatten"}))
        << slice;
    ExpectSameOutputs(before, g, 7, 3);
  }
  // Dim 1 of the pooled tensor is not the batch.
  for (bool slice : {false, true}) {
    model::Graph g = ComputedReshapeHead(slice, 1);
    ASSERT_TRUE(LowerClassifierToConv(g).ok());
    EXPECT_EQ(CountOp(g, "Gemm"), 1) << slice;
  }
}

TEST(LowerClassifierToConv, HeadsThatDoNotMatchAreLeftAlone) {
  HeadSpec per_row_bias;
  per_row_bias.bias_shape = {2, kK};
  HeadSpec wrong_reshape;
  wrong_reshape.flat = Flat::kReshapeMinus1C;
  for (const HeadSpec& spec : {per_row_bias, wrong_reshape}) {
    model::Graph g = HeadGraph(spec);
    if (spec.flat == Flat::kReshapeMinus1C) {
      // (-1, 3): not (N, C).
      const int32_t shape = g.nodes[1].inputs[1];
      g.tensors[shape] = g.tensors[AddConstI64(g, "bad_shape", {2}, {-1, 3})];
      g.tensors[shape].name = "shape";
    }
    const std::vector<std::string> ops = OpTypes(g);
    ASSERT_TRUE(LowerClassifierToConv(g).ok());
    EXPECT_EQ(OpTypes(g), ops);
  }
  // The flattened features are also a graph output.
  model::Graph g = HeadGraph({});
  g.outputs.push_back(g.nodes[1].outputs[0]);
  ASSERT_TRUE(LowerClassifierToConv(g).ok());
  EXPECT_EQ(OpTypes(g), (std::vector<std::string>{"GlobalAveragePool", "Flatten", "Gemm"}));
}

}  // namespace
}  // namespace mota::converter
