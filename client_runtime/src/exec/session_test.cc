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

namespace mota::exec {
namespace {

// A backend that behaves like a GPU driver going wrong: it delegates to the reference backend
// but fails Prepare, or the n-th Run of its executables, with a chosen status.
class FaultyBackend final : public Backend {
 public:
  FaultyBackend(Status prepare_fault, Status run_fault, int fail_run,
                std::shared_ptr<int> runs = std::make_shared<int>(0))
      : runs(std::move(runs)),
        inner_(CreateBackend("reference", {}).value()),
        prepare_fault_(std::move(prepare_fault)),
        run_fault_(std::move(run_fault)),
        fail_run_(fail_run) {}
  const char* name() const override { return "faulty"; }
  bool Supports(const model::Graph& g, const model::Node& n) const override {
    return inner_->Supports(g, n);
  }
  Result<std::unique_ptr<Executable>> Prepare(const model::Graph& g, std::span<const Shape> shapes,
                                              std::span<const TensorView> known) override {
    if (!prepare_fault_.ok()) return prepare_fault_;
    MOTA_ASSIGN_OR_RETURN(auto exe, inner_->Prepare(g, shapes, known));
    return std::unique_ptr<Executable>(std::make_unique<Exe>(std::move(exe), this));
  }
  // Runs of its executables; shared so a test can read it after the session dropped us.
  std::shared_ptr<int> runs;

 private:
  class Exe final : public Executable {
   public:
    Exe(std::unique_ptr<Executable> inner, FaultyBackend* b) : inner_(std::move(inner)), b_(b) {}
    const std::vector<Shape>& output_shapes() const override { return inner_->output_shapes(); }
    const std::vector<DType>& output_dtypes() const override { return inner_->output_dtypes(); }
    Status Run(std::span<const TensorView> in, std::span<const TensorView> out) override {
      if ((*b_->runs)++ == b_->fail_run_) return b_->run_fault_;
      return inner_->Run(in, out);
    }

