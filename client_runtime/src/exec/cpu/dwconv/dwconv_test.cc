// Differential tests of the depthwise-conv NHWC kernel against the reference Conv, for every
// row function this CPU can run (portable, AVX2, AVX-512). Inputs and weights are small dyadic
// rationals (k / 16), so every product and partial sum is exact in fp32 and the summation order
// cannot change the linear part; the tolerance only covers the activations.
#include "exec/cpu/dwconv/dwconv.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>

#include "exec/activation.h"
#include "exec/cpu/cpu_features.h"
#include "exec/reference/op_test_util.h"

namespace mota::exec::dwconv {
namespace {

using testing::MakeF32;
using testing::OpInput;
using testing::RunOp;

struct Variant {
  const char* name;
  DwRowsFn rows;
};

std::vector<Variant> Variants() {
  std::vector<Variant> v = {{"portable", DwRowsPortable}};
#if defined(__x86_64__)
  if (GetCpuFeatures().avx2) v.push_back({"avx2", DwRowsAvx2});
  if (GetCpuFeatures().avx512) v.push_back({"avx512", DwRowsAvx512});
#endif
  return v;
}

std::vector<float> Dyadic(size_t n, std::mt19937& rng, int range, float scale) {
  std::uniform_int_distribution<int> d(-range, range);
  std::vector<float> v(n);
  for (float& f : v) f = static_cast<float>(d(rng)) * scale;
  return v;
}

HostTensor NchwToNhwc(const HostTensor& t) {
  const Shape& s = t.shape();
  HostTensor out = HostTensor::Allocate(DType::kF32, {s[0], s[2], s[3], s[1]});
  const float* src = t.as<float>();
  float* dst = out.as<float>();
  for (int64_t n = 0; n < s[0]; ++n)
    for (int64_t c = 0; c < s[1]; ++c)
      for (int64_t h = 0; h < s[2]; ++h)
        for (int64_t w = 0; w < s[3]; ++w)
          dst[((n * s[2] + h) * s[3] + w) * s[1] + c] = src[((n * s[1] + c) * s[2] + h) * s[3] + w];
  return out;
}

struct Case {
  int64_t n, c, h, w;
  int k, stride;
  std::vector<int64_t> pads;  // t, l, b, r; empty with auto_pad
  std::string auto_pad;
  ActivationKind act;
  bool bias;

