// Session::Adopt: an executable prepared before the session (as `mota run` does to read the
// Vulkan cost model's decision) becomes the session's plan, is not prepared again, is refused
// when it is not the session's own, and does not change how the session falls back.
#include <gtest/gtest.h>

#include <cstring>

#include "exec/backend.h"
#include "exec/session.h"

namespace mota::exec {
namespace {

// x f32 [N,3] -> Add(x, c=[1,-1,0.5]) -> Relu -> y
model::Graph AddReluGraph() {
  model::Graph g;
  model::TensorInfo x_info;
  x_info.name = "x";
  x_info.dtype = DType::kF32;
  x_info.has_shape = true;
  x_info.dims = {{-1, "N"}, {3, {}}};
  const int32_t x = g.AddTensor(x_info);
  std::vector<float> c = {1, -1, 0.5f};
  std::vector<uint8_t> bytes(c.size() * 4);
  std::memcpy(bytes.data(), c.data(), bytes.size());
  const int32_t cst = g.AddConstant("c", DType::kF32, {3}, bytes);
  model::TensorInfo tmp;
  tmp.dtype = DType::kF32;
  tmp.name = "sum";
  const int32_t sum = g.AddTensor(tmp);
  tmp.name = "y";
  const int32_t y = g.AddTensor(tmp);
  g.nodes.push_back({"add", "Add", {}, {x, cst}, {sum}});
  g.nodes.push_back({"relu", "Relu", {}, {sum}, {y}});
  g.inputs = {x};
  g.outputs = {y};
  return g;
}

// What a CountingBackend did; shared so a test can read it after the session dropped it.
struct Counts {
  int prepares = 0;
  int runs = 0;
  bool backend_alive = true;
  bool executable_outlived_backend = false;
};

// The reference backend, counting its Prepare and Run calls, failing the Prepare calls from
// `fail_prepare_from` on and the `fail_run`-th Run (0-based) with chosen device faults.
struct Faults {
  int fail_prepare_from = -1;
  Status prepare_fault;
  int fail_run = -1;
  Status run_fault;
};

class CountingBackend final : public Backend {
 public:
  explicit CountingBackend(std::shared_ptr<Counts> counts, Faults faults = {})
      : counts_(std::move(counts)),
        faults_(std::move(faults)),
        inner_(CreateBackend("reference", {}).value()) {}
  ~CountingBackend() override { counts_->backend_alive = false; }
  const char* name() const override { return "counting"; }
  bool Supports(const model::Graph& g, const model::Node& n) const override {
    return inner_->Supports(g, n);
  }
  Result<std::unique_ptr<Executable>> Prepare(const model::Graph& g, std::span<const Shape> shapes,
                                              std::span<const TensorView> known) override {
    const int index = counts_->prepares++;
    if (faults_.fail_prepare_from >= 0 && index >= faults_.fail_prepare_from) {
      return faults_.prepare_fault;
    }
    MOTA_ASSIGN_OR_RETURN(auto exe, inner_->Prepare(g, shapes, known));
    return std::unique_ptr<Executable>(std::make_unique<Exe>(std::move(exe), this));
  }

 private:
  class Exe final : public Executable {
   public:
    Exe(std::unique_ptr<Executable> inner, CountingBackend* b) : inner_(std::move(inner)), b_(b) {}
    // Records a use-after-free-in-waiting: an executable destroyed after its backend.
    ~Exe() override {
      if (!counts_->backend_alive) counts_->executable_outlived_backend = true;
    }
    const std::vector<Shape>& output_shapes() const override { return inner_->output_shapes(); }
    const std::vector<DType>& output_dtypes() const override { return inner_->output_dtypes(); }
    Status Run(std::span<const TensorView> in, std::span<const TensorView> out) override {
      if (counts_->runs++ == b_->faults_.fail_run) return b_->faults_.run_fault;
      return inner_->Run(in, out);
    }

