#include "exec/materialize.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "exec/backend.h"
#include "exec/op_registry.h"
#include "exec/session.h"

namespace mota::exec {
namespace {

model::TensorInfo Declared(const std::string& name, DType dtype, const Shape& shape) {
  model::TensorInfo t;
  t.name = name;
  t.dtype = dtype;
  t.has_shape = true;
  for (int64_t d : shape) t.dims.push_back({d, {}});
  return t;
}

// An intermediate whose dtype and shape the runtime infers.
int32_t AddIntermediate(model::Graph& g, const std::string& name) {
  model::TensorInfo t;
  t.name = name;
  return g.AddTensor(t);
}

template <typename T>
int32_t AddConst(model::Graph& g, const std::string& name, DType dtype, const Shape& shape,
                 const std::vector<T>& values) {
  std::vector<uint8_t> bytes(values.size() * sizeof(T));
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return g.AddConstant(name, dtype, shape, std::move(bytes));
}

// Deterministic values in [-1, 1).
std::vector<float> Values(size_t n, uint32_t seed) {
  std::vector<float> v(n);
  uint32_t s = seed * 2654435761u + 12345u;
  for (float& x : v) {
    s = s * 1664525u + 1013904223u;
    x = static_cast<float>(s >> 8) / static_cast<float>(1u << 23) - 1.0f;
  }
  return v;
}

model::Attributes CastTo(DType to) {
  model::Attributes a;
  a.SetInt("to", static_cast<int64_t>(to));
  return a;
}

model::Attributes ConvAttrs() {
  model::Attributes a;
  a.SetInts("pads", {1, 1, 1, 1});
  return a;
}

const Shape kInput = {1, 3, 8, 8};
const Shape kWeight = {4, 3, 3, 3};

// x [1,3,8,8] -> Conv(W, B) -> y, where W and B are either f32 constants or f16 constants read
// through Cast(to=f32) (what `mota quantize --precision fp16` writes).
model::Graph ConvGraph(bool f16_weights) {
  model::Graph g;
  const int32_t x = g.AddTensor(Declared("x", DType::kF32, kInput));
  std::vector<float> w = Values(NumElements(kWeight), 7), b = Values(4, 8);
  int32_t wt, bt;
  if (f16_weights) {
    std::vector<uint16_t> wh, bh;
    for (float v : w) wh.push_back(FloatToHalf(v));
    for (float v : b) bh.push_back(FloatToHalf(v));
    const int32_t w16 = AddConst(g, "W_f16", DType::kF16, kWeight, wh);
    const int32_t b16 = AddConst(g, "B_f16", DType::kF16, {4}, bh);
    wt = AddIntermediate(g, "W");
    bt = AddIntermediate(g, "B");
    g.nodes.push_back({"cast_w", "Cast", CastTo(DType::kF32), {w16}, {wt}});
    g.nodes.push_back({"cast_b", "Cast", CastTo(DType::kF32), {b16}, {bt}});
  } else {
    // The f32 model with the same (f16-rounded) values: the fp16 model must compute exactly this.
    for (float& v : w) v = HalfToFloat(FloatToHalf(v));
    for (float& v : b) v = HalfToFloat(FloatToHalf(v));
    wt = AddConst(g, "W", DType::kF32, kWeight, w);
    bt = AddConst(g, "B", DType::kF32, {4}, b);
  }
  const int32_t y = AddIntermediate(g, "y");
  g.nodes.push_back({"conv", "Conv", ConvAttrs(), {x, wt, bt}, {y}});
  g.inputs = {x};
  g.outputs = {y};
  return g;
}

Result<std::vector<HostTensor>> RunGraph(const model::Graph& g, const std::string& backend,
                                         const std::vector<float>& x) {
  MOTA_ASSIGN_OR_RETURN(std::unique_ptr<Backend> b, CreateBackend(backend, {}));
  MOTA_ASSIGN_OR_RETURN(std::unique_ptr<Session> session, Session::Create(g, std::move(b)));
  const Shape shape = g.tensors[g.inputs[0]].StaticShape();
  TensorView in{DType::kF32, shape, const_cast<float*>(x.data())};
  return session->Run({&in, 1});
}

void ExpectSameOutputs(const model::Graph& a, const model::Graph& b, const std::string& backend) {
  const std::vector<float> x = Values(NumElements(kInput), 3);
  Result<std::vector<HostTensor>> ya = RunGraph(a, backend, x);
  Result<std::vector<HostTensor>> yb = RunGraph(b, backend, x);
  ASSERT_TRUE(ya.ok()) << backend << ": " << ya.status().ToString();
  ASSERT_TRUE(yb.ok()) << backend << ": " << yb.status().ToString();
  ASSERT_EQ((*ya)[0].shape(), (*yb)[0].shape());
  for (int64_t i = 0; i < (*ya)[0].numel(); ++i) {
    // Same f32 weights, same kernels: bit-identical, no tolerance.
    ASSERT_EQ((*ya)[0].as<float>()[i], (*yb)[0].as<float>()[i]) << backend << " element " << i;
  }
}

std::vector<std::string> OpTypes(const model::Graph& g) {
  std::vector<std::string> ops;
  for (const model::Node& n : g.nodes) ops.push_back(n.op_type);
  return ops;
}

TEST(Materialize, F16WeightsThroughCastComputeAsTheRoundedF32ModelOnReferenceAndAuto) {
  for (const char* backend : {"reference", "auto"}) {
    ExpectSameOutputs(ConvGraph(true), ConvGraph(false), backend);
  }
}

TEST(Materialize, MaterializedGraphHasNoCastAndKeepsTensorIds) {
  const model::Graph g = ConvGraph(true);
  ASSERT_TRUE(HasMaterializableNodes(g));
  Result<std::unique_ptr<model::Graph>> m = MaterializeConstantNodes(g);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(OpTypes(**m), std::vector<std::string>{"Conv"});
  ASSERT_EQ((*m)->tensors.size(), g.tensors.size());
  EXPECT_EQ((*m)->inputs, g.inputs);
  EXPECT_EQ((*m)->outputs, g.outputs);
  const model::TensorInfo& w = (*m)->tensors[g.FindTensor("W")];
  EXPECT_TRUE(w.is_constant);
  EXPECT_EQ(w.dtype, DType::kF32);
  EXPECT_EQ(w.StaticShape(), kWeight);
  EXPECT_EQ(w.constant.size, static_cast<size_t>(NumElements(kWeight)) * 4);
  EXPECT_TRUE((*m)->Validate().ok()) << (*m)->Validate().ToString();
  // The input graph is untouched.
  EXPECT_EQ(OpTypes(g), (std::vector<std::string>{"Cast", "Cast", "Conv"}));
  EXPECT_FALSE(g.tensors[g.FindTensor("W")].is_constant);
}

TEST(Materialize, MaterializedConstantsAre64ByteAlignedAndUntouchedOnesAreShared) {
  const model::Graph g = ConvGraph(true);
  Result<std::unique_ptr<model::Graph>> m = MaterializeConstantNodes(g);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  for (const char* name : {"W", "B"}) {
    const model::ConstData& c = (*m)->tensors[g.FindTensor(name)].constant;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(c.data) % 64, 0u) << name;
    EXPECT_NE(c.owner, nullptr) << name;
  }
  // The f16 constants are shared with the loaded graph, not copied.
  const int32_t w16 = g.FindTensor("W_f16");
  EXPECT_EQ((*m)->tensors[w16].constant.data, g.tensors[w16].constant.data);
}

TEST(Materialize, CastOfARuntimeInputIsKept) {
  model::Graph g;
  const int32_t x = g.AddTensor(Declared("x", DType::kF16, {2, 3}));
  const int32_t y = AddIntermediate(g, "y");
  const int32_t z = AddIntermediate(g, "z");
  g.nodes.push_back({"cast", "Cast", CastTo(DType::kF32), {x}, {y}});
  g.nodes.push_back({"relu", "Relu", {}, {y}, {z}});
  g.inputs = {x};
  g.outputs = {z};
  EXPECT_FALSE(HasMaterializableNodes(g));
  Result<std::unique_ptr<model::Graph>> m = MaterializeConstantNodes(g);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(OpTypes(**m), (std::vector<std::string>{"Cast", "Relu"}));
  EXPECT_FALSE((*m)->tensors[y].is_constant);
}

TEST(Materialize, CastProducingAGraphOutputIsKept) {
  model::Graph g;
  const int32_t x = g.AddTensor(Declared("x", DType::kF32, {3}));
  const int32_t c = AddConst(g, "c", DType::kF16, {3},
                             std::vector<uint16_t>{FloatToHalf(1), FloatToHalf(2), FloatToHalf(3)});
  const int32_t y = AddIntermediate(g, "y");
  const int32_t z = AddIntermediate(g, "z");
  g.nodes.push_back({"cast", "Cast", CastTo(DType::kF32), {c}, {y}});
  g.nodes.push_back({"add", "Add", {}, {x, y}, {z}});
  g.inputs = {x};
  g.outputs = {z, y};
  EXPECT_FALSE(HasMaterializableNodes(g));
}

TEST(Materialize, CastChainsFoldAndTheirIntermediatesAreReleased) {
  model::Graph g;
  const int32_t x = g.AddTensor(Declared("x", DType::kF32, {3}));
  // 0.1 is not exact in f16: the chain f32 -> f16 -> f32 must round it.
  const int32_t c = AddConst(g, "c", DType::kF32, {3}, std::vector<float>{0.1f, -2.5f, 65504.f});
  const int32_t h = AddIntermediate(g, "c_f16");
  const int32_t f = AddIntermediate(g, "c_f32");
  const int32_t y = AddIntermediate(g, "y");
  g.nodes.push_back({"to_f16", "Cast", CastTo(DType::kF16), {c}, {h}});
  g.nodes.push_back({"to_f32", "Cast", CastTo(DType::kF32), {h}, {f}});
  g.nodes.push_back({"add", "Add", {}, {x, f}, {y}});
  g.inputs = {x};
  g.outputs = {y};
  Result<std::unique_ptr<model::Graph>> m = MaterializeConstantNodes(g);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(OpTypes(**m), std::vector<std::string>{"Add"});
  const model::TensorInfo& folded = (*m)->tensors[f];
  ASSERT_TRUE(folded.is_constant);
  const float* v = reinterpret_cast<const float*>(folded.constant.data);
  EXPECT_EQ(v[0], HalfToFloat(FloatToHalf(0.1f)));
  EXPECT_NE(v[0], 0.1f);
  EXPECT_EQ(v[1], -2.5f);
  EXPECT_EQ(v[2], 65504.f);
  // Nothing reads the f16 intermediate any more: its memory is given back.
  EXPECT_FALSE((*m)->tensors[h].is_constant);
  EXPECT_EQ((*m)->tensors[h].constant.owner, nullptr);
  EXPECT_TRUE((*m)->Validate().ok()) << (*m)->Validate().ToString();
}

// A Cast whose `to` is not a dtype fails at load, naming the node, through Create and Run.
TEST(Materialize, MalformedCastFailsWhenTheSessionIsCreated) {
  model::Graph g = ConvGraph(true);
  g.nodes[0].attrs.SetInt("to", 42);
  Result<std::unique_ptr<Session>> s = Session::Create(g, CreateBackend("reference", {}).value());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("cast_w"), std::string::npos) << s.status().message();
  EXPECT_NE(s.status().message().find("42"), std::string::npos) << s.status().message();
  Session old_style(g, CreateBackend("reference", {}).value());
  std::vector<float> x(NumElements(kInput));
  TensorView in{DType::kF32, kInput, x.data()};
  Result<std::vector<HostTensor>> r = old_style.Run({&in, 1});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), s.status().message());
}

