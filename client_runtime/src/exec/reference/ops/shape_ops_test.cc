// Tests for the shape ops: Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Concat, Split, Shape,
// Size, ConstantOfShape, Expand, Tile, Range, DepthToSpace, SpaceToDepth, Trilu, OneHot and the
// Scatter ops, plus shapes computed by a Shape node at prepare time.
#include <gtest/gtest.h>

#include <cstring>
#include <numeric>

#include "exec/backend.h"
#include "exec/plan.h"
#include "exec/reference/op_test_util.h"
#include "exec/session.h"

namespace mota::exec {
namespace {

using testing::MakeBool;
using testing::MakeF32;
using testing::MakeI32;
using testing::MakeI64;
using testing::MakeU8;
using testing::OpInput;
using testing::RunOp;
using testing::ToFloats;
using testing::ToInts;

std::vector<float> Iota(int n, float from = 0) {
  std::vector<float> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), from);
  return v;
}

std::vector<OpInput> Inputs(HostTensor data, HostTensor constant) {
  std::vector<OpInput> in;
  in.push_back({std::move(data)});
  in.push_back({std::move(constant), true});
  return in;
}

// Runs a one-output op and returns its output, failing the test on an error.
HostTensor Run1(const std::string& op, const model::Attributes& attrs, std::vector<OpInput> in) {
  auto out = RunOp(op, attrs, std::move(in));
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return out.ok() ? std::move((*out)[0]) : HostTensor();
}

std::string ErrorOf(const std::string& op, const model::Attributes& attrs, std::vector<OpInput> in,
                    int outputs = 1) {
  auto out = RunOp(op, attrs, std::move(in), outputs);
  EXPECT_FALSE(out.ok());
  return out.ok() ? "" : out.status().message();
}

TEST(ReshapeOp, ZeroCopiesTheInputDimAndMinusOneIsInferred) {
  HostTensor out =
      Run1("Reshape", {}, Inputs(MakeF32({2, 3, 4}, Iota(24)), MakeI64({3}, {0, -1, 2})));
  EXPECT_EQ(out.shape(), (Shape{2, 6, 2}));
  EXPECT_EQ(ToFloats(out), Iota(24));
}

TEST(ReshapeOp, AllowZeroKeepsAZeroDim) {
  model::Attributes a;
  a.SetInt("allowzero", 1);
  HostTensor out = Run1("Reshape", a, Inputs(MakeF32({0, 3}, {}), MakeI64({2}, {3, 0})));
  EXPECT_EQ(out.shape(), (Shape{3, 0}));
}

TEST(ReshapeOp, AllowZeroWithMinusOneIsRejected) {
  model::Attributes a;
  a.SetInt("allowzero", 1);
  const std::string msg = ErrorOf("Reshape", a, Inputs(MakeF32({0, 3}, {}), MakeI64({2}, {0, -1})));
  EXPECT_NE(msg.find("allowzero"), std::string::npos) << msg;
}

TEST(ReshapeOp, MismatchNamesNodeShapesAndCount) {
  const std::string msg =
      ErrorOf("Reshape", {}, Inputs(MakeF32({2, 3}, Iota(6)), MakeI64({2}, {4, -1})));
  EXPECT_NE(msg.find("node 'node'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("cannot reshape [2,3] (6 elements) to [4,-1]"), std::string::npos) << msg;
}

// A shape fed as a graph input: planning by shape alone fails clearly; the session then plans
// with the value (session.h).
TEST(ReshapeOp, ShapeFedAsAGraphInput) {
  std::vector<OpInput> in;
  in.push_back({MakeF32({2, 3}, Iota(6))});
  in.push_back({MakeI64({2}, {3, 2})});  // a graph input: not known from shapes alone
  auto out = RunOp("Reshape", {}, std::move(in));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)[0].shape(), (Shape{3, 2}));

  model::Graph g;
  model::TensorInfo x{"x", DType::kF32, true, {{2, {}}, {3, {}}}};
  model::TensorInfo s{"s", DType::kI64, true, {{2, {}}}};
  model::TensorInfo y{"y", DType::kF32};
  g.inputs = {g.AddTensor(x), g.AddTensor(s)};
  g.outputs = {g.AddTensor(y)};
  g.nodes.push_back({"r", "Reshape", {}, {g.inputs[0], g.inputs[1]}, {g.outputs[0]}});
  const Shape shapes[] = {{2, 3}, {2}};
  auto plan = PlanExecution(g, shapes);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("known when the model is prepared"), std::string::npos)
      << plan.status().message();
}

