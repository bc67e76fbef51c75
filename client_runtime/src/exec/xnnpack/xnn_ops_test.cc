// Differential tests: every op the auto backend routes to XNNPACK, against the reference backend,
// with per-op tolerances. Each test also checks that XNNPACK really took the node.
#include <gtest/gtest.h>

#include <cstdlib>

#include "exec/xnnpack/xnn_test_util.h"

namespace mota::exec::xnn {
namespace {

using testing::Attrs;
using testing::ExpectMatchesReference;
using testing::GraphBuilder;
using testing::Tolerance;

constexpr Tolerance kConvTol{1e-4f, 1e-5f};
constexpr Tolerance kExactTol{0.0f, 0.0f};
constexpr Tolerance kElementwiseTol{1e-6f, 1e-7f};
// XNNPACK's sigmoid / elu / softmax use polynomial exp approximations (a few ulp).
constexpr Tolerance kTranscendentalTol{1e-5f, 1e-6f};

// How many nodes XNNPACK takes when mota's NHWC kernels are off (they may take some first).
void ExpectXnnNodes(const GraphBuilder& b, int xnn_nodes) {
  ExecutionPlan plan;
  StepPlanOptions options;
  options.nhwc_kernels = false;
  Result<StepPlan> steps = b.Steps(&plan, options);
  ASSERT_TRUE(steps.ok()) << steps.status().ToString();
  EXPECT_EQ(steps->xnn_nodes, xnn_nodes);
}

model::Attributes ConvAttrs(std::vector<int64_t> strides, std::vector<int64_t> pads,
                            std::vector<int64_t> dilations, int64_t group = 1) {
  model::Attributes a;
  a.SetInts("strides", std::move(strides));
  a.SetInts("pads", std::move(pads));
  a.SetInts("dilations", std::move(dilations));
  a.SetInt("group", group);
  return a;
}

struct ConvCase {
  Shape x;
  Shape w;
  model::Attributes attrs;
  bool bias;
};

void CheckConv(const ConvCase& c) {
  GraphBuilder b;
  std::vector<int32_t> in = {b.Input("x", c.x, 1), b.ConstF32("w", c.w, 2)};
  if (c.bias) in.push_back(b.ConstF32("b", {c.w[0]}, 3));
  b.Output(b.Node("Conv", c.attrs, in));
  ExpectXnnNodes(b, 1);
  ExpectMatchesReference(b, kConvTol);
}

TEST(XnnConv, StridesPadsDilations) {
  CheckConv({{1, 8, 13, 11}, {16, 8, 3, 3}, ConvAttrs({1, 1}, {1, 1, 1, 1}, {1, 1}), true});
  CheckConv({{2, 5, 17, 16}, {7, 5, 3, 3}, ConvAttrs({2, 2}, {1, 0, 2, 1}, {1, 1}), false});
  CheckConv({{1, 4, 15, 15}, {6, 4, 3, 2}, ConvAttrs({1, 2}, {2, 1, 2, 1}, {2, 3}), true});
  CheckConv({{1, 3, 20, 20}, {8, 3, 1, 1}, ConvAttrs({1, 1}, {0, 0, 0, 0}, {1, 1}), true});
}

TEST(XnnConv, AutoPadSameUpper) {
  model::Attributes a;
  a.SetString("auto_pad", "SAME_UPPER");
  a.SetInts("strides", {2, 2});
  CheckConv({{1, 6, 9, 10}, {4, 6, 3, 3}, a, true});
}

TEST(XnnConv, GroupsAndDepthwise) {
  CheckConv({{1, 8, 10, 10}, {12, 4, 3, 3}, ConvAttrs({1, 1}, {1, 1, 1, 1}, {1, 1}, 2), true});
  CheckConv({{1, 16, 12, 12}, {16, 1, 3, 3}, ConvAttrs({1, 1}, {1, 1, 1, 1}, {1, 1}, 16), true});
  CheckConv({{2, 8, 13, 13}, {8, 1, 5, 5}, ConvAttrs({2, 2}, {2, 2, 2, 2}, {1, 1}, 8), false});
  // depth multiplier 2
  CheckConv({{1, 6, 9, 9}, {12, 1, 3, 3}, ConvAttrs({1, 1}, {1, 1, 1, 1}, {1, 1}, 6), true});
}

// Conv and deconv filter copies are freed right after xnn_create_runtime_v2: with them
// poisoned (NaN) before the free, results must still match, so XNNPACK only read them to pack.
TEST(XnnConv, FiltersAreNotReadAfterRuntimeCreation) {
  ASSERT_EQ(setenv("MOTA_XNN_POISON_PACKED_FILTERS", "1", 1), 0);
  CheckConv({{1, 8, 10, 10}, {12, 4, 3, 3}, ConvAttrs({1, 1}, {1, 1, 1, 1}, {1, 1}, 2), true});
  CheckConv({{1, 16, 12, 12}, {16, 1, 3, 3}, ConvAttrs({1, 1}, {1, 1, 1, 1}, {1, 1}, 16), true});
  CheckConv({{1, 6, 9, 9}, {12, 1, 3, 3}, ConvAttrs({2, 2}, {1, 1, 1, 1}, {1, 1}, 6), false});
  model::Attributes a;
  a.SetInts("strides", {2, 2});
  GraphBuilder b;
  b.Output(b.Node("ConvTranspose", a, {b.Input("x", {1, 4, 5, 5}, 1), b.ConstF32("w", {4, 6, 3, 3}, 2)}));
  ExpectXnnNodes(b, 1);
  ExpectMatchesReference(b, kConvTol);
  ASSERT_EQ(unsetenv("MOTA_XNN_POISON_PACKED_FILTERS"), 0);
}

TEST(XnnConv, FusedActivations) {
  struct Act {
    const char* name;
    float alpha, beta;
  };
  for (const Act& act :
       {Act{"Relu", 0, 0}, Act{"Clip", 0.0f, 0.5f}, Act{"LeakyRelu", 0.1f, 0},
        Act{"HardSwish", 0, 0}, Act{"Sigmoid", 0, 0}, Act{"HardSigmoid", 0.2f, 0.5f}}) {
    SCOPED_TRACE(act.name);
    model::Attributes a = ConvAttrs({1, 1}, {1, 1, 1, 1}, {1, 1});
    a.SetString("activation", act.name);
    a.SetFloat("activation_alpha", act.alpha);
    a.SetFloat("activation_beta", act.beta);
    GraphBuilder b;
    b.Output(b.Node("Conv", a, {b.Input("x", {1, 4, 7, 7}, 1), b.ConstF32("w", {8, 4, 3, 3}, 2)}));
    ExpectXnnNodes(b, 1);
    ExpectMatchesReference(b, kTranscendentalTol);
  }
}

TEST(XnnConv, FusedTanhStaysOnLogicalKernels) {
  model::Attributes a = ConvAttrs({1, 1}, {0, 0, 0, 0}, {1, 1});
  a.SetString("activation", "Tanh");
  GraphBuilder b;
  b.Output(b.Node("Conv", a, {b.Input("x", {1, 4, 5, 5}, 1), b.ConstF32("w", {8, 4, 1, 1}, 2)}));
  ExpectXnnNodes(b, 0);
  ExpectMatchesReference(b, kConvTol);
}

void CheckDeconv(const Shape& x, const Shape& w, const model::Attributes& a, bool bias) {
  GraphBuilder b;
  std::vector<int32_t> in = {b.Input("x", x, 1), b.ConstF32("w", w, 2)};
  const int64_t group = a.GetInt("group", 1);
  if (bias) in.push_back(b.ConstF32("b", {w[1] * group}, 3));
  b.Output(b.Node("ConvTranspose", a, in));
  ExpectXnnNodes(b, 1);
  ExpectMatchesReference(b, kConvTol);
}

TEST(XnnDeconv, StridesPadsGroupsOutputPadding) {
  model::Attributes a;
  a.SetInts("strides", {2, 2});
  a.SetInts("pads", {1, 1, 1, 1});
  CheckDeconv({1, 8, 5, 6}, {8, 4, 3, 3}, a, true);
  a.SetInts("output_padding", {1, 0});
  CheckDeconv({1, 8, 5, 6}, {8, 4, 3, 3}, a, false);
  model::Attributes g;
  g.SetInt("group", 2);
  g.SetInts("strides", {1, 2});
  g.SetInts("dilations", {2, 1});
  CheckDeconv({2, 6, 4, 5}, {6, 3, 3, 2}, g, true);
  model::Attributes same;
  same.SetString("auto_pad", "SAME_UPPER");
  same.SetInts("strides", {2, 2});
  CheckDeconv({1, 4, 5, 5}, {4, 5, 4, 4}, same, true);
}

void CheckPool(const std::string& op, const model::Attributes& a, const Shape& x,
               int xnn_nodes = 1) {
  GraphBuilder b;
  b.Output(b.Node(op, a, {b.Input("x", x, 4)}));
  ExpectXnnNodes(b, xnn_nodes);
  ExpectMatchesReference(b, op == "MaxPool" ? kExactTol : kElementwiseTol);
}

model::Attributes PoolAttrs(std::vector<int64_t> k, std::vector<int64_t> s, std::vector<int64_t> p,
                            int64_t ceil = 0) {
  model::Attributes a;
  a.SetInts("kernel_shape", std::move(k));
  a.SetInts("strides", std::move(s));
  a.SetInts("pads", std::move(p));
  a.SetInt("ceil_mode", ceil);
  return a;
}

TEST(XnnPool, MaxPool) {
  CheckPool("MaxPool", PoolAttrs({3, 3}, {2, 2}, {1, 1, 1, 1}), {1, 8, 15, 15});
  CheckPool("MaxPool", PoolAttrs({3, 3}, {2, 2}, {0, 0, 0, 0}, 1), {2, 5, 14, 14});  // ceil_mode
  CheckPool("MaxPool", PoolAttrs({2, 2}, {2, 2}, {0, 0, 0, 0}), {1, 3, 9, 8});
  model::Attributes dilated = PoolAttrs({2, 2}, {1, 1}, {1, 1, 1, 1});
  dilated.SetInts("dilations", {2, 2});
  CheckPool("MaxPool", dilated, {1, 4, 9, 9});
}

TEST(XnnPool, AveragePool) {
  CheckPool("AveragePool", PoolAttrs({3, 3}, {1, 1}, {1, 1, 1, 1}),
            {1, 6, 10, 10});  // padding excluded
  CheckPool("AveragePool", PoolAttrs({2, 2}, {2, 2}, {0, 0, 0, 0}), {1, 6, 10, 10});
  CheckPool("AveragePool", PoolAttrs({3, 3}, {2, 2}, {0, 0, 0, 0}, 1),
            {1, 3, 10, 10});  // ceil_mode
  model::Attributes include = PoolAttrs({3, 3}, {1, 1}, {1, 1, 1, 1});
  include.SetInt("count_include_pad", 1);
  CheckPool("AveragePool", include, {1, 6, 8, 8}, 0);  // XNNPACK cannot count padding
}

TEST(XnnPool, GlobalAveragePool) { CheckPool("GlobalAveragePool", Attrs(), {2, 12, 7, 9}); }

struct BinaryCase {
  Shape a;
  Shape b;
  bool b_const;
};

TEST(XnnBinary, Broadcasting) {
  for (const char* op : {"Add", "Sub", "Mul", "Div", "Max", "Min"}) {
    for (const BinaryCase& c :
         {BinaryCase{{1, 8, 5, 6}, {1, 8, 5, 6}, false}, BinaryCase{{2, 8, 5, 6}, {8, 1, 1}, true},
          BinaryCase{{1, 8, 5, 6}, {1, 8, 1, 1}, false}, BinaryCase{{1, 3, 4, 5}, {5}, true},
          BinaryCase{{1, 3, 4, 5}, {1, 1, 4, 1}, true}, BinaryCase{{4, 16}, {16}, true},
          BinaryCase{{1, 6, 16}, {1, 6, 16}, false}}) {
      SCOPED_TRACE(std::string(op) + " " + ShapeToString(c.a) + " " + ShapeToString(c.b));
      GraphBuilder b;
      const int32_t x = b.Input("a", c.a, 5);
      const int32_t y = c.b_const ? b.ConstF32("b", c.b, 6) : b.Input("b", c.b, 6);
      b.Output(b.Node(op, Attrs(), {x, y}));
      ExpectXnnNodes(b, 1);
      ExpectMatchesReference(b, kElementwiseTol);
    }
  }
}

TEST(XnnBinary, ConstantFirstAndFusedRelu) {
  model::Attributes a;
  a.SetString("activation", "Relu");
  GraphBuilder b;
  b.Output(b.Node("Sub", a, {b.ConstF32("c", {1, 4, 1, 1}, 2), b.Input("x", {1, 4, 3, 3}, 1)}));
  ExpectXnnNodes(b, 1);
  ExpectMatchesReference(b, kElementwiseTol);
}

TEST(XnnUnary, Ops) {
  struct Case {
    const char* op;
    Tolerance tol;
  };
  for (const Case& c : {Case{"Relu", kExactTol}, Case{"LeakyRelu", kElementwiseTol},
                        Case{"Sigmoid", kTranscendentalTol}, Case{"HardSwish", kElementwiseTol},
                        Case{"Elu", kTranscendentalTol}, Case{"Abs", kExactTol},
                        Case{"Neg", kExactTol}, Case{"Floor", kExactTol}, Case{"Ceil", kExactTol},
                        Case{"Sqrt", kElementwiseTol}, Case{"Round", kExactTol}}) {
    SCOPED_TRACE(c.op);
    GraphBuilder b;
    int32_t x = b.Input("x", {1, 5, 6, 7}, 7);
    // Sqrt of negatives is NaN in both; keep it to real values. Round gets exact .5 ties.
    if (std::string(c.op) == "Sqrt") x = b.Node("Abs", Attrs(), {x});
    if (std::string(c.op) == "Round") x = b.Node("Mul", Attrs(), {x, b.ConstF32("four", {1}, 0)});
    b.Output(b.Node(c.op, Attrs(), {x}));
    ExpectMatchesReference(b, c.tol);
  }
}

TEST(XnnUnary, RoundHalfToEven) {
  GraphBuilder b;
  HostTensor halves = HostTensor::Allocate(DType::kF32, {8});
  const float v[8] = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 3.49f, -3.51f};
  for (int i = 0; i < 8; ++i) halves.as<float>()[i] = v[i];
  const int32_t x = b.Input("x", {8}, 1);
  b.Output(b.Node("Round", Attrs(),
                  {b.Node("Add", Attrs(),
                          {b.Node("Mul", Attrs(), {x, b.ConstF32("z", {8}, 0)}),
                           b.Const("h", std::move(halves))})}));
  ExpectXnnNodes(b, 3);
  ExpectMatchesReference(b, kExactTol);
}

TEST(XnnUnary, ClipWithConstantBounds) {
  HostTensor lo = HostTensor::Allocate(DType::kF32, {});
  HostTensor hi = HostTensor::Allocate(DType::kF32, {});
  lo.as<float>()[0] = -0.25f;
  hi.as<float>()[0] = 0.5f;
  GraphBuilder b;
  b.Output(b.Node(
      "Clip", Attrs(),
      {b.Input("x", {2, 3, 4, 5}, 1), b.Const("lo", std::move(lo)), b.Const("hi", std::move(hi))}));
  ExpectXnnNodes(b, 1);
  ExpectMatchesReference(b, kExactTol);
}

TEST(XnnFullyConnected, GemmAndMatMul) {
  for (int trans_b : {0, 1}) {
    SCOPED_TRACE(trans_b);
    model::Attributes a;
    a.SetInt("transB", trans_b);
    GraphBuilder b;
    const Shape w = trans_b ? Shape{24, 40} : Shape{40, 24};
    b.Output(b.Node("Gemm", a,
                    {b.Input("x", {3, 40}, 1), b.ConstF32("w", w, 2), b.ConstF32("c", {24}, 3)}));
    ExpectXnnNodes(b, 1);
    ExpectMatchesReference(b, kConvTol);
  }
  for (const Shape& x : {Shape{5, 32}, Shape{2, 7, 32}}) {
    GraphBuilder b;
    b.Output(b.Node("MatMul", Attrs(), {b.Input("x", x, 1), b.ConstF32("w", {32, 20}, 2)}));
    ExpectXnnNodes(b, 1);
    ExpectMatchesReference(b, kConvTol);
  }
}

TEST(XnnUnary, PReluPerChannelAndScalar) {
  for (const auto& [x, slope] :
       {std::pair<Shape, Shape>{{1, 6, 4, 5}, {6, 1, 1}},
        std::pair<Shape, Shape>{{2, 6, 4, 5}, {1, 6, 1, 1}},
        std::pair<Shape, Shape>{{1, 6, 4, 5}, {1}}, std::pair<Shape, Shape>{{3, 10}, {10}}}) {
    SCOPED_TRACE(ShapeToString(x) + " " + ShapeToString(slope));
    GraphBuilder b;
    b.Output(b.Node("PRelu", Attrs(), {b.Input("x", x, 1), b.ConstF32("s", slope, 2)}));
    ExpectXnnNodes(b, 1);
    ExpectMatchesReference(b, kElementwiseTol);
  }
}

TEST(XnnSoftmax, LastAxis) {
  model::Attributes a;
  a.SetInt("axis", -1);
  GraphBuilder b;
  b.Output(b.Node("Softmax", a, {b.Input("x", {3, 1000}, 1)}));
  ExpectXnnNodes(b, 1);
  ExpectMatchesReference(b, kTranscendentalTol);
}

TEST(XnnPad, ConstantMode) {
  GraphBuilder b;
  HostTensor value = HostTensor::Allocate(DType::kF32, {});
  value.as<float>()[0] = 0.75f;
  b.Output(b.Node("Pad", Attrs(),
                  {b.Input("x", {1, 3, 5, 6}, 1), b.ConstI64("pads", {0, 1, 2, 0, 0, 2, 1, 3}),
                   b.Const("v", std::move(value))}));
  ExpectXnnNodes(b, 1);
  ExpectMatchesReference(b, kExactTol);
}

TEST(XnnDepthToSpace, Dcr) {
  model::Attributes a;
  a.SetInt("blocksize", 2);
  a.SetString("mode", "DCR");
  GraphBuilder b;
  b.Output(b.Node("DepthToSpace", a, {b.Input("x", {1, 12, 3, 4}, 1)}));
  ExpectXnnNodes(b, 1);
  ExpectMatchesReference(b, kExactTol);
}

}  // namespace
}  // namespace mota::exec::xnn