TEST(Materialize, SessionWithoutFoldableNodesUsesTheGraphAsIs) {
  const model::Graph g = ConvGraph(false);
  Session s(g, CreateBackend("reference", {}).value());
  EXPECT_FALSE(s.materialized());
  EXPECT_EQ(&s.graph(), &g);
  const model::Graph g16 = ConvGraph(true);
  Session s16(g16, CreateBackend("reference", {}).value());
  EXPECT_TRUE(s16.materialized());
  EXPECT_EQ(OpTypes(s16.graph()), std::vector<std::string>{"Conv"});
}

// x [1,3,8,8] -> Conv(DequantizeLinear(Wq i8, scale per output channel, axis 0), B) -> y,
// against the f32 model whose weights are scale[m] * Wq exactly (int8-weights models).
model::Graph DequantConvGraph(bool quantized, bool with_zero_point = true) {
  model::Graph g;
  const int32_t x = g.AddTensor(Declared("x", DType::kF32, kInput));
  const std::vector<float> scales = {0.01f, 0.02f, 0.005f, 0.04f};
  std::vector<int8_t> q;
  for (float v : Values(NumElements(kWeight), 11)) q.push_back(static_cast<int8_t>(v * 127));
  const int32_t bt = AddConst(g, "B", DType::kF32, {4}, Values(4, 12));
  int32_t wt;
  if (quantized) {
    const int32_t wq = AddConst(g, "W_i8", DType::kI8, kWeight, q);
    const int32_t s = AddConst(g, "W_scale", DType::kF32, {4}, scales);
    const int32_t zp = with_zero_point
                           ? AddConst(g, "W_zp", DType::kI8, {4}, std::vector<int8_t>(4, 0))
                           : -1;  // omitted: zero point 0
    wt = AddIntermediate(g, "W");
    model::Attributes axis;
    axis.SetInt("axis", 0);
    g.nodes.push_back({"dq_w", "DequantizeLinear", axis, {wq, s, zp}, {wt}});
  } else {
    std::vector<float> w(q.size());
    const size_t per_channel = q.size() / 4;
    for (size_t i = 0; i < q.size(); ++i) w[i] = scales[i / per_channel] * q[i];
    wt = AddConst(g, "W", DType::kF32, kWeight, w);
  }
  const int32_t y = AddIntermediate(g, "y");
  g.nodes.push_back({"conv", "Conv", ConvAttrs(), {x, wt, bt}, {y}});
  g.inputs = {x};
  g.outputs = {y};
  return g;
}

TEST(Materialize, Int8WeightsThroughDequantizeLinearComputeAsTheF32ModelOnReferenceAndAuto) {
  if (FindOp("DequantizeLinear") == nullptr) {
    GTEST_SKIP() << "DequantizeLinear is not registered in this build yet "
                    "(exec/reference/ops/dequantize_linear.cc)";
  }
  const model::Graph q = DequantConvGraph(true);
  Result<std::unique_ptr<model::Graph>> m = MaterializeConstantNodes(q);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(OpTypes(**m), std::vector<std::string>{"Conv"});
  for (const char* backend : {"reference", "auto"}) {
    ExpectSameOutputs(q, DequantConvGraph(false), backend);
    ExpectSameOutputs(DequantConvGraph(true, false), DequantConvGraph(false), backend);
  }
}

}  // namespace
}  // namespace mota::exec
