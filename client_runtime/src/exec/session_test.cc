#include "exec/session.h"

#include <gtest/gtest.h>

#include <cstring>

#include "exec/backend.h"
#include "exec/plan.h"

namespace mota::exec {
namespace {

model::TensorInfo Activation(const std::string& name, Shape shape) {
  model::TensorInfo t;
  t.name = name;
  t.dtype = DType::kF32;
  t.has_shape = true;
  for (int64_t d : shape) t.dims.push_back({d, {}});
  return t;
}

// x -> Add(x, c) -> Relu -> y
model::Graph AddReluGraph() {
  model::Graph g;
  const int32_t x = g.AddTensor(Activation("x", {2, 3}));
  std::vector<float> c = {1, -1, 0.5f};
  std::vector<uint8_t> bytes(c.size() * 4);
  std::memcpy(bytes.data(), c.data(), bytes.size());
  const int32_t cst = g.AddConstant("c", DType::kF32, {3}, bytes);
  const int32_t sum = g.AddTensor(Activation("sum", {}));
  const int32_t y = g.AddTensor(Activation("y", {}));
  g.nodes.push_back({"add", "Add", {}, {x, cst}, {sum}});
  g.nodes.push_back({"relu", "Relu", {}, {sum}, {y}});
  g.inputs = {x};
  g.outputs = {y};
  return g;
}

TEST(Session, RunsAddReluWithBroadcast) {
  model::Graph g = AddReluGraph();
  ASSERT_TRUE(g.Validate().ok());
  auto backend = CreateBackend("reference", {});
  ASSERT_TRUE(backend.ok()) << backend.status().ToString();
  Session session(g, std::move(backend).value());
  HostTensor x = HostTensor::Allocate(DType::kF32, {2, 3});
  const float xs[] = {-2, 0, 1, 3, 0.5f, -1};
  std::memcpy(x.data(), xs, sizeof(xs));
  TensorView in = x.view();
  auto out = session.Run({&in, 1});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->size(), 1u);
  const HostTensor& y = (*out)[0];
  EXPECT_EQ(y.shape(), (Shape{2, 3}));
  const float expect[] = {0, 0, 1.5f, 4, 0, 0};
  for (int i = 0; i < 6; ++i) EXPECT_FLOAT_EQ(y.as<float>()[i], expect[i]) << i;
  EXPECT_EQ(session.cached_plans(), 1u);
}

TEST(Session, WrongInputRankIsRejectedWithTheInputName) {
  model::Graph g = AddReluGraph();
  Session session(g, CreateBackend("reference", {}).value());
  HostTensor x = HostTensor::Allocate(DType::kF32, {6});
  TensorView in = x.view();
  auto out = session.Run({&in, 1});
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("'x'"), std::string::npos) << out.status().message();
}

TEST(Plan, IntermediatesShareArenaByLifetime) {
  // x -> Relu -> a -> Relu -> b -> Relu -> c -> Relu -> y : a and c can share memory.
  model::Graph g;
  int32_t prev = g.AddTensor(Activation("x", {256}));
  g.inputs = {prev};
  for (int i = 0; i < 4; ++i) {
    const int32_t next = g.AddTensor(Activation("t" + std::to_string(i), {}));
    g.nodes.push_back({"r" + std::to_string(i), "Relu", {}, {prev}, {next}});
    prev = next;
  }
  g.outputs = {prev};
  const Shape shape = {256};
  auto plan = PlanExecution(g, {&shape, 1});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->arena_size, 2u * 1024u);  // 3 intermediates, 2 alive at once
}

TEST(Plan, UnknownOpsAreAllListed) {
  model::Graph g;
  const int32_t x = g.AddTensor(Activation("x", {1}));
  const int32_t a = g.AddTensor(Activation("a", {}));
  const int32_t b = g.AddTensor(Activation("b", {}));
  g.nodes.push_back({"n1", "FancyOp", {}, {x}, {a}});
  g.nodes.push_back({"n2", "OtherOp", {}, {a}, {b}});
  g.inputs = {x};
  g.outputs = {b};
  const Shape shape = {1};
  auto plan = PlanExecution(g, {&shape, 1});
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), StatusCode::kIncompatible);
  EXPECT_NE(plan.status().message().find("FancyOp"), std::string::npos);
  EXPECT_NE(plan.status().message().find("OtherOp"), std::string::npos);
}

}  // namespace
}  // namespace mota::exec

namespace mota::exec {
namespace {

// Reshape(x, shape) where `shape` is a graph input: planned per value of `shape`.
TEST(Session, ShapeValuesFedAsInputsArePlannedPerValue) {
  model::Graph g;
  const int32_t x = g.AddTensor(Activation("x", {2, 3}));
  model::TensorInfo shape_info;
  shape_info.name = "shape";
  shape_info.dtype = DType::kI64;
  shape_info.has_shape = true;
  shape_info.dims = {{2, {}}};
  const int32_t shape = g.AddTensor(shape_info);
  const int32_t y = g.AddTensor(Activation("y", {}));
  g.nodes.push_back({"reshape", "Reshape", {}, {x, shape}, {y}});
  g.inputs = {x, shape};
  g.outputs = {y};
  Session session(g, CreateBackend("reference", {}).value());
  HostTensor xt = HostTensor::Allocate(DType::kF32, {2, 3});
  for (int i = 0; i < 6; ++i) xt.as<float>()[i] = static_cast<float>(i);
  for (const Shape& target : {Shape{3, 2}, Shape{1, 6}, Shape{3, 2}}) {
    HostTensor st = HostTensor::Allocate(DType::kI64, {2});
    st.as<int64_t>()[0] = target[0];
    st.as<int64_t>()[1] = target[1];
    const TensorView in[] = {xt.view(), st.view()};
    auto out = session.Run(in);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    EXPECT_EQ((*out)[0].shape(), target);
    EXPECT_EQ((*out)[0].as<float>()[5], 5.0f);
  }
  EXPECT_TRUE(session.value_keyed());
  EXPECT_EQ(session.cached_plans(), 2u);
}

}  // namespace
}  // namespace mota::exec