TEST(FlattenOp, NegativeAxisAndAxisZero) {
  model::Attributes a;
  a.SetInt("axis", -1);
  std::vector<OpInput> in;
  in.push_back({MakeF32({2, 3, 4}, Iota(24))});
  EXPECT_EQ(Run1("Flatten", a, std::move(in)).shape(), (Shape{6, 4}));
  a.SetInt("axis", 0);
  in.clear();
  in.push_back({MakeF32({2, 3, 4}, Iota(24))});
  EXPECT_EQ(Run1("Flatten", a, std::move(in)).shape(), (Shape{1, 24}));
}

TEST(SqueezeOp, NegativeAxesAndAllOnes) {
  EXPECT_EQ(Run1("Squeeze", {}, Inputs(MakeF32({1, 3, 1, 2}, Iota(6)), MakeI64({1}, {-2}))).shape(),
            (Shape{1, 3, 2}));
  std::vector<OpInput> in;
  in.push_back({MakeF32({1, 3, 1, 2}, Iota(6))});
  EXPECT_EQ(Run1("Squeeze", {}, std::move(in)).shape(), (Shape{3, 2}));
}

TEST(SqueezeOp, NonUnitAxisIsRejected) {
  const std::string msg =
      ErrorOf("Squeeze", {}, Inputs(MakeF32({1, 3}, Iota(3)), MakeI64({1}, {1})));
  EXPECT_NE(msg.find("its size is 3"), std::string::npos) << msg;
}

TEST(UnsqueezeOp, AxesRefersToTheOutputRank) {
  HostTensor out = Run1("Unsqueeze", {}, Inputs(MakeF32({3, 4}, Iota(12)), MakeI64({2}, {-1, 0})));
  EXPECT_EQ(out.shape(), (Shape{1, 3, 4, 1}));
  EXPECT_EQ(ToFloats(out), Iota(12));
}

TEST(UnsqueezeOp, RepeatedAxisIsRejected) {
  const std::string msg =
      ErrorOf("Unsqueeze", {}, Inputs(MakeF32({3}, Iota(3)), MakeI64({2}, {0, -3})));
  EXPECT_NE(msg.find("repeated"), std::string::npos) << msg;
}