  std::string Name() const {
    std::string s = "N" + std::to_string(n) + " C" + std::to_string(c) + " " + std::to_string(h) +
                    "x" + std::to_string(w) + " k" + std::to_string(k) + " s" +
                    std::to_string(stride);
    for (int64_t p : pads) s += " p" + std::to_string(p);
    return s + " " + auto_pad + " act " + ActivationName(act) + (bias ? " bias" : "");
  }
};

void SetActivation(ActivationKind kind, model::Attributes* attrs) {
  if (kind == ActivationKind::kNone) return;
  attrs->SetString(kActivationAttr, ActivationName(kind));
  if (kind == ActivationKind::kClip) {
    attrs->SetFloat(kActivationAlphaAttr, 0.0f);
    attrs->SetFloat(kActivationBetaAttr, 6.0f);
  } else if (kind == ActivationKind::kLeakyRelu) {
    attrs->SetFloat(kActivationAlphaAttr, 0.125f);
  } else if (kind == ActivationKind::kHardSigmoid) {
    attrs->SetFloat(kActivationAlphaAttr, 0.2f);
    attrs->SetFloat(kActivationBetaAttr, 0.5f);
  }
}

// Runs one case through the reference Conv and through each variant; compares.
void CheckCase(const Case& cs, std::mt19937& rng) {
  SCOPED_TRACE(cs.Name());
  model::Node node;
  node.name = "dw";
  node.op_type = "Conv";
  node.attrs.SetInt("group", cs.c);
  node.attrs.SetInts("kernel_shape", {cs.k, cs.k});
  node.attrs.SetInts("strides", {cs.stride, cs.stride});
  if (!cs.pads.empty()) node.attrs.SetInts("pads", cs.pads);
  if (!cs.auto_pad.empty()) node.attrs.SetString("auto_pad", cs.auto_pad);
  SetActivation(cs.act, &node.attrs);

  HostTensor x =
      MakeF32({cs.n, cs.c, cs.h, cs.w}, Dyadic(cs.n * cs.c * cs.h * cs.w, rng, 16, 1.0f / 16));
  HostTensor w = MakeF32({cs.c, 1, cs.k, cs.k}, Dyadic(cs.c * cs.k * cs.k, rng, 16, 1.0f / 16));
  HostTensor b = MakeF32({cs.c}, Dyadic(cs.c, rng, 16, 1.0f / 8));
  std::vector<OpInput> ref_inputs;
  ref_inputs.push_back({MakeF32(x.shape(), testing::ToFloats(x)), false});
  ref_inputs.push_back({MakeF32(w.shape(), testing::ToFloats(w)), true});
  if (cs.bias) ref_inputs.push_back({MakeF32(b.shape(), testing::ToFloats(b)), true});
  auto ref = RunOp("Conv", node.attrs, std::move(ref_inputs));
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  const HostTensor want = NchwToNhwc((*ref)[0]);
  const Shape& os = (*ref)[0].shape();

  std::vector<TensorView> inputs = {{DType::kF32, x.shape(), nullptr}, w.view()};
  if (cs.bias) inputs.push_back(b.view());
  const TensorView out_logical{DType::kF32, os, nullptr};
  const HostTensor x_nhwc = NchwToNhwc(x);
  for (const Variant& v : Variants()) {
    SCOPED_TRACE(v.name);
    auto kernel = CreateDwConvKernel(node, inputs, out_logical, v.rows);
    ASSERT_TRUE(kernel.ok()) << kernel.status().ToString();
    ASSERT_NE(*kernel, nullptr);
    HostTensor got = HostTensor::Allocate(DType::kF32, want.shape());
    const TensorView in_view = x_nhwc.view();
    ASSERT_TRUE((*kernel)->Run({&in_view, 1}, got.view(), nullptr).ok());
    for (int64_t i = 0; i < want.numel(); ++i) {
      const float e = want.as<float>()[i], g = got.as<float>()[i];
      ASSERT_NEAR(g, e, 1e-6 + 1e-5 * std::fabs(e)) << "at NHWC index " << i;
    }
  }
}

TEST(DwConvKernel, MatchesReferenceOverShapes) {
  std::mt19937 rng(7);
  const ActivationKind acts[] = {ActivationKind::kNone,        ActivationKind::kRelu,
                                 ActivationKind::kClip,        ActivationKind::kHardSwish,
                                 ActivationKind::kSigmoid,     ActivationKind::kLeakyRelu,
                                 ActivationKind::kHardSigmoid, ActivationKind::kTanh};
  const int64_t channels[] = {1, 5, 16, 19, 40};
  const int64_t sizes[][2] = {{1, 1}, {2, 3}, {5, 5}, {7, 10}, {13, 6}, {4, 23}};
  int count = 0;
  for (int k : {3, 5}) {
    for (int stride : {1, 2}) {
      for (int64_t pad : {0, 1, 2}) {
        for (const auto& hw : sizes) {
          if (hw[0] + 2 * pad < k || hw[1] + 2 * pad < k) continue;  // no output
          for (int64_t c : channels) {
            const Case cs{count % 4 == 0 ? 2 : 1, c,  hw[0],           hw[1],         k, stride,
                          {pad, pad, pad, pad},   "", acts[count % 8], count % 3 != 0};
            CheckCase(cs, rng);
            ++count;
          }
        }
      }
    }
  }
  EXPECT_GT(count, 150);
}

TEST(DwConvKernel, AsymmetricAndAutoPads) {
  std::mt19937 rng(11);
  CheckCase({1, 24, 9, 8, 3, 2, {0, 1, 1, 0}, "", ActivationKind::kRelu, true}, rng);
  CheckCase({1, 33, 11, 12, 5, 1, {2, 1, 0, 2}, "", ActivationKind::kClip, false}, rng);
  CheckCase({2, 17, 8, 9, 5, 2, {}, "SAME_UPPER", ActivationKind::kHardSwish, true}, rng);
  CheckCase({1, 48, 10, 7, 3, 2, {}, "SAME_LOWER", ActivationKind::kNone, true}, rng);
  CheckCase({1, 48, 10, 7, 3, 1, {}, "VALID", ActivationKind::kNone, false}, rng);
}

TEST(DwConvKernel, ThreadedMatchesSerial) {
  model::Node node;
  node.op_type = "Conv";
  node.attrs.SetInt("group", 24);
  node.attrs.SetInts("pads", {1, 1, 1, 1});
  std::mt19937 rng(3);
  HostTensor w = MakeF32({24, 1, 3, 3}, Dyadic(24 * 9, rng, 16, 1.0f / 16));
  HostTensor x = MakeF32({1, 30, 30, 24}, Dyadic(30 * 30 * 24, rng, 16, 1.0f / 16));  // NHWC
  std::vector<TensorView> inputs = {{DType::kF32, {1, 24, 30, 30}, nullptr}, w.view()};
  auto kernel = CreateDwConvKernel(node, inputs, {DType::kF32, {1, 24, 30, 30}, nullptr}, nullptr);
  ASSERT_TRUE(kernel.ok() && *kernel != nullptr);
  HostTensor serial = HostTensor::Allocate(DType::kF32, {1, 30, 30, 24});
  HostTensor threaded = HostTensor::Allocate(DType::kF32, {1, 30, 30, 24});
  const TensorView in = x.view();
  ASSERT_TRUE((*kernel)->Run({&in, 1}, serial.view(), nullptr).ok());
  ThreadPool pool(3);
  ASSERT_TRUE((*kernel)->Run({&in, 1}, threaded.view(), &pool).ok());
  EXPECT_EQ(testing::ToFloats(serial), testing::ToFloats(threaded));
}

TEST(DwConvKernel, DeclinesWhatItDoesNotHandle) {
  std::mt19937 rng(5);
  HostTensor w3 = MakeF32({8, 1, 3, 3}, Dyadic(72, rng, 4, 0.25f));
  HostTensor w7 = MakeF32({8, 1, 7, 7}, Dyadic(8 * 49, rng, 4, 0.25f));
  HostTensor wg = MakeF32({8, 8, 3, 3}, Dyadic(8 * 72, rng, 4, 0.25f));
  const TensorView x{DType::kF32, {1, 8, 10, 10}, nullptr};
  const TensorView y{DType::kF32, {1, 8, 8, 8}, nullptr};
  auto declined = [&](const model::Node& node, std::vector<TensorView> in, TensorView out) {
    auto k = CreateDwConvKernel(node, in, out, nullptr);
    return k.ok() && *k == nullptr;
  };
  model::Node dw;
  dw.op_type = "Conv";
  dw.attrs.SetInt("group", 8);
  EXPECT_FALSE(declined(dw, {x, w3.view()}, y));                            // handled
  EXPECT_TRUE(declined(dw, {x, {DType::kF32, {8, 1, 3, 3}, nullptr}}, y));  // W not constant
  EXPECT_TRUE(declined(dw, {x, w7.view()}, {DType::kF32, {1, 8, 4, 4}, nullptr}));  // 7x7
  model::Node full = dw;
  full.attrs.SetInt("group", 1);
  EXPECT_TRUE(declined(full, {x, wg.view()}, y));  // not depthwise
  model::Node dilated = dw;
  dilated.attrs.SetInts("dilations", {2, 2});
  EXPECT_TRUE(declined(dilated, {x, w3.view()}, {DType::kF32, {1, 8, 6, 6}, nullptr}));
  model::Node pool = dw;
  pool.op_type = "MaxPool";
  EXPECT_TRUE(declined(pool, {x, w3.view()}, y));
}

TEST(DwConvKernel, RegisteredFactoryTakesDepthwiseWithAVectorPath) {
  const NhwcKernelFactory* factory = nullptr;
  for (const NhwcKernelFactory* f : NhwcKernelFactories()) {
    if (std::string(f->name) == "dwconv") factory = f;
  }
  ASSERT_NE(factory, nullptr);
  model::Node node;
  node.op_type = "Conv";
  node.attrs.SetInt("group", 32);
  node.attrs.SetInts("pads", {1, 1, 1, 1});
  std::mt19937 rng(9);
  HostTensor w = MakeF32({32, 1, 3, 3}, Dyadic(32 * 9, rng, 16, 1.0f / 16));
  const std::vector<TensorView> inputs = {{DType::kF32, {1, 32, 8, 8}, nullptr}, w.view()};
  auto kernel = factory->create(node, inputs, {DType::kF32, {1, 32, 8, 8}, nullptr});
  ASSERT_TRUE(kernel.ok());
  const CpuFeatures& f = GetCpuFeatures();
  EXPECT_EQ(*kernel != nullptr, f.avx2 || f.avx512);
}

}  // namespace
}  // namespace mota::exec::dwconv