   private:
    std::unique_ptr<Executable> inner_;
    CountingBackend* b_;
    std::shared_ptr<Counts> counts_ = b_->counts_;
  };
  std::shared_ptr<Counts> counts_;
  Faults faults_;
  std::unique_ptr<Backend> inner_;
};

// A session on [counting, reference] with an executable for x [rows,3] adopted from `counting`.
struct Adopted {
  std::unique_ptr<Session> session;
  std::shared_ptr<Counts> counts = std::make_shared<Counts>();
  Executable* executable = nullptr;
  Status adopt;
};

Adopted AdoptOnCountingThenReference(const model::Graph& g, Faults faults = {}, int64_t rows = 2) {
  Adopted a;
  auto counting = std::make_unique<CountingBackend>(a.counts, std::move(faults));
  const std::vector<Shape> shapes = {{rows, 3}};
  PreparedExecutable prepared{counting.get(), &g, shapes, counting->Prepare(g, shapes, {}).value()};
  a.executable = prepared.executable.get();
  std::vector<std::unique_ptr<Backend>> backends;
  backends.push_back(std::move(counting));
  backends.push_back(CreateBackend("reference", {}).value());
  a.session = Session::Create(g, std::move(backends)).value();
  a.adopt = a.session->Adopt(std::move(prepared));
  return a;
}

Result<std::vector<HostTensor>> RunRows(Session& session, int64_t rows) {
  HostTensor x = HostTensor::Allocate(DType::kF32, {rows, 3});
  const float xs[] = {-2, 0, 1, 3, 0.5f, -1};
  for (int64_t i = 0; i < rows * 3; ++i) x.as<float>()[i] = xs[i % 6];
  TensorView in = x.view();
  return session.Run({&in, 1});
}

void ExpectAddRelu(const Result<std::vector<HostTensor>>& out, int64_t rows) {
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ((*out)[0].shape(), (Shape{rows, 3}));
  const float expect[] = {0, 0, 1.5f, 4, 0, 0};
  for (int64_t i = 0; i < rows * 3; ++i) {
    EXPECT_FLOAT_EQ((*out)[0].as<float>()[i], expect[i % 6]) << i;
  }
}

TEST(SessionAdopt, AnAdoptedExecutableIsThePlanAndIsNotPreparedAgain) {
  model::Graph g = AddReluGraph();
  Adopted a = AdoptOnCountingThenReference(g);
  ASSERT_TRUE(a.adopt.ok()) << a.adopt.ToString();
  EXPECT_EQ(a.session->cached_plans(), 1u);
  ExpectAddRelu(RunRows(*a.session, 2), 2);
  ExpectAddRelu(RunRows(*a.session, 2), 2);
  const Shape shape = {2, 3};
  auto exe = a.session->Prepare({&shape, 1});
  ASSERT_TRUE(exe.ok()) << exe.status().ToString();
  EXPECT_EQ(*exe, a.executable);
  EXPECT_EQ(a.counts->prepares, 1);  // the caller's, before the session existed
  EXPECT_EQ(a.counts->runs, 2);      // both runs on the adopted executable
  EXPECT_EQ(a.session->prepares(), 0);
  EXPECT_STREQ(a.session->backend().name(), "counting");
  // Other shapes are still prepared as before, on the same backend.
  ExpectAddRelu(RunRows(*a.session, 4), 4);
  EXPECT_EQ(a.counts->prepares, 2);
  EXPECT_EQ(a.session->prepares(), 1);
  EXPECT_EQ(a.session->cached_plans(), 2u);
}

TEST(SessionAdopt, AnExecutableOfAnotherBackendIsRefusedNamingTheExpectedOne) {
  model::Graph g = AddReluGraph();
  auto counts = std::make_shared<Counts>();
  CountingBackend outsider(counts);
  const std::vector<Shape> shapes = {{2, 3}};
  auto session = Session::Create(g, CreateBackend("reference", {}).value()).value();
  Status s = session->Adopt({&outsider, &g, shapes, outsider.Prepare(g, shapes, {}).value()});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("a backend this session does not hold"), std::string::npos)
      << s.ToString();
  EXPECT_NE(s.message().find("the backend the session runs on now ('reference'"), std::string::npos)
      << s.ToString();
  EXPECT_EQ(session->cached_plans(), 0u);
  EXPECT_FALSE(counts->executable_outlived_backend);  // the refused one is gone already
  ExpectAddRelu(RunRows(*session, 2), 2);             // the session prepares its own
  EXPECT_EQ(session->prepares(), 1);
}

TEST(SessionAdopt, AnExecutableOfTheFallbackBackendIsRefused) {
  model::Graph g = AddReluGraph();
  auto counts = std::make_shared<Counts>();
  auto counting = std::make_unique<CountingBackend>(counts);
  CountingBackend* second = counting.get();
  std::vector<std::unique_ptr<Backend>> backends;
  backends.push_back(CreateBackend("reference", {}).value());
  backends.push_back(std::move(counting));
  auto session = Session::Create(g, std::move(backends)).value();
  const std::vector<Shape> shapes = {{2, 3}};
  Status s = session->Adopt({second, &g, shapes, second->Prepare(g, shapes, {}).value()});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("its backend 'counting' (not the current)"), std::string::npos)
      << s.ToString();
}