// The naive transpose, to check the blocked strided copy against.
std::vector<float> NaiveTranspose(const std::vector<float>& x, const Shape& shape,
                                  const std::vector<int64_t>& perm) {
  Shape out_shape;
  for (int64_t p : perm) out_shape.push_back(shape[p]);
  std::vector<int64_t> in_strides(shape.size(), 1);
  for (size_t d = shape.size() - 1; d-- > 0;) in_strides[d] = in_strides[d + 1] * shape[d + 1];
  std::vector<float> out(x.size());
  std::vector<int64_t> idx(shape.size(), 0);
  for (size_t o = 0; o < x.size(); ++o) {
    int64_t src = 0;
    for (size_t d = 0; d < perm.size(); ++d) src += idx[d] * in_strides[perm[d]];
    out[o] = x[src];
    for (size_t d = idx.size(); d-- > 0;) {
      if (++idx[d] < out_shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

TEST(TransposeOp, MatchesNaiveForEveryPermOfA4DTensor) {
  const Shape shape = {3, 17, 40, 5};
  const std::vector<float> x = Iota(3 * 17 * 40 * 5);
  std::vector<int64_t> perm = {0, 1, 2, 3};
  do {
    model::Attributes a;
    a.SetInts("perm", perm);
    std::vector<OpInput> in;
    in.push_back({MakeF32(shape, x)});
    HostTensor out = Run1("Transpose", a, std::move(in));
    EXPECT_EQ(ToFloats(out), NaiveTranspose(x, shape, perm)) << ShapeToString(perm);
  } while (std::next_permutation(perm.begin(), perm.end()));
}

TEST(TransposeOp, DefaultReversesAndWorksOnBytes) {
  std::vector<OpInput> in;
  in.push_back({MakeU8({2, 3}, {1, 2, 3, 4, 5, 6})});
  HostTensor out = Run1("Transpose", {}, std::move(in));
  EXPECT_EQ(out.shape(), (Shape{3, 2}));
  EXPECT_EQ(ToInts(out), (std::vector<int64_t>{1, 4, 2, 5, 3, 6}));
}

TEST(TransposeOp, BadPermIsRejected) {
  model::Attributes a;
  a.SetInts("perm", {0, 0});
  std::vector<OpInput> in;
  in.push_back({MakeF32({2, 3}, Iota(6))});
  EXPECT_NE(ErrorOf("Transpose", a, std::move(in)).find("not a permutation"), std::string::npos);
}

TEST(ConcatOp, NegativeAxisThreeInputs) {
  model::Attributes a;
  a.SetInt("axis", -1);
  std::vector<OpInput> in;
  in.push_back({MakeI64({2, 1}, {1, 2})});
  in.push_back({MakeI64({2, 2}, {3, 4, 5, 6})});
  in.push_back({MakeI64({2, 0}, {})});
  HostTensor out = Run1("Concat", a, std::move(in));
  EXPECT_EQ(out.shape(), (Shape{2, 3}));
  EXPECT_EQ(ToInts(out), (std::vector<int64_t>{1, 3, 4, 2, 5, 6}));
}

TEST(ConcatOp, MismatchedDimIsRejected) {
  model::Attributes a;
  a.SetInt("axis", 0);
  std::vector<OpInput> in;
  in.push_back({MakeF32({1, 2}, {1, 2})});
  in.push_back({MakeF32({1, 3}, {1, 2, 3})});
  EXPECT_NE(ErrorOf("Concat", a, std::move(in)).find("[1,3]"), std::string::npos);
}

TEST(SplitOp, ExplicitSplitsOnNegativeAxis) {
  model::Attributes a;
  a.SetInt("axis", -1);
  auto out = RunOp("Split", a, Inputs(MakeF32({2, 5}, Iota(10)), MakeI64({2}, {2, 3})), 2);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{0, 1, 5, 6}));
  EXPECT_EQ(ToFloats((*out)[1]), (std::vector<float>{2, 3, 4, 7, 8, 9}));
}

TEST(SplitOp, NumOutputsMakesTheLastPartSmaller) {
  model::Attributes a;
  a.SetInt("num_outputs", 3);
  std::vector<OpInput> in;
  in.push_back({MakeI32({7}, {0, 1, 2, 3, 4, 5, 6})});
  auto out = RunOp("Split", a, std::move(in), 3);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(ToInts((*out)[0]), (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(ToInts((*out)[1]), (std::vector<int64_t>{3, 4, 5}));
  EXPECT_EQ(ToInts((*out)[2]), (std::vector<int64_t>{6}));
}

TEST(SplitOp, NeitherSplitNorNumOutputsSplitsEqually) {
  std::vector<OpInput> in;
  in.push_back({MakeF32({4, 2}, Iota(8))});
  auto out = RunOp("Split", {}, std::move(in), 2);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(ToFloats((*out)[1]), (std::vector<float>{4, 5, 6, 7}));
  in.clear();
  in.push_back({MakeF32({3}, Iota(3))});
  EXPECT_NE(ErrorOf("Split", {}, std::move(in), 2).find("equal parts"), std::string::npos);
}

TEST(ShapeOp, StartAndEndAreClamped) {
  model::Attributes a;
  a.SetInt("start", -3);
  a.SetInt("end", 100);
  std::vector<OpInput> in;
  in.push_back({MakeF32({2, 3, 4, 5}, Iota(120))});
  HostTensor out = Run1("Shape", a, std::move(in));
  EXPECT_EQ(out.dtype(), DType::kI64);
  EXPECT_EQ(ToInts(out), (std::vector<int64_t>{3, 4, 5}));
}

TEST(SizeOp, CountsElements) {
  std::vector<OpInput> in;
  in.push_back({MakeBool({2, 3}, {true, false, true, false, true, false})});
  HostTensor out = Run1("Size", {}, std::move(in));
  EXPECT_EQ(out.shape(), Shape{});
  EXPECT_EQ(ToInts(out), (std::vector<int64_t>{6}));
}

TEST(ConstantOfShapeOp, FillsEachDType) {
  model::Attributes a;
  a.SetInt("dtype", static_cast<int64_t>(DType::kI64));
  a.SetInt("value_int", int64_t{1} << 40);
  std::vector<OpInput> in;
  in.push_back({MakeI64({2}, {2, 2}), true});
  HostTensor out = Run1("ConstantOfShape", a, std::move(in));
  EXPECT_EQ(out.dtype(), DType::kI64);
  EXPECT_EQ(ToInts(out), (std::vector<int64_t>(4, int64_t{1} << 40)));

  model::Attributes f;
  f.SetFloat("value_float", 1.5f);
  in.clear();
  in.push_back({MakeI64({1}, {3}), true});
  HostTensor fo = Run1("ConstantOfShape", f, std::move(in));
  EXPECT_EQ(fo.dtype(), DType::kF32);
  EXPECT_EQ(ToFloats(fo), (std::vector<float>{1.5f, 1.5f, 1.5f}));
}

TEST(ConstantOfShapeOp, EmptyShapeGivesAScalar) {
  std::vector<OpInput> in;
  in.push_back({MakeI64({0}, {}), true});
  HostTensor out = Run1("ConstantOfShape", {}, std::move(in));
  EXPECT_EQ(out.shape(), Shape{});
  EXPECT_EQ(ToFloats(out), (std::vector<float>{0}));
}

TEST(ExpandOp, BroadcastsBothWays) {
  HostTensor out = Run1("Expand", {}, Inputs(MakeF32({3, 1}, {1, 2, 3}), MakeI64({3}, {2, 1, 2})));
  EXPECT_EQ(out.shape(), (Shape{2, 3, 2}));
  EXPECT_EQ(ToFloats(out), (std::vector<float>{1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3}));
  const std::string msg = ErrorOf("Expand", {}, Inputs(MakeF32({3}, {1, 2, 3}), MakeI64({1}, {2})));
  EXPECT_NE(msg.find("cannot expand [3] to [2]"), std::string::npos) << msg;
}

TEST(TileOp, RepeatsEachDim) {
  HostTensor out = Run1("Tile", {}, Inputs(MakeI32({2, 2}, {1, 2, 3, 4}), MakeI64({2}, {2, 3})));
  EXPECT_EQ(out.shape(), (Shape{4, 6}));
  EXPECT_EQ(ToInts(out), (std::vector<int64_t>{1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4,
                                               1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4}));
}

TEST(RangeOp, FloatIntAndEmpty) {
  auto run = [](HostTensor s, HostTensor l, HostTensor d) {
    std::vector<OpInput> in;
    in.push_back({std::move(s), true});
    in.push_back({std::move(l), true});
    in.push_back({std::move(d), true});
    return Run1("Range", {}, std::move(in));
  };
  EXPECT_EQ(ToFloats(run(MakeF32({}, {1}), MakeF32({}, {2}), MakeF32({}, {0.25f}))),
            (std::vector<float>{1, 1.25f, 1.5f, 1.75f}));
  EXPECT_EQ(ToInts(run(MakeI64({}, {10}), MakeI64({}, {4}), MakeI64({}, {-3}))),
            (std::vector<int64_t>{10, 7}));
  EXPECT_EQ(run(MakeI32({}, {5}), MakeI32({}, {1}), MakeI32({}, {2})).shape(), (Shape{0}));
}

TEST(DepthToSpaceOp, DcrAndCrdOrders) {
  // [1, 8, 1, 1] channels 0..7 with blocksize 2: output [1, 2, 2, 2].
  model::Attributes a;
  a.SetInt("blocksize", 2);
  std::vector<OpInput> in;
  in.push_back({MakeF32({1, 8, 1, 1}, Iota(8))});
  HostTensor dcr = Run1("DepthToSpace", a, std::move(in));
  EXPECT_EQ(dcr.shape(), (Shape{1, 2, 2, 2}));
  // DCR: out[c, i, j] = in[(i * 2 + j) * 2 + c].
  EXPECT_EQ(ToFloats(dcr), (std::vector<float>{0, 2, 4, 6, 1, 3, 5, 7}));
  a.SetString("mode", "CRD");
  in.clear();
  in.push_back({MakeF32({1, 8, 1, 1}, Iota(8))});
  // CRD: out[c, i, j] = in[c * 4 + i * 2 + j].
  EXPECT_EQ(ToFloats(Run1("DepthToSpace", a, std::move(in))), Iota(8));
}

TEST(DepthToSpaceOp, MatchesTheOnnxExample) {
  // ONNX DepthToSpace docs, DCR, x = arange(48).reshape(1, 8, 2, 3), blocksize 2; first row.
  model::Attributes a;
  a.SetInt("blocksize", 2);
  std::vector<OpInput> in;
  in.push_back({MakeF32({1, 8, 2, 3}, Iota(48))});
  HostTensor out = Run1("DepthToSpace", a, std::move(in));
  EXPECT_EQ(out.shape(), (Shape{1, 2, 4, 6}));
  const std::vector<float> v = ToFloats(out);
  EXPECT_EQ(std::vector<float>(v.begin(), v.begin() + 12),
            (std::vector<float>{0, 12, 1, 13, 2, 14, 24, 36, 25, 37, 26, 38}));
}

TEST(SpaceToDepthOp, InvertsDepthToSpaceDcr) {
  model::Attributes a;
  a.SetInt("blocksize", 2);
  std::vector<OpInput> in;
  in.push_back({MakeF32({1, 8, 2, 3}, Iota(48))});
  HostTensor spread = Run1("DepthToSpace", a, std::move(in));
  in.clear();
  in.push_back({std::move(spread)});
  HostTensor back = Run1("SpaceToDepth", a, std::move(in));
  EXPECT_EQ(back.shape(), (Shape{1, 8, 2, 3}));
  EXPECT_EQ(ToFloats(back), Iota(48));
}

TEST(TriluOp, UpperAndLowerWithK) {
  std::vector<OpInput> in;
  in.push_back({MakeF32({3, 3}, Iota(9, 1))});
  in.push_back({MakeI64({}, {1}), true});
  EXPECT_EQ(ToFloats(Run1("Trilu", {}, std::move(in))),
            (std::vector<float>{0, 2, 3, 0, 0, 6, 0, 0, 0}));
  model::Attributes lower;
  lower.SetInt("upper", 0);
  in.clear();
  in.push_back({MakeF32({3, 3}, Iota(9, 1))});
  in.push_back({MakeI64({}, {-1}), true});
  EXPECT_EQ(ToFloats(Run1("Trilu", lower, std::move(in))),
            (std::vector<float>{0, 0, 0, 4, 0, 0, 7, 8, 0}));
}

TEST(OneHotOp, NegativeIndexAndAxisZero) {
  model::Attributes a;
  a.SetInt("axis", 0);
  std::vector<OpInput> in;
  in.push_back({MakeI64({3}, {0, -1, 5})});
  in.push_back({MakeI64({}, {3}), true});
  in.push_back({MakeF32({2}, {0, 9})});
  HostTensor out = Run1("OneHot", a, std::move(in));
  EXPECT_EQ(out.shape(), (Shape{3, 3}));
  EXPECT_EQ(ToFloats(out), (std::vector<float>{9, 0, 0, 0, 0, 0, 0, 9, 0}));
}

TEST(ScatterNDOp, ReplacesAndAddsSlices) {
  auto run = [](const model::Attributes& a) {
    std::vector<OpInput> in;
    in.push_back({MakeF32({3, 2}, {1, 2, 3, 4, 5, 6})});
    in.push_back({MakeI64({2, 1}, {2, -3})});
    in.push_back({MakeF32({2, 2}, {10, 20, 30, 40})});
    return ToFloats(Run1("ScatterND", a, std::move(in)));
  };
  EXPECT_EQ(run({}), (std::vector<float>{30, 40, 3, 4, 10, 20}));
  model::Attributes add;
  add.SetString("reduction", "add");
  EXPECT_EQ(run(add), (std::vector<float>{31, 42, 3, 4, 15, 26}));
}

TEST(ScatterElementsOp, AxisOneWithNegativeIndex) {
  model::Attributes a;
  a.SetInt("axis", 1);
  std::vector<OpInput> in;
  in.push_back({MakeF32({1, 5}, {1, 2, 3, 4, 5})});
  in.push_back({MakeI64({1, 2}, {1, -2})});
  in.push_back({MakeF32({1, 2}, {1.1f, 2.1f})});
  EXPECT_EQ(ToFloats(Run1("ScatterElements", a, std::move(in))),
            (std::vector<float>{1, 1.1f, 3, 2.1f, 5}));
}

model::TensorInfo Tensor(const std::string& name, DType dtype, Shape shape) {
  model::TensorInfo t;
  t.name = name;
  t.dtype = dtype;
  t.has_shape = !shape.empty();
  for (int64_t d : shape) t.dims.push_back({d, {}});
  return t;
}

int32_t AddI64(model::Graph& g, const std::string& name, Shape shape,
               const std::vector<int64_t>& v) {
  std::vector<uint8_t> bytes(v.size() * 8);
  if (!v.empty()) std::memcpy(bytes.data(), v.data(), bytes.size());
  return g.AddConstant(name, DType::kI64, shape, bytes);
}

// x [2,3,4] -> Shape -> Gather(0) -> Unsqueeze -> Concat(-1) -> Reshape(x) : [2, 12]. Every
// shape value is computed by the planner at prepare time.
TEST(ShapeOp, ShapeChainFeedsReshapeAtPrepareTime) {
  model::Graph g;
  const int32_t x = g.AddTensor(Tensor("x", DType::kF32, {2, 3, 4}));
  const int32_t s = g.AddTensor(Tensor("s", DType::kUndefined, {}));
  const int32_t n = g.AddTensor(Tensor("n", DType::kUndefined, {}));
  const int32_t n1 = g.AddTensor(Tensor("n1", DType::kUndefined, {}));
  const int32_t target = g.AddTensor(Tensor("target", DType::kUndefined, {}));
  const int32_t y = g.AddTensor(Tensor("y", DType::kUndefined, {}));
  const int32_t zero = AddI64(g, "zero", {}, {0});
  const int32_t axes = AddI64(g, "axes", {1}, {0});
  const int32_t minus_one = AddI64(g, "minus_one", {1}, {-1});
  model::Attributes concat_axis;
  concat_axis.SetInt("axis", 0);
  g.nodes.push_back({"shape", "Shape", {}, {x}, {s}});
  g.nodes.push_back({"gather", "Gather", {}, {s, zero}, {n}});
  g.nodes.push_back({"unsqueeze", "Unsqueeze", {}, {n, axes}, {n1}});
  g.nodes.push_back({"concat", "Concat", concat_axis, {n1, minus_one}, {target}});
  g.nodes.push_back({"reshape", "Reshape", {}, {x, target}, {y}});
  g.inputs = {x};
  g.outputs = {y};
  ASSERT_TRUE(g.Validate().ok()) << g.Validate().ToString();
  Session session(g, CreateBackend("reference", {}).value());
  HostTensor xv = MakeF32({2, 3, 4}, Iota(24));
  TensorView in = xv.view();
  auto out = session.Run({&in, 1});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)[0].shape(), (Shape{2, 12}));
  EXPECT_EQ(ToFloats((*out)[0]), Iota(24));
}

}  // namespace
}  // namespace mota::exec
