// Differential tests of the Winograd kernel against the reference Conv (exec/reference), for every
// ISA variant this CPU can run, plus the factory's accept/decline rule.
//
// Tolerance (README.md, "Accuracy"): F(4x4, 3x3) multiplies the input by B^T (entries up to 5)
// and the GEMM result by A^T (entries up to 8), so rounding errors grow with those norms rather
// than with the output. With inputs in [-1, 1] and He-scaled weights (outputs of size ~1), the
// measured max abs error vs the reference is 1.1e-6 .. 2.1e-6 * sqrt(C_in) on every shape here
// (resnet18's included) and every ISA; the test allows about 5x that:
//   |got - want| <= 1e-5 * sqrt(C_in) + 1e-4 * |want|.
#include "exec/cpu/winograd/winograd.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "base/thread_pool.h"
#include "exec/reference/op_test_util.h"

namespace mota::exec::winograd {
namespace {

using exec::testing::MakeF32;
using exec::testing::OpInput;
using exec::testing::RunOp;
using exec::testing::ToFloats;

std::vector<float> Random(int64_t n, uint32_t seed, float scale) {
  std::vector<float> v(n);
  uint32_t s = seed * 2654435761u + 7;
  for (auto& x : v) {
    s = s * 1664525u + 1013904223u;
    x = scale * (static_cast<float>(s >> 8) / 8388608.0f - 1.0f);
  }
  return v;
}

// [N, C, H, W] -> [N, H, W, C]
std::vector<float> ToNhwc(const std::vector<float>& x, int64_t n, int64_t c, int64_t h, int64_t w) {
  std::vector<float> out(x.size());
  for (int64_t i = 0; i < n; ++i)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t p = 0; p < h * w; ++p)
        out[(i * h * w + p) * c + ch] = x[(i * c + ch) * h * w + p];
  return out;
}
struct Case {
  int64_t n = 1, c = 16, m = 16, h = 8, w = 8;
  int64_t pt = 1, pl = 1, pb = 1, pr = 1;
  bool bias = true;
  std::string act;  // "", "Relu", "Clip", "Sigmoid"
  int64_t oh() const { return h + pt + pb - 2; }
  int64_t ow() const { return w + pl + pr - 2; }
  ConvShape shape() const {
    return {.batch = n,
            .channels = c,
            .filters = m,
            .in_h = h,
            .in_w = w,
            .out_h = oh(),
            .out_w = ow(),
            .pad_top = pt,
            .pad_left = pl};
  }
};

struct Data {
  std::vector<float> x, w, b;  // NCHW x, [M, C, 3, 3] w
};

Data MakeData(const Case& k, uint32_t seed) {
  Data d;
  d.x = Random(k.n * k.c * k.h * k.w, seed, 1.0f);
  d.w = Random(k.m * k.c * 9, seed + 1, 1.0f / std::sqrt(9.0f * k.c) * std::sqrt(3.0f));
  if (k.bias) d.b = Random(k.m, seed + 2, 0.5f);
  return d;
}

model::Attributes Attrs(const Case& k) {
  model::Attributes a;
  a.SetInts("kernel_shape", {3, 3});
  a.SetInts("pads", {k.pt, k.pl, k.pb, k.pr});
  if (!k.act.empty()) a.SetString(kActivationAttr, k.act);
  if (k.act == "Clip") {
    a.SetFloat(kActivationAlphaAttr, -0.25f);
    a.SetFloat(kActivationBetaAttr, 0.5f);
  }
  return a;
}

// Reference Conv output, NHWC.
std::vector<float> Reference(const Case& k, const Data& d) {
  std::vector<OpInput> in;
  in.push_back({MakeF32({k.n, k.c, k.h, k.w}, d.x), false});
  in.push_back({MakeF32({k.m, k.c, 3, 3}, d.w), true});
  if (k.bias) in.push_back({MakeF32({k.m}, d.b), true});
  auto out = RunOp("Conv", Attrs(k), std::move(in));
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  if (!out.ok()) return {};
  return ToNhwc(ToFloats((*out)[0]), k.n, k.m, k.oh(), k.ow());
}

std::vector<float> RunWinograd(const Case& k, const Data& d, Isa isa, int tile,
                               int64_t tiles_per_block = 0, ThreadPool* pool = nullptr) {
  auto act = ReadActivation(Attrs(k));
  EXPECT_TRUE(act.ok());
  auto kernel = CreateKernel(k.shape(), d.w.data(), k.bias ? d.b.data() : nullptr, *act,
                             {.isa = isa, .tile = tile, .tiles_per_block = tiles_per_block});
  EXPECT_TRUE(kernel.ok()) << kernel.status().ToString();
  if (!kernel.ok()) return {};
  std::vector<float> x = ToNhwc(d.x, k.n, k.c, k.h, k.w);
  std::vector<float> y(k.n * k.oh() * k.ow() * k.m, std::nanf(""));
  TensorView xv{DType::kF32, {k.n, k.h, k.w, k.c}, x.data()};
  TensorView yv{DType::kF32, {k.n, k.oh(), k.ow(), k.m}, y.data()};
  Status st = (*kernel)->Run({&xv, 1}, yv, pool);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return y;
}

struct Errors {
  double max_abs = 0;
  double max_rel = 0;  // over elements with |want| >= 0.1 (outputs are of size ~1)
};

// Checks the tolerance element by element; returns the errors seen.
Errors ExpectClose(const std::vector<float>& got, const std::vector<float>& want, int64_t cin) {
  EXPECT_EQ(got.size(), want.size());
  const double atol = 1e-5 * std::sqrt(static_cast<double>(cin));
  Errors e;
  for (size_t i = 0; i < got.size() && i < want.size(); ++i) {
    const double err = std::fabs(static_cast<double>(got[i]) - want[i]);
    e.max_abs = std::max(e.max_abs, std::isnan(err) ? 1e30 : err);
    if (std::fabs(want[i]) >= 0.1) e.max_rel = std::max(e.max_rel, err / std::fabs(want[i]));
    if (!(err <= atol + 1e-4 * std::fabs(want[i]))) {
      ADD_FAILURE() << "element " << i << ": got " << got[i] << ", want " << want[i];
      return e;
    }
  }
  return e;
}

std::vector<Isa> Isas() {
  std::vector<Isa> out;
  for (Isa isa : {Isa::kPortable, Isa::kAvx2, Isa::kAvx512}) {
    if (IsaAvailable(isa)) out.push_back(isa);
  }
  return out;
}

void CheckIsa(const Case& k, const Data& d, const std::vector<float>& want, Isa isa, int tile);

void CheckCase(const Case& k, uint32_t seed) {
  const Data d = MakeData(k, seed);
  const std::vector<float> want = Reference(k, d);
  for (Isa isa : Isas()) {
    for (int tile : {4, 2}) CheckIsa(k, d, want, isa, tile);
  }
}

void CheckIsa(const Case& k, const Data& d, const std::vector<float>& want, Isa isa, int tile) {
  {
    SCOPED_TRACE(::testing::Message()
                 << "F(" << tile << "x" << tile << ") " << IsaName(isa) << " N" << k.n << " C"
                 << k.c << " M" << k.m << " " << k.h << "x" << k.w << " pads " << k.pt << k.pl
                 << k.pb << k.pr << " act '" << k.act << "'");
    const Errors e = ExpectClose(RunWinograd(k, d, isa, tile), want, k.c);
    ::testing::Test::RecordProperty(StrCat("max_abs_err_f", tile, "_", IsaName(isa)),
                                    std::to_string(e.max_abs));
    std::printf(
        "winograd F(%dx%d) %-8s C%-4lld M%-4lld %3lldx%-3lld max abs err %.3g (%.3g * sqrt(C_in)), "
        "max rel err %.3g\n",
        tile, tile, IsaName(isa), static_cast<long long>(k.c), static_cast<long long>(k.m),
        static_cast<long long>(k.h), static_cast<long long>(k.w), e.max_abs,
        e.max_abs / std::sqrt(k.c), e.max_rel);
  }
}

TEST(Winograd, OddSizesPartialChannels) {
  CheckCase({.c = 3, .m = 5, .h = 7, .w = 9}, 1);
  CheckCase({.c = 17, .m = 33, .h = 11, .w = 6, .act = "Relu"}, 2);
  CheckCase({.c = 20, .m = 50, .h = 13, .w = 13, .bias = false}, 3);
}

TEST(Winograd, PadsZeroAndAsymmetric) {
  CheckCase({.c = 16, .m = 16, .h = 10, .w = 12, .pt = 0, .pl = 0, .pb = 0, .pr = 0}, 4);
  CheckCase({.c = 24, .m = 40, .h = 9, .w = 10, .pt = 1, .pl = 0, .pb = 0, .pr = 1, .act = "Clip"},
            5);
  CheckCase({.c = 8, .m = 72, .h = 5, .w = 3, .pt = 0, .pl = 1, .pb = 1, .pr = 0, .act = "Sigmoid"},
            6);
}

TEST(Winograd, BatchAndWideChannels) {
  CheckCase({.n = 2, .c = 64, .m = 80, .h = 14, .w = 14, .act = "Relu"}, 7);
  CheckCase({.c = 130, .m = 144, .h = 6, .w = 7}, 8);
}

// The resnet18 3x3 layer shapes; the recorded errors back the tolerance in README.md.
TEST(Winograd, ResnetShapes) {
  CheckCase({.c = 64, .m = 64, .h = 56, .w = 56, .act = "Relu"}, 9);
  CheckCase({.c = 128, .m = 128, .h = 28, .w = 28}, 10);
  CheckCase({.c = 256, .m = 256, .h = 14, .w = 14}, 11);
  CheckCase({.c = 512, .m = 512, .h = 7, .w = 7}, 12);
}

// Blocks and threads change only which tiles are computed together, never the arithmetic.
TEST(Winograd, BlocksAndThreadsGiveIdenticalResults) {
  const Case k{.n = 2, .c = 32, .m = 48, .h = 15, .w = 17, .act = "Relu"};
  const Data d = MakeData(k, 13);
  ThreadPool pool(3);
  for (Isa isa : Isas()) {
    for (int tile : {4, 2}) {
      SCOPED_TRACE(::testing::Message() << IsaName(isa) << " tile " << tile);
      const std::vector<float> base = RunWinograd(k, d, isa, tile);
      for (int64_t tpb : {1, 5, 7, 1000}) {
        EXPECT_EQ(RunWinograd(k, d, isa, tile, tpb), base) << "tiles_per_block " << tpb;
        EXPECT_EQ(RunWinograd(k, d, isa, tile, tpb, &pool), base)
            << "tiles_per_block " << tpb << ", 3 threads";
      }
    }
  }
}

TEST(Winograd, RunRejectsWrongShapes) {
  const Case k{.c = 16, .m = 16, .h = 8, .w = 8};
  const Data d = MakeData(k, 14);
  auto kernel = CreateKernel(k.shape(), d.w.data(), d.b.data(), {}, {});
  ASSERT_TRUE(kernel.ok());
  std::vector<float> x(16 * 8 * 9), y(16 * 8 * 8);
  TensorView xv{DType::kF32, {1, 8, 9, 16}, x.data()};
  TensorView yv{DType::kF32, {1, 8, 8, 16}, y.data()};
  Status st = (*kernel)->Run({&xv, 1}, yv, nullptr);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.ToString().find("[1,8,8,16]"), std::string::npos) << st.ToString();
}

