// Conv and ConvTranspose against hand-checked values (from the ONNX operator docs) and against
// naive loops written straight from the ONNX definitions.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "exec/reference/op_test_util.h"

namespace mota::exec {
namespace {

using testing::MakeF32;
using testing::OpInput;
using testing::RunOp;
using testing::ToFloats;

std::vector<float> Iota(int64_t n) {
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = static_cast<float>(i);
  return v;
}

std::vector<float> Random(int64_t n, uint32_t seed) {
  std::vector<float> v(n);
  uint32_t s = seed * 2654435761u + 1;
  for (auto& x : v) {
    s = s * 1664525u + 1013904223u;
    x = static_cast<float>((s >> 8) % 2001) / 1000.0f - 1.0f;
  }
  return v;
}

void ExpectNear(const std::vector<float>& got, const std::vector<float>& want, float tol = 1e-4f) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_NEAR(got[i], want[i], tol * (1.0f + std::fabs(want[i]))) << "at index " << i;
  }
}

// A conv problem in 3-D form (1-D / 2-D use leading unit dims), with explicit begin pads.
struct Spec {
  int64_t n = 1, c = 1, m = 1, group = 1;
  int64_t in[3] = {1, 1, 1}, k[3] = {1, 1, 1}, s[3] = {1, 1, 1}, d[3] = {1, 1, 1};
  int64_t pb[3] = {0, 0, 0}, pe[3] = {0, 0, 0};
  int spatial = 2;  // how many of the trailing dims are real

  int64_t Out(int i) const { return (in[i] + pb[i] + pe[i] - ((k[i] - 1) * d[i] + 1)) / s[i] + 1; }
  Shape Dims(int64_t a, int64_t b, const int64_t* sp) const {
    Shape out = {a, b};
    for (int i = 3 - spatial; i < 3; ++i) out.push_back(sp[i]);
    return out;
  }
  std::vector<int64_t> Attr(const int64_t* v) const {
    return std::vector<int64_t>(v + 3 - spatial, v + 3);
  }
  std::vector<int64_t> Pads() const {
    std::vector<int64_t> p = Attr(pb), e = Attr(pe);
    p.insert(p.end(), e.begin(), e.end());
    return p;
  }
};

// Straight from the definition: y[n, m, o] = b[m] + sum over c in m's group and taps.
std::vector<float> NaiveConv(const Spec& p, const std::vector<float>& x,
                             const std::vector<float>& w, const std::vector<float>& b) {
  const int64_t o0 = p.Out(0), o1 = p.Out(1), o2 = p.Out(2);
  const int64_t cg = p.c / p.group, mg = p.m / p.group;
  std::vector<float> y;
  for (int64_t n = 0; n < p.n; ++n)
    for (int64_t m = 0; m < p.m; ++m)
      for (int64_t a = 0; a < o0; ++a)
        for (int64_t bb = 0; bb < o1; ++bb)
          for (int64_t cc = 0; cc < o2; ++cc) {
            double acc = b.empty() ? 0.0 : b[m];
            for (int64_t ci = 0; ci < cg; ++ci)
              for (int64_t i = 0; i < p.k[0]; ++i)
                for (int64_t j = 0; j < p.k[1]; ++j)
                  for (int64_t l = 0; l < p.k[2]; ++l) {
                    const int64_t z = a * p.s[0] - p.pb[0] + i * p.d[0];
                    const int64_t h = bb * p.s[1] - p.pb[1] + j * p.d[1];
                    const int64_t v = cc * p.s[2] - p.pb[2] + l * p.d[2];
                    if (z < 0 || z >= p.in[0] || h < 0 || h >= p.in[1] || v < 0 || v >= p.in[2])
                      continue;
                    const int64_t c = m / mg * cg + ci;
                    const float xv = x[(((n * p.c + c) * p.in[0] + z) * p.in[1] + h) * p.in[2] + v];
                    const float wv = w[(((m * cg + ci) * p.k[0] + i) * p.k[1] + j) * p.k[2] + l];
                    acc += static_cast<double>(xv) * wv;
                  }
            y.push_back(static_cast<float>(acc));
          }
  return y;
}