TEST(SessionAdopt, ShapesThatDoNotFitTheGraphInputsAreRefusedWithTheDeclaredDims) {
  model::Graph g = AddReluGraph();
  auto counts = std::make_shared<Counts>();
  auto counting = std::make_unique<CountingBackend>(counts);
  CountingBackend* b = counting.get();
  auto session = Session::Create(g, std::move(counting)).value();
  const std::vector<Shape> ok_shapes = {{2, 3}};
  const std::vector<Shape> bad_rank = {{6}};
  Status s = session->Adopt({b, &g, bad_rank, b->Prepare(g, ok_shapes, {}).value()});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("input 0 ('x') was prepared with shape [6]"), std::string::npos)
      << s.ToString();
  EXPECT_NE(s.message().find("declared dims [N,3]"), std::string::npos) << s.ToString();
  const std::vector<Shape> wrong_dim = {{2, 4}};
  s = session->Adopt({b, &g, wrong_dim, b->Prepare(g, ok_shapes, {}).value()});
  EXPECT_NE(s.message().find("[N,3]"), std::string::npos) << s.ToString();
  s = session->Adopt({b, &g, {}, b->Prepare(g, ok_shapes, {}).value()});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("prepared for 0 input shapes; expected 1"), std::string::npos)
      << s.ToString();
  EXPECT_EQ(session->cached_plans(), 0u);
}

TEST(SessionAdopt, ANullExecutableAnotherGraphOrATwiceAdoptedShapeIsRefused) {
  model::Graph g = AddReluGraph();
  model::Graph copy = g;
  auto counts = std::make_shared<Counts>();
  auto counting = std::make_unique<CountingBackend>(counts);
  CountingBackend* b = counting.get();
  auto session = Session::Create(g, std::move(counting)).value();
  const std::vector<Shape> shapes = {{2, 3}};
  Status s = session->Adopt({b, &g, shapes, nullptr});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("null"), std::string::npos) << s.ToString();
  s = session->Adopt({b, &copy, shapes, b->Prepare(copy, shapes, {}).value()});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("prepared for another graph; expected the session's graph()"),
            std::string::npos)
      << s.ToString();
  ASSERT_TRUE(session->Adopt({b, &g, shapes, b->Prepare(g, shapes, {}).value()}).ok());
  s = session->Adopt({b, &g, shapes, b->Prepare(g, shapes, {}).value()});
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("a plan for input shapes [2,3] already"), std::string::npos)
      << s.ToString();
  EXPECT_EQ(session->cached_plans(), 1u);
}