   private:
    std::unique_ptr<Executable> inner_;
    FaultyBackend* b_;
  };
  std::unique_ptr<Backend> inner_;
  Status prepare_fault_, run_fault_;
  int fail_run_;
};

struct Fallback {
  std::unique_ptr<Session> session;
  std::shared_ptr<int> faulty_runs;
};

Fallback FaultyThenReference(const model::Graph& g, Status prepare_fault, Status run_fault = {},
                             int fail_run = -1) {
  std::vector<std::unique_ptr<Backend>> backends;
  auto runs = std::make_shared<int>(0);
  backends.push_back(std::make_unique<FaultyBackend>(std::move(prepare_fault), std::move(run_fault),
                                                     fail_run, runs));
  backends.push_back(CreateBackend("reference", {}).value());
  return {Session::Create(g, std::move(backends)).value(), runs};
}

Result<std::vector<HostTensor>> RunAddRelu(Session& session) {
  HostTensor x = HostTensor::Allocate(DType::kF32, {2, 3});
  const float xs[] = {-2, 0, 1, 3, 0.5f, -1};
  std::memcpy(x.data(), xs, sizeof(xs));
  TensorView in = x.view();
  return session.Run({&in, 1});
}

void ExpectAddReluResult(const Result<std::vector<HostTensor>>& out) {
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const float expect[] = {0, 0, 1.5f, 4, 0, 0};
  for (int i = 0; i < 6; ++i) EXPECT_FLOAT_EQ((*out)[0].as<float>()[i], expect[i]) << i;
}

TEST(SessionFallback, UnavailableGpuAtPrepareFallsBackToTheCpu) {
  model::Graph g = AddReluGraph();
  Fallback f = FaultyThenReference(g, Status(StatusCode::kUnavailable, "no Vulkan driver"));
  ExpectAddReluResult(RunAddRelu(*f.session));
  EXPECT_STREQ(f.session->backend().name(), "reference");
  ASSERT_EQ(f.session->fallbacks().size(), 1u);
  EXPECT_NE(f.session->fallbacks()[0].find("faulty: UNAVAILABLE"), std::string::npos)
      << f.session->fallbacks()[0];
  EXPECT_NE(f.session->fallbacks()[0].find("no Vulkan driver"), std::string::npos);
}

TEST(SessionFallback, OutOfDeviceMemoryAtPrepareFallsBackAlsoThroughPrepare) {
  model::Graph g = AddReluGraph();
  Fallback f = FaultyThenReference(g, OutOfMemory("vkAllocateMemory failed"));
  const Shape shape = {2, 3};
  auto exe = f.session->Prepare({&shape, 1});
  ASSERT_TRUE(exe.ok()) << exe.status().ToString();
  EXPECT_STREQ(f.session->backend().name(), "reference");
  ExpectAddReluResult(RunAddRelu(*f.session));
}

TEST(SessionFallback, DeviceLostMidRunReturnsCorrectResultsFromTheCpuThenAndLater) {
  model::Graph g = AddReluGraph();
  Fallback f = FaultyThenReference(g, {}, Status(StatusCode::kUnavailable, "VK_ERROR_DEVICE_LOST"),
                                   /*fail_run=*/1);
  ExpectAddReluResult(RunAddRelu(*f.session));  // on the faulty backend
  EXPECT_STREQ(f.session->backend().name(), "faulty");
  ExpectAddReluResult(RunAddRelu(*f.session));  // lost: re-prepared and run on the CPU
  EXPECT_STREQ(f.session->backend().name(), "reference");
  ExpectAddReluResult(RunAddRelu(*f.session));
  EXPECT_EQ(*f.faulty_runs, 2);  // never asked again
  EXPECT_EQ(f.session->cached_plans(), 1u);
}

TEST(SessionFallback, ModelErrorsAreNotMaskedByFallingBack) {
  model::Graph g = AddReluGraph();
  Fallback f = FaultyThenReference(g, InvalidArgument("bad attribute"));
  auto out = RunAddRelu(*f.session);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
  EXPECT_STREQ(f.session->backend().name(), "faulty");
  EXPECT_TRUE(f.session->fallbacks().empty());
}

TEST(SessionFallback, TheLastBackendsFaultIsReturned) {
  model::Graph g = AddReluGraph();
  std::vector<std::unique_ptr<Backend>> one;
  one.push_back(
      std::make_unique<FaultyBackend>(Status(StatusCode::kUnavailable, "no device"), Status(), -1));
  auto session = Session::Create(g, std::move(one)).value();
  auto out = RunAddRelu(*session);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(out.status().message().find("no device"), std::string::npos);
}

TEST(SessionFallback, PreferenceListSkipsBackendsThisBuildLacksAndEndsOnTheCpu) {
  model::Graph g = AddReluGraph();
  auto session = Session::CreatePreferred(g, {"no-such-gpu"}, {.threads = 1});
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  ASSERT_EQ((*session)->fallbacks().size(), 1u);
  EXPECT_NE((*session)->fallbacks()[0].find("no-such-gpu"), std::string::npos);
  ExpectAddReluResult(RunAddRelu(**session));
  auto bad = Session::CreatePreferred(g, {"reference"}, {.threads = 0});
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

TEST(SessionFallback, AnEmptyBackendListIsRejected) {
  model::Graph g = AddReluGraph();
  auto session = Session::Create(g, std::vector<std::unique_ptr<Backend>>{});
  ASSERT_FALSE(session.ok());
  EXPECT_NE(session.status().message().find("at least one backend"), std::string::npos);
  std::vector<std::unique_ptr<Backend>> with_null;
  with_null.push_back(CreateBackend("reference", {}).value());
  with_null.push_back(nullptr);
  auto bad = Session::Create(g, std::move(with_null));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("backend 1 of 2 given to the session is null"),
            std::string::npos)
      << bad.status().ToString();
}

}  // namespace
}  // namespace mota::exec