// Runs Conv on random data for `p` and compares with NaiveConv.
void CheckConvAgainstNaive(const Spec& p, bool bias, uint32_t seed) {
  const int64_t in_size = p.n * p.c * p.in[0] * p.in[1] * p.in[2];
  const int64_t w_size = p.m * (p.c / p.group) * p.k[0] * p.k[1] * p.k[2];
  const std::vector<float> x = Random(in_size, seed), w = Random(w_size, seed + 1);
  const std::vector<float> b = bias ? Random(p.m, seed + 2) : std::vector<float>{};
  model::Attributes attrs;
  attrs.SetInts("strides", p.Attr(p.s));
  attrs.SetInts("dilations", p.Attr(p.d));
  attrs.SetInts("pads", p.Pads());
  attrs.SetInt("group", p.group);
  std::vector<OpInput> in;
  in.push_back({MakeF32(p.Dims(p.n, p.c, p.in), x)});
  in.push_back({MakeF32(p.Dims(p.m, p.c / p.group, p.k), w), true});
  if (bias) in.push_back({MakeF32({p.m}, b), true});
  auto out = RunOp("Conv", attrs, std::move(in));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const int64_t o[3] = {p.Out(0), p.Out(1), p.Out(2)};
  EXPECT_EQ((*out)[0].shape(), p.Dims(p.n, p.m, o));
  ExpectNear(ToFloats((*out)[0]), NaiveConv(p, x, w, b));
}

Result<std::vector<HostTensor>> RunOnes5x5(const model::Attributes& attrs, Shape x_shape) {
  std::vector<OpInput> in;
  in.push_back({MakeF32(x_shape, Iota(NumElements(x_shape)))});
  in.push_back({MakeF32({1, 1, 3, 3}, std::vector<float>(9, 1.0f))});
  return RunOp("Conv", attrs, std::move(in));
}

TEST(ConvOp, OnnxDocExampleWithAndWithoutPadding) {
  model::Attributes attrs;
  attrs.SetInts("kernel_shape", {3, 3});
  attrs.SetInts("pads", {1, 1, 1, 1});
  auto padded = RunOnes5x5(attrs, {1, 1, 5, 5});
  ASSERT_TRUE(padded.ok()) << padded.status().ToString();
  EXPECT_EQ(ToFloats((*padded)[0]),
            (std::vector<float>{12,  21, 27, 33,  24,  33,  54,  63, 72,  51,  63,  99, 108,
                                117, 81, 93, 144, 153, 162, 111, 72, 111, 117, 123, 84}));
  attrs.SetInts("pads", {0, 0, 0, 0});
  auto valid = RunOnes5x5(attrs, {1, 1, 5, 5});
  ASSERT_TRUE(valid.ok()) << valid.status().ToString();
  EXPECT_EQ(ToFloats((*valid)[0]), (std::vector<float>{54, 63, 72, 99, 108, 117, 144, 153, 162}));
}

TEST(ConvOp, StridesWithSymmetricAndAsymmetricPads) {
  model::Attributes attrs;
  attrs.SetInts("strides", {2, 2});
  attrs.SetInts("pads", {1, 1, 1, 1});
  auto sym = RunOnes5x5(attrs, {1, 1, 7, 5});
  ASSERT_TRUE(sym.ok()) << sym.status().ToString();
  EXPECT_EQ((*sym)[0].shape(), (Shape{1, 1, 4, 3}));
  EXPECT_EQ(ToFloats((*sym)[0]),
            (std::vector<float>{12, 27, 24, 63, 108, 81, 123, 198, 141, 112, 177, 124}));
  attrs.SetInts("pads", {1, 0, 1, 0});
  auto asym = RunOnes5x5(attrs, {1, 1, 7, 5});
  ASSERT_TRUE(asym.ok()) << asym.status().ToString();
  EXPECT_EQ((*asym)[0].shape(), (Shape{1, 1, 4, 2}));
  EXPECT_EQ(ToFloats((*asym)[0]), (std::vector<float>{21, 33, 99, 117, 189, 207, 171, 183}));
}

TEST(ConvOp, AutoPadSameLowerWithStride) {
  model::Attributes attrs;
  attrs.SetString("auto_pad", "SAME_LOWER");
  attrs.SetInts("strides", {2, 2});
  auto out = RunOnes5x5(attrs, {1, 1, 5, 5});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{12, 27, 24, 63, 108, 81, 72, 117, 84}));
}