TEST(SessionAdopt, ADeviceLostInTheAdoptedExecutableFallsBackToTheCpu) {
  model::Graph g = AddReluGraph();
  Adopted a = AdoptOnCountingThenReference(
      g, {.fail_run = 0, .run_fault = Status(StatusCode::kUnavailable, "VK_ERROR_DEVICE_LOST")});
  ASSERT_TRUE(a.adopt.ok()) << a.adopt.ToString();
  ExpectAddRelu(RunRows(*a.session, 2), 2);  // lost at once: the same inputs on the CPU
  EXPECT_STREQ(a.session->backend().name(), "reference");
  ASSERT_EQ(a.session->fallbacks().size(), 1u);
  EXPECT_NE(a.session->fallbacks()[0].find("counting: UNAVAILABLE"), std::string::npos)
      << a.session->fallbacks()[0];
  EXPECT_NE(a.session->fallbacks()[0].find("VK_ERROR_DEVICE_LOST"), std::string::npos);
  EXPECT_FALSE(a.counts->executable_outlived_backend);
  EXPECT_FALSE(a.counts->backend_alive);  // dropped, its adopted executable first
  ExpectAddRelu(RunRows(*a.session, 2), 2);
  EXPECT_EQ(a.counts->runs, 1);
  EXPECT_EQ(a.session->cached_plans(), 1u);
}

TEST(SessionAdopt, AnIncompatibleBackendAfterAdoptionFallsBackForNewShapes) {
  model::Graph g = AddReluGraph();
  Adopted a = AdoptOnCountingThenReference(
      g, {.fail_prepare_from = 1,
          .prepare_fault = Status(StatusCode::kIncompatible, "quirk: disable_backend")});
  ASSERT_TRUE(a.adopt.ok()) << a.adopt.ToString();
  ExpectAddRelu(RunRows(*a.session, 2), 2);  // adopted, on "counting"
  EXPECT_STREQ(a.session->backend().name(), "counting");
  ExpectAddRelu(RunRows(*a.session, 4), 4);  // a new plan: INCOMPATIBLE -> the CPU
  EXPECT_STREQ(a.session->backend().name(), "reference");
  ASSERT_EQ(a.session->fallbacks().size(), 1u);
  EXPECT_NE(a.session->fallbacks()[0].find("counting: INCOMPATIBLE"), std::string::npos)
      << a.session->fallbacks()[0];
  EXPECT_FALSE(a.counts->executable_outlived_backend);
  ExpectAddRelu(RunRows(*a.session, 2), 2);  // the adopted plan went with its backend
  EXPECT_EQ(a.counts->runs, 1);
  EXPECT_EQ(a.session->prepares(), 3);  // counting [4,3], reference [4,3], reference [2,3]
}

TEST(SessionAdopt, CreateWithAPreparedExecutableAdoptsItOrFailsWithTheReason) {
  model::Graph g = AddReluGraph();
  auto counts = std::make_shared<Counts>();
  auto counting = std::make_unique<CountingBackend>(counts);
  const std::vector<Shape> shapes = {{2, 3}};
  PreparedExecutable prepared{counting.get(), &g, shapes, counting->Prepare(g, shapes, {}).value()};
  auto session = Session::Create(g, std::move(counting), std::move(prepared));
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  ExpectAddRelu(RunRows(**session, 2), 2);
  EXPECT_EQ(counts->prepares, 1);
  EXPECT_EQ((*session)->prepares(), 0);

  auto bad_counts = std::make_shared<Counts>();
  auto bad_backend = std::make_unique<CountingBackend>(bad_counts);
  const std::vector<Shape> bad_shapes = {{2, 5}};
  PreparedExecutable mismatched{bad_backend.get(), &g, bad_shapes,
                                bad_backend->Prepare(g, shapes, {}).value()};
  auto refused = Session::Create(g, std::move(bad_backend), std::move(mismatched));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("shape [2,5]"), std::string::npos)
      << refused.status().ToString();
  EXPECT_FALSE(bad_counts->backend_alive);
  EXPECT_FALSE(bad_counts->executable_outlived_backend);
}

TEST(SessionAdopt, ADestroyedSessionDestroysTheAdoptedExecutableBeforeItsBackend) {
  model::Graph g = AddReluGraph();
  Adopted a = AdoptOnCountingThenReference(g);
  ASSERT_TRUE(a.adopt.ok()) << a.adopt.ToString();
  a.session.reset();
  EXPECT_FALSE(a.counts->backend_alive);
  EXPECT_FALSE(a.counts->executable_outlived_backend);
}

}  // namespace
}  // namespace mota::exec
