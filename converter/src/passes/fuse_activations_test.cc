#include <gtest/gtest.h>

#include <cfloat>

#include "converter/src/passes/pass_test_util.h"
#include "converter/src/passes/passes.h"
#include "exec/activation.h"

namespace mota::converter {
namespace {

using namespace testing;  // NOLINT: test helpers

// x -> Add(x, c) -> s -> <act> -> y. Returns the graph; `extra` adds the activation's inputs.
model::Graph AddThen(const std::string& act, model::Attributes attrs = {},
                     std::vector<int32_t> (*extra)(model::Graph&) = nullptr) {
  model::Graph g;
  const int32_t x = AddInput(g, "x", {2, 8});
  const int32_t c = AddRandomConst(g, "c", {8}, 3);
  const int32_t s = AddValue(g, "s", {2, 8});
  const int32_t y = AddOutput(g, "y", {2, 8});
  AddNode(g, "add", "Add", {x, c}, {s});
  std::vector<int32_t> inputs = {s};
  if (extra != nullptr) {
    for (int32_t t : extra(g)) inputs.push_back(t);
  }
  AddNode(g, "act", act, inputs, {y}, std::move(attrs));
  return g;
}

std::vector<int32_t> Relu6Bounds(model::Graph& g) {
  return {AddConstF32(g, "lo", {}, {0.0f}), AddConstF32(g, "hi", {}, {6.0f})};
}
std::vector<int32_t> MinOnly(model::Graph& g) { return {AddConstF32(g, "lo", {}, {0.0f})}; }
std::vector<int32_t> MaxOnly(model::Graph& g) { return {-1, AddConstF32(g, "hi", {}, {0.5f})}; }

struct FuseCase {
  std::string op;
  model::Attributes attrs;
  std::vector<int32_t> (*extra)(model::Graph&);
  std::string fused;
  float alpha;
  float beta;
};

model::Attributes Floats(std::initializer_list<std::pair<const char*, float>> items) {
  model::Attributes a;
  for (const auto& [name, value] : items) a.SetFloat(name, value);
  return a;
}

class FuseEachActivation : public ::testing::TestWithParam<int> {};

const std::vector<FuseCase>& Cases() {
  static const std::vector<FuseCase> cases = {
      {"Relu", {}, nullptr, "Relu", 0, 0},
      {"Clip", {}, Relu6Bounds, "Clip", 0, 6},
      {"Clip", {}, MinOnly, "Relu", 0, 0},
      {"Clip", {}, MaxOnly, "Clip", -FLT_MAX, 0.5f},
      {"LeakyRelu", Floats({{"alpha", 0.2f}}), nullptr, "LeakyRelu", 0.2f, 0},
      {"LeakyRelu", {}, nullptr, "LeakyRelu", 0.01f, 0},
      {"HardSigmoid", Floats({{"alpha", 0.3f}, {"beta", 0.4f}}), nullptr, "HardSigmoid", 0.3f,
       0.4f},
      {"HardSwish", {}, nullptr, "HardSwish", 0, 0},
      {"Sigmoid", {}, nullptr, "Sigmoid", 0, 0},
      {"Tanh", {}, nullptr, "Tanh", 0, 0},
  };
  return cases;
}

TEST_P(FuseEachActivation, IntoTheProducingAdd) {
  const FuseCase& c = Cases()[GetParam()];
  model::Graph g = AddThen(c.op, c.attrs, c.extra);
  const model::Graph before = g;
  ASSERT_TRUE(FuseActivations(g).ok());
  ASSERT_EQ(OpTypes(g), (std::vector<std::string>{"Add"})) << c.op;
  const model::Node& add = g.nodes[0];
  EXPECT_EQ(add.outputs[0], g.outputs[0]);
  EXPECT_EQ(add.attrs.GetString(exec::kActivationAttr, ""), c.fused);
  if (c.fused == "Clip" || c.fused == "LeakyRelu" || c.fused == "HardSigmoid") {
    EXPECT_FLOAT_EQ(add.attrs.GetFloat(exec::kActivationAlphaAttr, -1), c.alpha);
    EXPECT_FLOAT_EQ(add.attrs.GetFloat(exec::kActivationBetaAttr, -1), c.beta);
  }
  ExpectSameOutputs(before, g);
}

INSTANTIATE_TEST_SUITE_P(Kinds, FuseEachActivation, ::testing::Range(0, 10));

TEST(FuseActivations, OutputReadTwiceIsNotFused) {
  model::Graph g = AddThen("Relu");
  const int32_t z = AddOutput(g, "z", {2, 8});
  AddNode(g, "other", "Sigmoid", {g.nodes[0].outputs[0]}, {z});
  ASSERT_TRUE(FuseActivations(g).ok());
  EXPECT_EQ(OpTypes(g), (std::vector<std::string>{"Add", "Relu", "Sigmoid"}));
}

TEST(FuseActivations, ProducerOutputThatIsAGraphOutputIsNotFused) {
  model::Graph g = AddThen("Relu");
  g.outputs.push_back(g.nodes[0].outputs[0]);
  ASSERT_TRUE(FuseActivations(g).ok());
  EXPECT_EQ(OpTypes(g), (std::vector<std::string>{"Add", "Relu"}));
}

TEST(FuseActivations, OnlyOneActivationPerNode) {
  model::Graph g;
  const int32_t x = AddInput(g, "x", {2, 8});
  const int32_t c = AddRandomConst(g, "c", {8}, 3);
  const int32_t s = AddValue(g, "s", {2, 8});
  const int32_t r = AddValue(g, "r", {2, 8});
  const int32_t y = AddOutput(g, "y", {2, 8});
  AddNode(g, "add", "Add", {x, c}, {s});
  AddNode(g, "relu", "Relu", {s}, {r});
  AddNode(g, "sig", "Sigmoid", {r}, {y});
  const model::Graph before = g;
  ASSERT_TRUE(FuseActivations(g).ok());
  EXPECT_EQ(OpTypes(g), (std::vector<std::string>{"Add", "Sigmoid"}));
  EXPECT_EQ(g.nodes[0].attrs.GetString(exec::kActivationAttr, ""), "Relu");
  ExpectSameOutputs(before, g);
}

TEST(FuseActivations, UnsupportedProducerOrIntegerOutputIsNotFused) {
  model::Graph g;
  const int32_t x = AddInput(g, "x", {4});
  const int32_t a = AddValue(g, "a", {4});
  const int32_t y = AddOutput(g, "y", {4});
  AddNode(g, "tanh", "Tanh", {x}, {a});
  AddNode(g, "relu", "Relu", {a}, {y});
  ASSERT_TRUE(FuseActivations(g).ok());
  EXPECT_EQ(OpTypes(g), (std::vector<std::string>{"Tanh", "Relu"}));

  model::Graph h = AddThen("Relu");
  for (model::TensorInfo& t : h.tensors) t.dtype = DType::kI64;
  ASSERT_TRUE(FuseActivations(h).ok());
  EXPECT_EQ(OpTypes(h), (std::vector<std::string>{"Add", "Relu"}));
}

TEST(FuseActivations, ClipWithRuntimeBoundsIsNotFused) {
  model::Graph g;
  const int32_t x = AddInput(g, "x", {4});
  const int32_t lo = AddInput(g, "lo", {});
  const int32_t c = AddRandomConst(g, "c", {4}, 1);
  const int32_t s = AddValue(g, "s", {4});
  const int32_t y = AddOutput(g, "y", {4});
  AddNode(g, "add", "Add", {x, c}, {s});
  AddNode(g, "clip", "Clip", {s, lo}, {y});
  ASSERT_TRUE(FuseActivations(g).ok());
  EXPECT_EQ(OpTypes(g), (std::vector<std::string>{"Add", "Clip"}));
}

// x = Add(in, c), then `build` makes the HardSwish pattern of x ending in output y.
model::Graph HardSwishGraph(void (*build)(model::Graph&, int32_t x, int32_t y)) {
  model::Graph g;
  const int32_t in = AddInput(g, "in", {2, 16});
  const int32_t c = AddRandomConst(g, "c", {16}, 5);
  const int32_t x = AddValue(g, "x", {2, 16});
  AddNode(g, "add", "Add", {in, c}, {x});
  const int32_t y = AddValue(g, "y", {2, 16}, true);
  build(g, x, y);
  g.outputs = {y};
  return g;
}

// Relu6(x + 3) as Add + Clip.
int32_t Relu6Plus3(model::Graph& g, int32_t x) {
  const int32_t three = AddConstF32(g, "three", {}, {3.0f});
  const int32_t a = AddValue(g, "plus3", {2, 16});
  const int32_t r = AddValue(g, "relu6", {2, 16});
  AddNode(g, "plus3", "Add", {x, three}, {a});
  const std::vector<int32_t> bounds = Relu6Bounds(g);
  AddNode(g, "clip", "Clip", {a, bounds[0], bounds[1]}, {r});
  return r;
}

void CheckHardSwishFused(model::Graph g) {
  const model::Graph before = g;
  ASSERT_TRUE(FuseActivations(g).ok());
  ASSERT_TRUE(EliminateDeadNodes(g).ok());
  ASSERT_EQ(OpTypes(g), (std::vector<std::string>{"Add"}));
  EXPECT_EQ(g.nodes[0].attrs.GetString(exec::kActivationAttr, ""), "HardSwish");
  EXPECT_EQ(g.tensors[g.nodes[0].outputs[0]].name, "y");
  ExpectSameOutputs(before, g);
}

TEST(FuseActivations, XTimesHardSigmoidBecomesHardSwish) {
  CheckHardSwishFused(HardSwishGraph([](model::Graph& g, int32_t x, int32_t y) {
    const int32_t h = AddValue(g, "h", {2, 16});
    AddNode(g, "hsig", "HardSigmoid", {x}, {h}, Floats({{"alpha", 1.0f / 6.0f}, {"beta", 0.5f}}));
    AddNode(g, "mul", "Mul", {h, x}, {y});
  }));
}

TEST(FuseActivations, XTimesRelu6OfXPlus3DividedBySixBecomesHardSwish) {
  CheckHardSwishFused(HardSwishGraph([](model::Graph& g, int32_t x, int32_t y) {
    const int32_t r = Relu6Plus3(g, x);
    const int32_t m = AddValue(g, "m", {2, 16});
    AddNode(g, "mul", "Mul", {x, r}, {m});
    AddNode(g, "div", "Div", {m, AddConstF32(g, "six", {}, {6.0f})}, {y});
  }));
}

TEST(FuseActivations, XTimesScaledRelu6BecomesHardSwish) {
  CheckHardSwishFused(HardSwishGraph([](model::Graph& g, int32_t x, int32_t y) {
    const int32_t r = Relu6Plus3(g, x);
    const int32_t d = AddValue(g, "d", {2, 16});
    AddNode(g, "scale", "Mul", {AddConstF32(g, "sixth", {}, {1.0f / 6.0f}), r}, {d});
    AddNode(g, "mul", "Mul", {d, x}, {y});
  }));
}

TEST(FuseActivations, HardSwishPatternWithRelu6AlreadyFusedIntoTheAdd) {
  CheckHardSwishFused(HardSwishGraph([](model::Graph& g, int32_t x, int32_t y) {
    const int32_t three = AddConstF32(g, "three", {}, {3.0f});
    const int32_t r = AddValue(g, "relu6", {2, 16});
    model::Attributes clip;
    clip.SetString(exec::kActivationAttr, "Clip");
    clip.SetFloat(exec::kActivationAlphaAttr, 0.0f);
    clip.SetFloat(exec::kActivationBetaAttr, 6.0f);
    AddNode(g, "plus3", "Add", {three, x}, {r}, clip);
    const int32_t m = AddValue(g, "m", {2, 16});
    AddNode(g, "mul", "Mul", {r, x}, {m});
    AddNode(g, "scale", "Mul", {m, AddConstF32(g, "sixth", {}, {1.0f / 6.0f})}, {y});
  }));
}

TEST(FuseActivations, HardSwishLookAlikesAreLeftAlone) {
  // Relu6(x + 3) * z / 6 with z != x is not HardSwish.
  model::Graph g = HardSwishGraph([](model::Graph& g, int32_t x, int32_t y) {
    const int32_t z = AddInput(g, "z", {2, 16});
    const int32_t r = Relu6Plus3(g, x);
    const int32_t m = AddValue(g, "m", {2, 16});
    AddNode(g, "mul", "Mul", {z, r}, {m});
    AddNode(g, "div", "Div", {m, AddConstF32(g, "six", {}, {6.0f})}, {y});
  });
  ASSERT_TRUE(FuseActivations(g).ok());
  EXPECT_EQ(CountOp(g, "HardSwish"), 0);
  // x * HardSigmoid(x) with ONNX's default alpha (0.2) is not HardSwish either.
  model::Graph h = HardSwishGraph([](model::Graph& g, int32_t x, int32_t y) {
    const int32_t s = AddValue(g, "h", {2, 16});
    AddNode(g, "hsig", "HardSigmoid", {x}, {s});
    AddNode(g, "mul", "Mul", {x, s}, {y});
  });
  ASSERT_TRUE(FuseActivations(h).ok());
  EXPECT_EQ(CountOp(h, "HardSwish"), 0);
}

}  // namespace
}  // namespace mota::converter