// With an odd total padding, SAME_UPPER pads more at the end and SAME_LOWER at the beginning.
TEST(ConvOp, AutoPadSameUpperAndLowerSplitOddPadding) {
  for (const char* mode : {"SAME_UPPER", "SAME_LOWER"}) {
    const std::vector<float> x = Random(16, 3), w = Random(4, 4);
    model::Attributes attrs;
    attrs.SetString("auto_pad", mode);
    std::vector<OpInput> in;
    in.push_back({MakeF32({1, 1, 4, 4}, x)});
    in.push_back({MakeF32({1, 1, 2, 2}, w)});
    auto out = RunOp("Conv", attrs, std::move(in));
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    Spec p;
    p.in[1] = p.in[2] = 4;
    p.k[1] = p.k[2] = 2;
    const bool upper = std::string(mode) == "SAME_UPPER";
    p.pb[1] = p.pb[2] = upper ? 0 : 1;
    p.pe[1] = p.pe[2] = upper ? 1 : 0;
    EXPECT_EQ((*out)[0].shape(), (Shape{1, 1, 4, 4})) << mode;
    ExpectNear(ToFloats((*out)[0]), NaiveConv(p, x, w, {}));
  }
}

TEST(ConvOp, AutoPadValidIgnoresPads) {
  model::Attributes attrs;
  attrs.SetString("auto_pad", "VALID");
  auto out = RunOnes5x5(attrs, {1, 1, 5, 5});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{54, 63, 72, 99, 108, 117, 144, 153, 162}));
}

TEST(ConvOp, GroupsDilationsStridesAsymmetricPadsAndBias) {
  Spec p;
  p.n = 2;
  p.c = 4;
  p.m = 6;
  p.group = 2;
  p.in[1] = 9;
  p.in[2] = 8;
  p.k[1] = 3;
  p.k[2] = 2;
  p.s[1] = 2;
  p.d[1] = 2;
  p.d[2] = 3;
  p.pb[1] = 2;
  p.pe[1] = 1;
  p.pb[2] = 0;
  p.pe[2] = 3;
  CheckConvAgainstNaive(p, /*bias=*/true, 11);
}

TEST(ConvOp, DepthwiseWithChannelMultiplierStrideAndPads) {
  Spec p;
  p.c = 3;
  p.m = 6;
  p.group = 3;
  p.in[1] = 11;
  p.in[2] = 10;
  p.k[1] = p.k[2] = 3;
  p.s[1] = p.s[2] = 2;
  p.pb[1] = p.pb[2] = p.pe[1] = p.pe[2] = 1;
  CheckConvAgainstNaive(p, /*bias=*/true, 21);
  p.s[1] = p.s[2] = 1;
  p.d[2] = 2;
  CheckConvAgainstNaive(p, /*bias=*/false, 22);
  p.k[2] = 2;  // kernel width 2: the tap-by-tap path
  p.d[2] = 1;
  CheckConvAgainstNaive(p, /*bias=*/true, 23);
  p.k[2] = 3;  // input width 2: no output column where all three taps read input
  p.in[2] = 2;
  CheckConvAgainstNaive(p, /*bias=*/true, 24);
}

TEST(ConvOp, OneDimensional) {
  Spec p;
  p.spatial = 1;
  p.c = 3;
  p.m = 5;
  p.in[2] = 17;
  p.k[2] = 4;
  p.s[2] = 3;
  p.pb[2] = 2;
  p.pe[2] = 1;
  CheckConvAgainstNaive(p, true, 31);
}

TEST(ConvOp, ThreeDimensional) {
  Spec p;
  p.spatial = 3;
  p.c = 2;
  p.m = 3;
  p.in[0] = 5;
  p.in[1] = 6;
  p.in[2] = 7;
  p.k[0] = 2;
  p.k[1] = p.k[2] = 3;
  p.s[0] = 2;
  p.pb[0] = p.pb[1] = p.pb[2] = 1;
  p.pe[2] = 1;
  CheckConvAgainstNaive(p, true, 41);
}

// Sizes that are not multiples of the GEMM's register and cache blocks.
TEST(ConvOp, LargerProblemCrossesGemmBlockEdges) {
  Spec p;
  p.c = 35;
  p.m = 70;
  p.in[1] = 23;
  p.in[2] = 17;
  p.k[1] = p.k[2] = 3;
  p.pb[1] = p.pb[2] = p.pe[1] = p.pe[2] = 1;
  CheckConvAgainstNaive(p, true, 51);
}

TEST(ConvOp, PointwiseAndStridedPointwise) {
  Spec p;
  p.n = 2;
  p.c = 9;
  p.m = 13;
  p.in[1] = 6;
  p.in[2] = 5;
  CheckConvAgainstNaive(p, true, 61);
  p.s[1] = p.s[2] = 2;
  CheckConvAgainstNaive(p, false, 62);
}

