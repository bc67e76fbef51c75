// Differential tests of the prepared int8 GEMM kernels (int8_kernels.h) against the reference
// QLinearConv / QLinearMatMul, on every ISA this CPU runs, and end to end on the auto backend.
// Tolerance: none. The kernels use the reference's own f32 requantization (multiplier
// x_scale * w_scale / y_scale, round half to even, saturation) on exact integer accumulators, so
// every output must match bit for bit (the task allows 1 quantum; we need 0).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>

#include "exec/activation.h"
#include "exec/cpu/cpu_features.h"
#include "exec/cpu/int8/int8_kernels.h"
#include "exec/reference/op_test_util.h"

namespace mota::exec::int8 {
namespace {

using testing::MakeF32;
using testing::MakeI32;
using testing::MakeI8;
using testing::MakeU8;
using testing::OpInput;
using testing::RunOp;

std::vector<const Isa*> Isas() {
  std::vector<const Isa*> v = {&PortableIsa()};
#if defined(__x86_64__)
  if (GetCpuFeatures().avx512 && GetCpuFeatures().avx512_vnni) v.push_back(&Avx512VnniIsa());
#endif
  return v;
}

// Random 8-bit tensor of `dtype` with values in [lo, hi].
HostTensor Random8(DType dtype, Shape shape, int lo, int hi, std::mt19937& rng) {
  std::uniform_int_distribution<int> d(lo, hi);
  const int64_t n = NumElements(shape);
  if (dtype == DType::kI8) {
    std::vector<int8_t> v(static_cast<size_t>(n));
    for (int8_t& x : v) x = static_cast<int8_t>(d(rng));
    return MakeI8(std::move(shape), v);
  }
  std::vector<uint8_t> v(static_cast<size_t>(n));
  for (uint8_t& x : v) x = static_cast<uint8_t>(d(rng));
  return MakeU8(std::move(shape), v);
}

HostTensor Zp(DType dtype, Shape shape, const std::vector<int>& values) {
  if (dtype == DType::kI8) return MakeI8(std::move(shape), {values.begin(), values.end()});
  return MakeU8(std::move(shape), {values.begin(), values.end()});
}

HostTensor Copy(const HostTensor& t) {
  HostTensor c = HostTensor::Allocate(t.dtype(), t.shape());
  std::memcpy(c.data(), t.data(), t.nbytes());
  return c;
}

void SetActivation(ActivationKind kind, model::Attributes* attrs) {
  if (kind == ActivationKind::kNone) return;
  attrs->SetString(kActivationAttr, ActivationName(kind));
  if (kind == ActivationKind::kClip) {
    attrs->SetFloat(kActivationAlphaAttr, -0.5f);
    attrs->SetFloat(kActivationBetaAttr, 1.5f);
  }
}

// Runs `op` on the reference backend (data input 0 non-constant, the rest constant), then through
// the kernel made by `create` for every ISA, and on the auto backend; all must agree exactly.
template <typename Create>
void Check(const std::string& op, const model::Attributes& attrs,
           const std::vector<HostTensor>& inputs, Create create, bool expect_kernel = true) {
  const auto make_inputs = [&] {
    std::vector<OpInput> in;
    for (size_t i = 0; i < inputs.size(); ++i) in.push_back({Copy(inputs[i]), i != 0});
    return in;
  };
  auto ref = RunOp(op, attrs, make_inputs());
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  const HostTensor& want = (*ref)[0];
  model::Node node;
  node.name = "n";
  node.op_type = op;
  node.attrs = attrs;
  std::vector<TensorView> prepare_in, run_in;
  for (const HostTensor& t : inputs) {
    run_in.push_back(t.dtype() == DType::kUndefined ? TensorView{} : t.view());
    prepare_in.push_back(run_in.back());
  }
  prepare_in[0].data = nullptr;
  const TensorView out_meta{want.dtype(), want.shape(), nullptr};
  for (const Isa* isa : Isas()) {
    SCOPED_TRACE(isa->name);
    auto kernel = create(node, prepare_in, std::span<const TensorView>(&out_meta, 1), isa);
    ASSERT_TRUE(kernel.ok()) << kernel.status().ToString();
    if (!expect_kernel) {
      EXPECT_EQ(*kernel, nullptr);
      continue;
    }
    ASSERT_NE(*kernel, nullptr);
    HostTensor got = HostTensor::Allocate(want.dtype(), want.shape());
    const TensorView out = got.view();
    ThreadPool three(3);
    for (ThreadPool* pool : {static_cast<ThreadPool*>(nullptr), &three}) {
      std::memset(got.data(), 0xAB, got.nbytes());
      ASSERT_TRUE((*kernel)->Run(run_in, {&out, 1}, pool).ok());
      for (int64_t i = 0; i < want.numel(); ++i) {
        ASSERT_EQ(got.data()[i], want.data()[i])
            << "output " << i << " of " << ShapeToString(want.shape())
            << (pool ? " (3 threads)" : "");
      }
    }
  }
  auto fast = RunOp(op, attrs, make_inputs(), 1, "auto");
  ASSERT_TRUE(fast.ok()) << fast.status().ToString();
  ASSERT_EQ(0, std::memcmp((*fast)[0].data(), want.data(), want.nbytes())) << "auto backend";
}

struct ConvCase {
  int64_t n = 1, c = 8, h = 9, w = 9, m = 8, kh = 3, kw = 3;
  std::vector<int64_t> strides = {1, 1}, pads = {1, 1, 1, 1}, dilations = {1, 1};
  DType x = DType::kI8, wt = DType::kI8, y = DType::kI8;
  int x_zp = 3, y_zp = -5;
  std::vector<int> w_zp = {0};  // repeated for every filter when per_channel
  bool per_channel = true, bias = true;
  ActivationKind act = ActivationKind::kNone;
  float y_scale_factor = 1.0f;  // < 1 saturates
  bool one_d = false;
};

std::vector<HostTensor> ConvInputs(const ConvCase& k, std::mt19937& rng) {
  std::vector<HostTensor> in;
  const Shape xs = k.one_d ? Shape{k.n, k.c, k.w} : Shape{k.n, k.c, k.h, k.w};
  const Shape ws = k.one_d ? Shape{k.m, k.c, k.kw} : Shape{k.m, k.c, k.kh, k.kw};
  in.push_back(k.x == DType::kI8 ? Random8(k.x, xs, -128, 127, rng)
                                 : Random8(k.x, xs, 0, 255, rng));
  const float x_scale = 0.05f;
  in.push_back(MakeF32({}, {x_scale}));
  in.push_back(Zp(k.x, {}, {k.x_zp}));
  const int w_lo = k.wt == DType::kI8 ? -127 : std::max(0, k.w_zp[0] - 128);
  in.push_back(Random8(k.wt, ws, w_lo, k.wt == DType::kI8 ? 127 : k.w_zp[0] + 127, rng));
  std::vector<float> w_scales;
  std::uniform_real_distribution<float> sd(0.002f, 0.02f);
  for (int64_t i = 0; i < (k.per_channel ? k.m : 1); ++i) w_scales.push_back(sd(rng));
  const int64_t cnt = static_cast<int64_t>(w_scales.size());
  in.push_back(k.per_channel ? MakeF32({cnt}, w_scales) : MakeF32({}, w_scales));
  // The zero point has the scale's count (one value per filter: repeated when given once).
  std::vector<int> w_zp = k.w_zp;
  if (k.per_channel) w_zp.resize(static_cast<size_t>(k.m), k.w_zp[0]);
  in.push_back(k.per_channel ? Zp(k.wt, {k.m}, w_zp) : Zp(k.wt, {}, {w_zp[0]}));
  // Outputs spread over the range: |acc| ~ sqrt(K) * 74 * 73 for uniform operands.
  const float kk = static_cast<float>(k.c * k.kh * k.kw);
  in.push_back(MakeF32({}, {x_scale * 0.01f * std::sqrt(kk) * 74 * 73 / 60 * k.y_scale_factor}));
  in.push_back(Zp(k.y, {}, {k.y_zp}));
  if (k.bias) {
    std::uniform_int_distribution<int32_t> bd(-20000, 20000);
    std::vector<int32_t> b(static_cast<size_t>(k.m));
    for (int32_t& v : b) v = bd(rng);
    in.push_back(MakeI32({k.m}, b));
  }
  return in;
}

model::Attributes ConvAttrs(const ConvCase& k) {
  model::Attributes a;
  if (k.one_d) {
    a.SetInts("strides", {k.strides[1]});
    a.SetInts("pads", {k.pads[1], k.pads[3]});
    a.SetInts("dilations", {k.dilations[1]});
  } else {
    a.SetInts("strides", k.strides);
    a.SetInts("pads", k.pads);
    a.SetInts("dilations", k.dilations);
  }
  SetActivation(k.act, &a);
  return a;
}

void CheckConv(const ConvCase& k, bool expect_kernel = true) {
  std::mt19937 rng(static_cast<uint32_t>(k.c * 131 + k.m * 7 + k.h + k.kh));
  Check("QLinearConv", ConvAttrs(k), ConvInputs(k, rng), CreateQLinearConvGemm, expect_kernel);
}

TEST(Int8GemmConv, OneByOne) {
  for (int64_t c : {1, 3, 4, 5, 17, 64}) {
    for (int64_t m : {1, 7, 8, 9, 33}) {
      SCOPED_TRACE("c " + std::to_string(c) + " m " + std::to_string(m));
      ConvCase k;
      k.c = c, k.m = m, k.kh = k.kw = 1, k.pads = {0, 0, 0, 0}, k.h = 7, k.w = 11;
      CheckConv(k);
    }
  }
}

TEST(Int8GemmConv, KxKStridesPadsDilations) {
  struct G {
    int64_t h, w, kh, kw, sh, sw, dh, dw;
    std::vector<int64_t> pads;
  };
  const G cases[] = {
      {9, 9, 3, 3, 1, 1, 1, 1, {1, 1, 1, 1}},
      {14, 13, 3, 3, 2, 2, 1, 1, {1, 1, 1, 1}},
      {23, 23, 7, 7, 2, 2, 1, 1, {3, 3, 3, 3}},
      {10, 12, 3, 5, 1, 2, 2, 1, {2, 0, 1, 3}},
      {8, 8, 1, 1, 2, 2, 1, 1, {0, 0, 0, 0}},
      {5, 6, 3, 3, 3, 1, 1, 3, {0, 2, 2, 0}},
      {56, 50, 3, 3, 1, 1, 1, 1, {0, 0, 0, 0}},
      {4, 4, 5, 5, 1, 1, 1, 1, {2, 2, 2, 2}},
      // stride 2 on wide rows: the vector path of the stride-2 packing, odd and even widths
      {9, 75, 3, 3, 2, 2, 1, 1, {1, 1, 1, 1}},
      {6, 90, 7, 7, 2, 2, 1, 1, {3, 2, 3, 3}}};
  for (const G& g : cases) {
    for (int64_t c : {3, 8, 13}) {
      SCOPED_TRACE("h " + std::to_string(g.h) + " k " + std::to_string(g.kh) + "x" +
                   std::to_string(g.kw) + " s " + std::to_string(g.sh) + " c " + std::to_string(c));
      ConvCase k;
      k.c = c, k.m = 10, k.h = g.h, k.w = g.w, k.kh = g.kh, k.kw = g.kw;
      k.strides = {g.sh, g.sw}, k.dilations = {g.dh, g.dw}, k.pads = g.pads;
      CheckConv(k);
    }
  }
}

TEST(Int8GemmConv, DTypesZeroPointsBatchAndOneD) {
  ConvCase k;
  k.n = 2;
  for (int x_zp : {-128, 0, 127}) {
    for (int y_zp : {-128, 127}) {
      k.x_zp = x_zp, k.y_zp = y_zp;
      CheckConv(k);
    }
  }
  k = ConvCase();
  k.x = DType::kU8, k.x_zp = 255, k.y = DType::kU8, k.y_zp = 0;
  CheckConv(k);
  k.x_zp = 0, k.y_zp = 255, k.per_channel = false, k.bias = false;
  CheckConv(k);
  // u8 weights with zero point 128 (imported ONNX models): w - w_zp fits s8.
  k.wt = DType::kU8, k.w_zp = {128};
  CheckConv(k);
  k.w_zp = {100}, k.per_channel = true;
  CheckConv(k);
  k = ConvCase();
  k.one_d = true, k.w = 30, k.h = 1, k.kh = 1, k.kw = 5, k.pads = {0, 2, 0, 1};
  CheckConv(k);
}

TEST(Int8GemmConv, SaturationAndFusedActivations) {
  for (ActivationKind act : {ActivationKind::kNone, ActivationKind::kRelu, ActivationKind::kClip,
                             ActivationKind::kHardSwish, ActivationKind::kSigmoid}) {
    for (float f : {1.0f, 0.05f}) {
      SCOPED_TRACE(std::string(ActivationName(act)) + " y scale factor " + std::to_string(f));
      ConvCase k;
      k.act = act, k.y_scale_factor = f, k.c = 16, k.m = 12;
      CheckConv(k);
      // 1x1, no padding columns: real-domain rows of a whole tile in one call (tile()).
      k.kh = k.kw = 1, k.pads = {0, 0, 0, 0}, k.h = 5, k.w = 13;
      CheckConv(k);
    }
  }
}

TEST(Int8GemmConv, Declines) {
  ConvCase k;
  k.wt = DType::kU8, k.w_zp = {0};  // w - w_zp up to 255: does not fit s8
  std::mt19937 rng(1);
  std::vector<HostTensor> in = ConvInputs(k, rng);
  in[3] = Random8(DType::kU8, {k.m, k.c, k.kh, k.kw}, 0, 255, rng);
  Check("QLinearConv", ConvAttrs(k), in, CreateQLinearConvGemm, false);
  // Grouped convolutions belong to other kernels.
  k = ConvCase();
  model::Attributes a = ConvAttrs(k);
  a.SetInt("group", 2);
  std::vector<HostTensor> g = ConvInputs(k, rng);
  g[3] = Random8(DType::kI8, {k.m, k.c / 2, k.kh, k.kw}, -127, 127, rng);
  Check("QLinearConv", a, g, CreateQLinearConvGemm, false);
}

struct MatMulCase {
  Shape a = {5, 37};
  int64_t n = 50;
  DType at = DType::kI8, bt = DType::kI8, y = DType::kI8;
  int a_zp = -7, b_zp = 0, y_zp = 4;
  bool per_col = true;
  ActivationKind act = ActivationKind::kNone;
  float y_scale_factor = 1.0f;
};

void CheckMatMul(const MatMulCase& k) {
  std::mt19937 rng(static_cast<uint32_t>(k.a.back() * 17 + k.n));
  const int64_t kk = k.a.back();
  std::vector<HostTensor> in;
  in.push_back(k.at == DType::kI8 ? Random8(k.at, k.a, -128, 127, rng)
                                  : Random8(k.at, k.a, 0, 255, rng));
  in.push_back(MakeF32({}, {0.03f}));
  in.push_back(Zp(k.at, {}, {k.a_zp}));
  const int b_lo = std::max(k.bt == DType::kI8 ? -128 : 0, k.b_zp - 127);
  in.push_back(
      Random8(k.bt, {kk, k.n}, b_lo, std::min(b_lo + 254, k.bt == DType::kI8 ? 127 : 255), rng));
  std::vector<float> scales;
  std::uniform_real_distribution<float> sd(0.002f, 0.02f);
  for (int64_t i = 0; i < (k.per_col ? k.n : 1); ++i) scales.push_back(sd(rng));
  in.push_back(k.per_col ? MakeF32({k.n}, scales) : MakeF32({}, scales));
  const int64_t zps = k.per_col ? k.n : 1;  // the scale's count
  in.push_back(Zp(k.bt, k.per_col ? Shape{k.n} : Shape{},
                  std::vector<int>(static_cast<size_t>(zps), k.b_zp)));
  in.push_back(MakeF32(
      {}, {0.03f * 0.01f * std::sqrt(static_cast<float>(kk)) * 74 * 73 / 60 * k.y_scale_factor}));
  in.push_back(Zp(k.y, {}, {k.y_zp}));
  model::Attributes attrs;
  SetActivation(k.act, &attrs);
  Check("QLinearMatMul", attrs, in, CreateQLinearMatMulGemm);
}

TEST(Int8GemmMatMul, ShapesDTypesAndActivations) {
  for (Shape a : {Shape{1, 512}, Shape{37}, Shape{2, 3, 33}, Shape{9, 4}, Shape{16, 130}}) {
    for (int64_t n : {1, 16, 47, 49, 100}) {
      SCOPED_TRACE(ShapeToString(a) + " n " + std::to_string(n));
      MatMulCase k;
      k.a = a, k.n = n;
      CheckMatMul(k);
    }
  }
  MatMulCase k;
  k.at = DType::kU8, k.a_zp = 200, k.bt = DType::kU8, k.b_zp = 128, k.y = DType::kU8, k.y_zp = 0;
  CheckMatMul(k);
  k.per_col = false, k.a_zp = 0, k.b_zp = 3, k.y_zp = 255;
  CheckMatMul(k);
  for (ActivationKind act :
       {ActivationKind::kRelu, ActivationKind::kClip, ActivationKind::kHardSwish}) {
    for (float f : {1.0f, 0.02f}) {
      MatMulCase c;
      c.act = act, c.y_scale_factor = f, c.a_zp = 127, c.y_zp = -128;
      CheckMatMul(c);
    }
  }
}

}  // namespace
}  // namespace mota::exec::int8