// ---- the factory ----

struct NodeSpec {
  int64_t c = 64, m = 64, h = 28, w = 28, k = 3, stride = 1, dilation = 1, group = 1, pad = 1;
};

Result<std::unique_ptr<NhwcKernel>> CreateThroughFactory(const NodeSpec& n) {
  const NhwcKernelFactory* factory = nullptr;
  for (const NhwcKernelFactory* f : NhwcKernelFactories()) {
    if (std::string(f->name) == "winograd_f43") factory = f;
  }
  EXPECT_NE(factory, nullptr);
  if (factory == nullptr) return Internal("winograd_f43 is not registered");
  model::Node node;
  node.name = "conv";
  node.op_type = "Conv";
  node.attrs.SetInts("strides", {n.stride, n.stride});
  node.attrs.SetInts("dilations", {n.dilation, n.dilation});
  node.attrs.SetInts("pads", {n.pad, n.pad, n.pad, n.pad});
  node.attrs.SetInt("group", n.group);
  static std::vector<float> weights;
  weights.assign(n.m * n.c / n.group * n.k * n.k, 0.5f);
  const int64_t ext = (n.k - 1) * n.dilation + 1;
  const int64_t oh = (n.h + 2 * n.pad - ext) / n.stride + 1,
                ow = (n.w + 2 * n.pad - ext) / n.stride + 1;
  std::vector<TensorView> inputs = {{DType::kF32, {1, n.c, n.h, n.w}, nullptr},
                                    {DType::kF32, {n.m, n.c / n.group, n.k, n.k}, weights.data()}};
  return factory->create(node, inputs, {DType::kF32, {1, n.m, oh, ow}, nullptr});
}