TEST(ConvOp, KernelShapeMismatchWithWeightsIsAnError) {
  model::Attributes attrs;
  attrs.SetInts("kernel_shape", {2, 2});
  auto out = RunOnes5x5(attrs, {1, 1, 5, 5});
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("kernel_shape"), std::string::npos)
      << out.status().message();
}

TEST(ConvOp, GroupThatDoesNotDivideChannelsIsAnError) {
  model::Attributes attrs;
  attrs.SetInt("group", 2);
  std::vector<OpInput> in;
  in.push_back({MakeF32({1, 3, 4, 4}, Random(48, 1))});
  in.push_back({MakeF32({2, 1, 3, 3}, Random(18, 2))});
  auto out = RunOp("Conv", attrs, std::move(in));
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("group 2"), std::string::npos) << out.status().message();
}

// ConvTranspose by definition: every input element scatters x * w into the output.
std::vector<float> NaiveConvTranspose(const Spec& p, const int64_t* out,
                                      const std::vector<float>& x, const std::vector<float>& w,
                                      const std::vector<float>& b) {
  const int64_t cg = p.c / p.group, mg = p.m / p.group;
  const int64_t plane = out[0] * out[1] * out[2];
  std::vector<double> y(p.n * p.m * plane, 0.0);
  for (int64_t n = 0; n < p.n; ++n)
    for (int64_t c = 0; c < p.c; ++c)
      for (int64_t z = 0; z < p.in[0] * p.in[1] * p.in[2]; ++z) {
        const int64_t i0 = z / (p.in[1] * p.in[2]), i1 = z / p.in[2] % p.in[1], i2 = z % p.in[2];
        const float xv = x[(n * p.c + c) * p.in[0] * p.in[1] * p.in[2] + z];
        for (int64_t mm = 0; mm < mg; ++mm)
          for (int64_t t = 0; t < p.k[0] * p.k[1] * p.k[2]; ++t) {
            const int64_t k0 = t / (p.k[1] * p.k[2]), k1 = t / p.k[2] % p.k[1], k2 = t % p.k[2];
            const int64_t o0 = i0 * p.s[0] - p.pb[0] + k0 * p.d[0];
            const int64_t o1 = i1 * p.s[1] - p.pb[1] + k1 * p.d[1];
            const int64_t o2 = i2 * p.s[2] - p.pb[2] + k2 * p.d[2];
            if (o0 < 0 || o0 >= out[0] || o1 < 0 || o1 >= out[1] || o2 < 0 || o2 >= out[2])
              continue;
            const int64_t m = c / cg * mg + mm;
            y[(n * p.m + m) * plane + (o0 * out[1] + o1) * out[2] + o2] +=
                static_cast<double>(xv) * w[(c * mg + mm) * p.k[0] * p.k[1] * p.k[2] + t];
          }
      }
  std::vector<float> r(y.size());
  for (size_t i = 0; i < y.size(); ++i) {
    r[i] = static_cast<float>(y[i] + (b.empty() ? 0.0f : b[i / plane % p.m]));
  }
  return r;
}

TEST(ConvTransposeOp, OnnxDocExample) {
  std::vector<OpInput> in;
  in.push_back({MakeF32({1, 1, 3, 3}, Iota(9))});
  in.push_back({MakeF32({1, 2, 3, 3}, std::vector<float>(18, 1.0f))});
  auto out = RunOp("ConvTranspose", {}, std::move(in));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const std::vector<float> channel = {0,  1,  3, 3,  2,  3,  8,  15, 12, 7,  9,  21, 36,
                                      27, 15, 9, 20, 33, 24, 13, 6,  13, 21, 15, 8};
  std::vector<float> want = channel;
  want.insert(want.end(), channel.begin(), channel.end());
  EXPECT_EQ((*out)[0].shape(), (Shape{1, 2, 5, 5}));
  EXPECT_EQ(ToFloats((*out)[0]), want);
}

