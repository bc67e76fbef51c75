// Differential tests of the batch-1 FC NHWC kernel against the reference Gemm, MatMul and Conv,
// for every panel function this CPU can run. Values are small dyadic rationals (k / 16), so the
// dot products are exact in fp32 whatever the summation order; the tolerance only covers the
// activations.
#include "exec/cpu/fc/fc.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>

#include "exec/activation.h"
#include "exec/cpu/cpu_features.h"
#include "exec/reference/op_test_util.h"

namespace mota::exec::fc {
namespace {

using testing::MakeF32;
using testing::OpInput;
using testing::RunOp;
using testing::ToFloats;

struct Variant {
  const char* name;
  FcPanelsFn panels;
};

std::vector<Variant> Variants() {
  std::vector<Variant> v = {{"portable", FcPanelsPortable}};
#if defined(__x86_64__)
  if (GetCpuFeatures().avx2) v.push_back({"avx2", FcPanelsAvx2});
  if (GetCpuFeatures().avx512) v.push_back({"avx512", FcPanelsAvx512});
#endif
  return v;
}

HostTensor Dyadic(Shape shape, std::mt19937& rng) {
  std::uniform_int_distribution<int> d(-16, 16);
  std::vector<float> v(static_cast<size_t>(NumElements(shape)));
  for (float& f : v) f = static_cast<float>(d(rng)) / 16.0f;
  return MakeF32(std::move(shape), v);
}

HostTensor Copy(const HostTensor& t) { return MakeF32(t.shape(), ToFloats(t)); }

// Runs the node on the reference backend and through each variant (x passed as given: with
// H = W = 1 and M = 1, NHWC and logical layouts hold the same bytes); compares.
void Check(const std::string& op, const model::Attributes& attrs, const HostTensor& x,
           const HostTensor& w, const HostTensor* c) {
  std::vector<OpInput> ref_in;
  ref_in.push_back({Copy(x), false});
  ref_in.push_back({Copy(w), true});
  if (c != nullptr) ref_in.push_back({Copy(*c), true});
  auto ref = RunOp(op, attrs, std::move(ref_in));
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  const HostTensor& want = (*ref)[0];
  model::Node node;
  node.name = "fc";
  node.op_type = op;
  node.attrs = attrs;
  std::vector<TensorView> inputs = {{DType::kF32, x.shape(), nullptr}, w.view()};
  if (c != nullptr) inputs.push_back(c->view());
  for (const Variant& v : Variants()) {
    SCOPED_TRACE(v.name);
    auto kernel = CreateFcKernel(node, inputs, {DType::kF32, want.shape(), nullptr}, v.panels);
    ASSERT_TRUE(kernel.ok()) << kernel.status().ToString();
    ASSERT_NE(*kernel, nullptr);
    HostTensor got = HostTensor::Allocate(DType::kF32, want.shape());
    const TensorView in = x.view();
    ASSERT_TRUE((*kernel)->Run({&in, 1}, got.view(), nullptr).ok());
    for (int64_t i = 0; i < want.numel(); ++i) {
      const float e = want.as<float>()[i], g = got.as<float>()[i];
      ASSERT_NEAR(g, e, 1e-6 + 1e-5 * std::fabs(e)) << "at output " << i;
    }
  }
}

void SetActivation(ActivationKind kind, model::Attributes* attrs) {
  if (kind == ActivationKind::kNone) return;
  attrs->SetString(kActivationAttr, ActivationName(kind));
  if (kind == ActivationKind::kClip) {
    attrs->SetFloat(kActivationAlphaAttr, -1.0f);
    attrs->SetFloat(kActivationBetaAttr, 6.0f);
  } else if (kind == ActivationKind::kLeakyRelu) {
    attrs->SetFloat(kActivationAlphaAttr, 0.125f);
  }
}

const ActivationKind kActs[] = {ActivationKind::kNone,    ActivationKind::kRelu,
                                ActivationKind::kClip,    ActivationKind::kHardSwish,
                                ActivationKind::kSigmoid, ActivationKind::kLeakyRelu,
                                ActivationKind::kTanh};
const int64_t kDims[][2] = {{1, 1},   {3, 5},    {16, 32},   {17, 31},
                            {64, 33}, {100, 70}, {255, 129}, {512, 1000}};

TEST(FcKernel, GemmMatchesReference) {
  std::mt19937 rng(1);
  int i = 0;
  for (const auto& kn : kDims) {
    for (int variant = 0; variant < 6; ++variant, ++i) {
      const int64_t k = kn[0], n = kn[1];
      const bool ta = variant & 1, tb = variant & 2;
      SCOPED_TRACE("K " + std::to_string(k) + " N " + std::to_string(n) + " variant " +
                   std::to_string(variant));
      model::Attributes attrs;
      attrs.SetInt("transA", ta);
      attrs.SetInt("transB", tb);
      if (variant >= 4) {
        attrs.SetFloat("alpha", 0.5f);
        attrs.SetFloat("beta", 2.0f);
      }
      SetActivation(kActs[i % 7], &attrs);
      const HostTensor x = Dyadic(ta ? Shape{k, 1} : Shape{1, k}, rng);
      const HostTensor w = Dyadic(tb ? Shape{n, k} : Shape{k, n}, rng);
      const Shape c_shapes[] = {{n}, {1, n}, {1}};
      const HostTensor c = Dyadic(c_shapes[i % 3], rng);
      Check("Gemm", attrs, x, w, variant == 1 ? nullptr : &c);
    }
  }
}

TEST(FcKernel, MatMulMatchesReference) {
  std::mt19937 rng(2);
  int i = 0;
  for (const auto& kn : kDims) {
    const int64_t k = kn[0], n = kn[1];
    SCOPED_TRACE("K " + std::to_string(k) + " N " + std::to_string(n));
    const Shape x_shapes[] = {{1, k}, {k}, {1, 1, k}};
    model::Attributes attrs;
    SetActivation(kActs[i % 7], &attrs);
    Check("MatMul", attrs, Dyadic(x_shapes[i % 3], rng), Dyadic({k, n}, rng), nullptr);
    ++i;
  }
}

TEST(FcKernel, Conv1x1OnOnePixelMatchesReference) {
  std::mt19937 rng(3);
  int i = 0;
  for (const auto& kn : kDims) {
    const int64_t k = kn[0], n = kn[1];
    SCOPED_TRACE("K " + std::to_string(k) + " N " + std::to_string(n));
    model::Attributes attrs;
    SetActivation(kActs[(i + 3) % 7], &attrs);
    const HostTensor b = Dyadic({n}, rng);
    Check("Conv", attrs, Dyadic({1, k, 1, 1}, rng), Dyadic({n, k, 1, 1}, rng),
          i % 2 ? &b : nullptr);
    ++i;
  }
}

TEST(FcKernel, ThreadedMatchesSerial) {
  std::mt19937 rng(4);
  const HostTensor w = Dyadic({1000, 300}, rng);
  const HostTensor x = Dyadic({1, 300}, rng);
  model::Node node;
  node.op_type = "Gemm";
  node.attrs.SetInt("transB", 1);
  std::vector<TensorView> inputs = {{DType::kF32, {1, 300}, nullptr}, w.view()};
  auto kernel = CreateFcKernel(node, inputs, {DType::kF32, {1, 1000}, nullptr}, nullptr);
  ASSERT_TRUE(kernel.ok() && *kernel != nullptr);
  HostTensor serial = HostTensor::Allocate(DType::kF32, {1, 1000});
  HostTensor threaded = HostTensor::Allocate(DType::kF32, {1, 1000});
  const TensorView in = x.view();
  ASSERT_TRUE((*kernel)->Run({&in, 1}, serial.view(), nullptr).ok());
  ThreadPool pool(3);
  ASSERT_TRUE((*kernel)->Run({&in, 1}, threaded.view(), &pool).ok());
  EXPECT_EQ(ToFloats(serial), ToFloats(threaded));
}

TEST(FcKernel, DeclinesWhatItDoesNotHandle) {
  std::mt19937 rng(5);
  const HostTensor w = Dyadic({8, 4}, rng);
  const HostTensor w4 = Dyadic({4, 8, 1, 1}, rng);
  auto declined = [](const char* op, const model::Attributes& attrs, std::vector<TensorView> in,
                     TensorView out) {
    model::Node node;
    node.op_type = op;
    node.attrs = attrs;
    auto k = CreateFcKernel(node, in, out, nullptr);
    return k.ok() && *k == nullptr;
  };
  const TensorView x1{DType::kF32, {1, 8}, nullptr};
  EXPECT_FALSE(declined("Gemm", {}, {x1, w.view()}, {DType::kF32, {1, 4}, nullptr}));
  EXPECT_TRUE(declined("Gemm", {}, {{DType::kF32, {2, 8}, nullptr}, w.view()},
                       {DType::kF32, {2, 4}, nullptr}));  // M == 2
  EXPECT_TRUE(declined("Gemm", {}, {x1, {DType::kF32, {8, 4}, nullptr}},
                       {DType::kF32, {1, 4}, nullptr}));  // B not constant
  EXPECT_TRUE(declined("Gemm", {}, {x1, w.view(), {DType::kF32, {4}, nullptr}},
                       {DType::kF32, {1, 4}, nullptr}));  // C not constant
  EXPECT_TRUE(declined("MatMul", {}, {{DType::kF32, {2, 1, 8}, nullptr}, w.view()},
                       {DType::kF32, {2, 1, 4}, nullptr}));  // batched
  EXPECT_TRUE(declined("Conv", {}, {{DType::kF32, {1, 8, 2, 2}, nullptr}, w4.view()},
                       {DType::kF32, {1, 4, 2, 2}, nullptr}));  // spatial 2x2
  model::Attributes padded;
  padded.SetInts("pads", {1, 1, 1, 1});
  EXPECT_TRUE(declined("Conv", padded, {{DType::kF32, {1, 8, 1, 1}, nullptr}, w4.view()},
                       {DType::kF32, {1, 4, 3, 3}, nullptr}));
}

TEST(FcKernel, RegisteredFactoryTakesBatch1Gemm) {
  const NhwcKernelFactory* factory = nullptr;
  for (const NhwcKernelFactory* f : NhwcKernelFactories()) {
    if (std::string(f->name) == "fc_row") factory = f;
  }
  ASSERT_NE(factory, nullptr);
  std::mt19937 rng(6);
  const HostTensor w = Dyadic({40, 24}, rng);
  model::Node node;
  node.op_type = "Gemm";
  node.attrs.SetInt("transB", 1);
  const std::vector<TensorView> inputs = {{DType::kF32, {1, 24}, nullptr}, w.view()};
  auto kernel = factory->create(node, inputs, {DType::kF32, {1, 40}, nullptr});
  ASSERT_TRUE(kernel.ok());
  EXPECT_NE(*kernel, nullptr);
}

}  // namespace
}  // namespace mota::exec::fc