bool Accepts(const NodeSpec& n) {
  auto k = CreateThroughFactory(n);
  EXPECT_TRUE(k.ok()) << k.status().ToString();
  return k.ok() && *k != nullptr;
}

TEST(WinogradFactory, AcceptsResnetLayersAndDeclinesOthers) {
  EXPECT_TRUE(Accepts({}));
  EXPECT_TRUE(Accepts({.c = 64, .m = 64, .h = 56, .w = 56, .pad = 0}));
  EXPECT_FALSE(Accepts({.stride = 2}));
  EXPECT_FALSE(Accepts({.dilation = 2}));
  EXPECT_FALSE(Accepts({.group = 2}));
  EXPECT_FALSE(Accepts({.k = 5, .pad = 2}));
  EXPECT_FALSE(Accepts({.pad = 2}));
  EXPECT_FALSE(Accepts({.c = 3}));  // the stem of most CNNs: too few channels to pay off
  EXPECT_TRUE(Accepts({.c = 64, .m = 8}));
  EXPECT_TRUE(Accepts({.c = 512, .m = 512, .h = 7, .w = 7}));
  EXPECT_FALSE(Accepts({.c = 512, .m = 512, .h = 5, .w = 5}));  // streaming U would dominate
}

// F(4x4) where U per output pixel stays small, F(2x2) (less than half its U) on deep layers with
// few pixels.
TEST(WinogradFactory, TileSide) {
  auto shape = [](int64_t c, int64_t hw) {
    return ConvShape{.channels = c,
                     .filters = c,
                     .in_h = hw,
                     .in_w = hw,
                     .out_h = hw,
                     .out_w = hw,
                     .pad_top = 1,
                     .pad_left = 1};
  };
  EXPECT_EQ(ChooseTile(shape(64, 56)), 4);
  EXPECT_EQ(ChooseTile(shape(128, 28)), 4);
  EXPECT_EQ(ChooseTile(shape(256, 14)), 4);
  EXPECT_EQ(ChooseTile(shape(256, 4)), 4);  // 576 KiB of F(4x4) U per pixel
  EXPECT_EQ(ChooseTile(shape(512, 7)), 2);  // 752 KiB of F(4x4) U per pixel, 334 KiB of F(2x2)
  EXPECT_EQ(ChooseTile(shape(512, 5)), 0);
  EXPECT_EQ(ChooseTile(shape(8, 56)), 0);
}

TEST(Winograd, RejectsOtherTileSides) {
  const Case k{.c = 16, .m = 16, .h = 8, .w = 8};
  const Data d = MakeData(k, 15);
  auto kernel = CreateKernel(k.shape(), d.w.data(), d.b.data(), {}, {.tile = 3});
  ASSERT_FALSE(kernel.ok());
  EXPECT_NE(kernel.status().ToString().find("tile side 3"), std::string::npos)
      << kernel.status().ToString();
}

}  // namespace
}  // namespace mota::exec::winograd