TEST(ConvTransposeOp, StridesPadsOutputPaddingDilationsGroupsAgainstNaive) {
  Spec p;
  p.n = 2;
  p.c = 4;
  p.m = 6;
  p.group = 2;
  p.in[1] = 5;
  p.in[2] = 4;
  p.k[1] = 3;
  p.k[2] = 2;
  p.s[1] = 2;
  p.s[2] = 3;
  p.d[1] = 2;
  p.pb[1] = 1;
  p.pe[1] = 2;
  p.pb[2] = 1;
  p.pe[2] = 0;
  const std::vector<int64_t> out_pad = {1, 2};
  int64_t out[3] = {1, 0, 0};
  for (int i = 1; i < 3; ++i) {
    out[i] =
        p.s[i] * (p.in[i] - 1) + out_pad[i - 1] + (p.k[i] - 1) * p.d[i] + 1 - p.pb[i] - p.pe[i];
  }
  const std::vector<float> x = Random(p.n * p.c * 20, 5), w = Random(p.c * 3 * 6, 6);
  const std::vector<float> b = Random(p.m, 7);
  model::Attributes attrs;
  attrs.SetInts("strides", {p.s[1], p.s[2]});
  attrs.SetInts("dilations", {p.d[1], p.d[2]});
  attrs.SetInts("pads", p.Pads());
  attrs.SetInts("output_padding", out_pad);
  attrs.SetInt("group", p.group);
  std::vector<OpInput> in;
  in.push_back({MakeF32({p.n, p.c, 5, 4}, x)});
  in.push_back({MakeF32({p.c, p.m / p.group, 3, 2}, w)});
  in.push_back({MakeF32({p.m}, b)});
  auto y = RunOp("ConvTranspose", attrs, std::move(in));
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  EXPECT_EQ((*y)[0].shape(), (Shape{p.n, p.m, out[1], out[2]}));
  ExpectNear(ToFloats((*y)[0]), NaiveConvTranspose(p, out, x, w, b));
}

// output_shape larger than the natural size: ONNX derives pads (the end pad is negative, so the
// extra row and column come out at the end).
TEST(ConvTransposeOp, OutputShapeDerivesPads) {
  const std::vector<float> x = Random(9, 8), w = Random(18, 9);
  model::Attributes attrs;
  attrs.SetInts("strides", {3, 2});
  attrs.SetInts("output_shape", {10, 8});
  std::vector<OpInput> in;
  in.push_back({MakeF32({1, 1, 3, 3}, x)});
  in.push_back({MakeF32({1, 2, 3, 3}, w)});
  auto y = RunOp("ConvTranspose", attrs, std::move(in));
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  EXPECT_EQ((*y)[0].shape(), (Shape{1, 2, 10, 8}));
  Spec p;
  p.m = 2;
  p.in[1] = p.in[2] = 3;
  p.k[1] = p.k[2] = 3;
  p.s[1] = 3;
  p.s[2] = 2;
  const int64_t out[3] = {1, 10, 8};
  ExpectNear(ToFloats((*y)[0]), NaiveConvTranspose(p, out, x, w, {}));
}

// SAME_UPPER: output = input * stride; of the odd total padding the larger half goes last.
TEST(ConvTransposeOp, AutoPadSameUpper) {
  const std::vector<float> x = Random(9, 10), w = Random(18, 11);
  model::Attributes attrs;
  attrs.SetInts("strides", {2, 2});
  attrs.SetString("auto_pad", "SAME_UPPER");
  std::vector<OpInput> in;
  in.push_back({MakeF32({1, 1, 3, 3}, x)});
  in.push_back({MakeF32({1, 2, 3, 3}, w)});
  auto y = RunOp("ConvTranspose", attrs, std::move(in));
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  EXPECT_EQ((*y)[0].shape(), (Shape{1, 2, 6, 6}));
  Spec p;
  p.m = 2;
  p.in[1] = p.in[2] = 3;
  p.k[1] = p.k[2] = 3;
  p.s[1] = p.s[2] = 2;
  p.pb[1] = p.pb[2] = 0;  // total padding 1: 0 before, 1 after
  const int64_t out[3] = {1, 6, 6};
  ExpectNear(ToFloats((*y)[0]), NaiveConvTranspose(p, out, x, w, {}));
}

TEST(ConvTransposeOp, OneDimensional) {
  std::vector<OpInput> in;
  in.push_back({MakeF32({1, 1, 3}, Iota(3))});
  in.push_back({MakeF32({1, 2, 3}, std::vector<float>(6, 1.0f))});
  auto y = RunOp("ConvTranspose", {}, std::move(in));
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  EXPECT_EQ(ToFloats((*y)[0]), (std::vector<float>{0, 1, 3, 3, 2, 0, 1, 3, 3, 2}));
}

}  // namespace
}  // namespace mota::exec
