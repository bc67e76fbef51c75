// Differential tests of the real-domain requantization rows (real_requant.h) on every variant this
// CPU runs, against the reference arithmetic (Requantizer::Apply, QuantizeValue, Activation::
// Apply), and end to end: QLinearConv (GEMM and depthwise) and QLinearAdd with fused real-domain
// activations on the auto backend against the reference backend, with each variant forced.
// Tolerance: none. The rows evaluate the reference's f32 operations in its order (no FMA,
// division by y_scale, round half to even), so every code must match bit for bit.
#include "exec/cpu/int8/real_requant.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "exec/activation.h"
#include "exec/reference/op_test_util.h"
#include "exec/reference/quant_util.h"

namespace mota::exec::int8 {
namespace {

using testing::MakeF32;
using testing::MakeI32;
using testing::MakeI8;
using testing::MakeU8;
using testing::OpInput;
using testing::RunOp;

std::vector<Activation> Activations() {
  std::vector<Activation> v;
  for (int k = 0; k <= static_cast<int>(ActivationKind::kTanh); ++k) {
    Activation a;
    a.kind = static_cast<ActivationKind>(k);
    if (a.kind == ActivationKind::kClip) a.alpha = -0.75f, a.beta = 2.5f;
    if (a.kind == ActivationKind::kLeakyRelu) a.alpha = 0.1f;
    if (a.kind == ActivationKind::kHardSigmoid) a.alpha = 0.2f, a.beta = 0.5f;
    v.push_back(a);
  }
  return v;
}

std::vector<const RealRequantIsa*> Variants() {
  const RealRequantIsa* all[3];
  const int n = AvailableRealRequant(all, 3);
  return {all, all + n};
}

RealRow MakeRow(const Activation& act, float y_scale, int32_t zp, DType dtype) {
  RealRow r;
  r.act = act;
  r.y_scale = y_scale;
  r.zero_point = static_cast<float>(zp);
  r.lo = static_cast<float>(QuantMin(dtype));
  r.hi = static_cast<float>(QuantMax(dtype));
  r.u8 = dtype == DType::kU8;
  PrepareDivision(r);  // as every caller in the kernels does
  return r;
}

int32_t Code(const std::vector<uint8_t>& y, size_t j, bool u8) {
  return u8 ? y[j] : static_cast<int8_t>(y[j]);
}

TEST(RealRequant, RowsMatchRequantizerApply) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int32_t> acc_d(-300000, 300000), add_d(-50000, 50000);
  std::uniform_real_distribution<float> scale_d(1e-5f, 4e-4f);
  for (const RealRequantIsa* isa : Variants()) {
    SCOPED_TRACE(isa->name);
    for (const Activation& act : Activations()) {
      SCOPED_TRACE(ActivationName(act.kind));
      for (DType dtype : {DType::kI8, DType::kU8}) {
        for (int64_t n : {1, 7, 8, 15, 16, 17, 48, 67}) {
          for (int cols : {0, 1, 2, 3}) {  // bit 0: per-column adds, bit 1: per-column scales
            const int32_t zp = dtype == DType::kU8 ? 131 : -7;
            Requantizer q;
            q.dtype = dtype, q.zero_point = zp, q.scale = 0.047f, q.act = act;
            q.lo = static_cast<int32_t>(QuantMin(dtype)),
            q.hi = static_cast<int32_t>(QuantMax(dtype));
            q.real_domain = true;
            RealRow r = MakeRow(act, q.scale, zp, dtype);
            std::vector<int32_t> acc(n), col_add(n);
            std::vector<float> col_scale(n);
            for (int64_t j = 0; j < n; ++j) {
              acc[j] = acc_d(rng), col_add[j] = add_d(rng), col_scale[j] = scale_d(rng);
            }
            // Ties: real values k + 0.5 quanta of y (exact in f32) for the identity activation.
            if (n > 2) acc[1] = 3, acc[2] = -5;
            r.add = add_d(rng);
            r.scale = cols & 2 ? 0.0f : scale_d(rng);
            if (n > 2 && !(cols & 2)) r.scale = q.scale * 0.5f;
            if (cols & 1) r.col_add = col_add.data();
            if (cols & 2) r.col_scale = col_scale.data();
            std::vector<uint8_t> y(n + 1, 0xEE), y_f32(n + 1, 0xEE);
            isa->row(r, acc.data(), n, y.data());
            EXPECT_EQ(y[n], 0xEE) << "wrote past n";
            if (!(cols & 1)) {  // f32 accumulators (depthwise conv): no column adds there
              std::vector<float> acc_f(acc.begin(), acc.end());  // exact: |acc| < 2^24
              isa->row_f32(r, acc_f.data(), n, y_f32.data());
              ASSERT_EQ(y_f32, y) << "row_f32";
            }
            for (int64_t j = 0; j < n; ++j) {
              const int64_t total = int64_t{acc[j]} + r.add + (cols & 1 ? col_add[j] : 0);
              const float in_scale = cols & 2 ? col_scale[j] : r.scale;
              ASSERT_EQ(Code(y, j, r.u8), q.Apply(total, in_scale))
                  << "element " << j << " of " << n << ", acc " << total << ", in_scale "
                  << in_scale;
            }
          }
        }
      }
    }
  }
}

TEST(RealRequant, QuantizeMatchesActivationThenQuantizeValue) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> x_d(-9.0f, 9.0f);
  const float inf = std::numeric_limits<float>::infinity();
  const float specials[] = {0.0f,   -0.0f, inf,   -inf,  std::nanf(""), 0.025f, -0.025f,
                            0.075f, 3.0f,  -3.0f, 1e30f, -1e30f,        6.0f,   -6.0f};
  for (const RealRequantIsa* isa : Variants()) {
    SCOPED_TRACE(isa->name);
    for (const Activation& act : Activations()) {
      SCOPED_TRACE(ActivationName(act.kind));
      for (DType dtype : {DType::kI8, DType::kU8}) {
        const int32_t zp = dtype == DType::kU8 ? 0 : 3;
        const float y_scale = 0.05f;
        const RealRow r = MakeRow(act, y_scale, zp, dtype);
        for (int64_t n : {1, 13, 16, 40, 257}) {
          std::vector<float> x(n);
          for (int64_t j = 0; j < n; ++j) x[j] = x_d(rng);
          for (size_t s = 0; s < std::size(specials) && s < x.size(); ++s) x[s] = specials[s];
          std::vector<uint8_t> y(n + 1, 0xEE);
          isa->quantize(r, x.data(), n, y.data());
          EXPECT_EQ(y[n], 0xEE) << "wrote past n";
          for (int64_t j = 0; j < n; ++j) {
            ASSERT_EQ(Code(y, j, r.u8), QuantizeValue(act.Apply(x[j]), y_scale, zp, dtype))
                << "x = " << x[j] << " (element " << j << " of " << n << ")";
          }
        }
      }
    }
  }
}

TEST(RealRequant, BinaryMatchesTheReferenceArithmetic) {
  std::mt19937 rng(13);
  std::uniform_int_distribution<int> code(0, 255);
  for (const RealRequantIsa* isa : Variants()) {
    SCOPED_TRACE(isa->name);
    for (const Activation& act : Activations()) {
      SCOPED_TRACE(ActivationName(act.kind));
      for (DType dtype : {DType::kI8, DType::kU8}) {
        const bool u8 = dtype == DType::kU8;
        const RealRow r = MakeRow(act, 0.031f, u8 ? 128 : -3, dtype);
        for (int mode = 0; mode < 4; ++mode) {  // bit 0: mul, bit 1: scalar b
          RealBinaryOp op;
          op.mul = mode & 1, op.b_scalar = mode & 2;
          op.a_scale = 0.02f, op.b_scale = op.mul ? 0.05f : 0.013f;
          op.a_zero_point = u8 ? 120 : 4, op.b_zero_point = u8 ? 131 : -9;
          for (int64_t n : {1, 9, 16, 37}) {
            std::vector<uint8_t> a(n), b(n), y(n + 1, 0xEE);
            for (int64_t j = 0; j < n; ++j) a[j] = code(rng), b[j] = code(rng);
            isa->binary(r, op, a.data(), b.data(), n, y.data());
            EXPECT_EQ(y[n], 0xEE) << "wrote past n";
            const auto real = [&](uint8_t byte, float scale, int32_t zp) {
              const TensorQuant q{scale, zp};
              return q.Dequantize(u8 ? byte : static_cast<int8_t>(byte));
            };
            for (int64_t j = 0; j < n; ++j) {
              const float ra = real(a[j], op.a_scale, op.a_zero_point);
              const float rb = real(op.b_scalar ? b[0] : b[j], op.b_scale, op.b_zero_point);
              const float v = op.mul ? ra * rb : ra + rb;
              ASSERT_EQ(Code(y, j, u8), QuantizeValue(act.Apply(v), r.y_scale,
                                                      static_cast<int32_t>(r.zero_point), dtype))
                  << "mode " << mode << " element " << j << " of " << n;
            }
          }
        }
      }
    }
  }
}

// The rows round v / y_scale through v * RN(1 / y_scale) except near half-integers: values at,
// and a few ulps around, every tie (k + 0.5) * y_scale and the saturation limits.
TEST(RealRequant, NearTiesMatchTheDivision) {
  Activation none;
  for (const RealRequantIsa* isa : Variants()) {
    SCOPED_TRACE(isa->name);
    for (float y_scale : {0.1f, 0.047f, 3e-3f, 0.7f, 1.0f / 3.0f, 12.5f}) {
      for (DType dtype : {DType::kI8, DType::kU8}) {
        const int32_t zp = dtype == DType::kU8 ? 255 : -128;
        const RealRow r = MakeRow(none, y_scale, zp, dtype);
        std::vector<float> x;
        for (int k = -520; k <= 520; ++k) {
          float v = (static_cast<float>(k) + 0.5f) * y_scale;
          for (int u = 0; u < 4; ++u) v = std::nextafter(v, -1e30f);
          for (int u = 0; u < 9; ++u, v = std::nextafter(v, 1e30f)) x.push_back(v);
        }
        std::vector<uint8_t> y(x.size());
        isa->quantize(r, x.data(), static_cast<int64_t>(x.size()), y.data());
        for (size_t j = 0; j < x.size(); ++j) {
          ASSERT_EQ(Code(y, j, r.u8), QuantizeValue(x[j], y_scale, zp, dtype))
              << "x = " << x[j] << ", y_scale " << y_scale;
        }
      }
    }
  }
}

// tile(): the rows of a GEMM tile in one call, each as row() computes it with that row's add and
// scale; rows past `rows` and columns past n are not written.
TEST(RealRequant, TileMatchesRowPerRow) {
  std::mt19937 rng(5);
  std::uniform_int_distribution<int32_t> acc_d(-300000, 300000), add_d(-50000, 50000);
  std::uniform_real_distribution<float> scale_d(1e-5f, 4e-4f);
  const int kRows = 8, kStride = 48;
  for (const RealRequantIsa* isa : Variants()) {
    SCOPED_TRACE(isa->name);
    for (const Activation& act : Activations()) {
      SCOPED_TRACE(ActivationName(act.kind));
      for (int64_t n : {1, 13, 16, 48}) {
        const RealRow r = MakeRow(act, 0.047f, -7, DType::kI8);
        std::vector<int32_t> acc(kRows * kStride), row_add(kRows);
        std::vector<float> row_scale(kRows);
        for (int32_t& v : acc) v = acc_d(rng);
        for (int i = 0; i < kRows; ++i) row_add[i] = add_d(rng), row_scale[i] = scale_d(rng);
        const int64_t y_stride = 50;
        std::vector<uint8_t> y(kRows * y_stride, 0xEE);
        isa->tile(r, row_add.data(), row_scale.data(), kRows - 1, acc.data(), kStride, n, y.data(),
                  y_stride);
        for (int i = 0; i < kRows; ++i) {
          RealRow ri = r;
          ri.add = row_add[i], ri.scale = row_scale[i];
          std::vector<uint8_t> want(n);
          isa->row(ri, acc.data() + i * kStride, n, want.data());
          for (int64_t j = 0; j < y_stride; ++j) {
            const bool written = i < kRows - 1 && j < n;
            ASSERT_EQ(y[i * y_stride + j], written ? want[j] : 0xEE)
                << "row " << i << " column " << j << " of " << n;
          }
        }
      }
    }
  }
}

// Prepared rows (PrepareDivision: reciprocal except near ties) against Requantizer::Apply on every
// accumulator of a dense range whose real values sweep the bends of each activation (HardSwish's
// |x| < 3 included) over thousands of rounding ties, for y scales down to where the margin forces
// the division everywhere; and unprepared rows, which always divide.
TEST(RealRequant, PreparedRowsMatchTheReferenceOnDenseSweeps) {
  const int64_t n = 1 << 15;
  std::vector<int32_t> acc(n);
  for (int64_t j = 0; j < n; ++j) acc[j] = static_cast<int32_t>(j - n / 2);
  for (const RealRequantIsa* isa : Variants()) {
    SCOPED_TRACE(isa->name);
    for (const Activation& act : Activations()) {
      SCOPED_TRACE(ActivationName(act.kind));
      for (float y_scale : {0.05f, 0.0123f, 0.031f, 1e-3f, 2e-6f}) {
        for (DType dtype : {DType::kI8, DType::kU8}) {
          const int32_t zp = dtype == DType::kU8 ? 100 : -20;
          Requantizer q;
          q.dtype = dtype, q.zero_point = zp, q.scale = y_scale, q.act = act;
          q.lo = static_cast<int32_t>(QuantMin(dtype)),
          q.hi = static_cast<int32_t>(QuantMax(dtype));
          q.real_domain = true;
          for (bool prepared : {true, false}) {
            RealRow r = MakeRow(act, y_scale, zp, dtype);
            r.scale = 9.0f / static_cast<float>(n);  // real values in [-4.5, 4.5)
            r.add = 17;
            if (!prepared) r.inv_y_scale = 0.0f, r.near = -1.0f;
            std::vector<uint8_t> y(n);
            isa->row(r, acc.data(), n, y.data());
            for (int64_t j = 0; j < n; ++j) {
              ASSERT_EQ(Code(y, j, r.u8), q.Apply(int64_t{acc[j]} + r.add, r.scale))
                  << "acc " << acc[j] << ", y_scale " << y_scale << ", prepared " << prepared;
            }
          }
        }
      }
    }
  }
}

// ---- end to end on the auto backend, each variant forced ----

HostTensor Random8(DType dtype, Shape shape, std::mt19937& rng) {
  std::uniform_int_distribution<int> d(dtype == DType::kI8 ? -128 : 0,
                                       dtype == DType::kI8 ? 127 : 255);
  std::vector<int> v(static_cast<size_t>(NumElements(shape)));
  for (int& x : v) x = d(rng);
  if (dtype == DType::kI8) return MakeI8(std::move(shape), {v.begin(), v.end()});
  return MakeU8(std::move(shape), {v.begin(), v.end()});
}

HostTensor Scalar8(DType dtype, int v) {
  return dtype == DType::kI8 ? MakeI8({}, {static_cast<int8_t>(v)})
                             : MakeU8({}, {static_cast<uint8_t>(v)});
}

void SetActivation(const Activation& act, model::Attributes* attrs) {
  attrs->SetString(kActivationAttr, ActivationName(act.kind));
  attrs->SetFloat(kActivationAlphaAttr, act.alpha);
  attrs->SetFloat(kActivationBetaAttr, act.beta);
}

// Runs op on the reference backend and on the auto backend with every variant; input 0 is the
// only non-constant one.
void CheckAuto(const std::string& op, const model::Attributes& attrs,
               const std::vector<HostTensor>& inputs) {
  const auto make_inputs = [&] {
    std::vector<OpInput> in;
    for (size_t i = 0; i < inputs.size(); ++i) {
      HostTensor c = HostTensor::Allocate(inputs[i].dtype(), inputs[i].shape());
      std::memcpy(c.data(), inputs[i].data(), inputs[i].nbytes());
      in.push_back({std::move(c), i != 0});
    }
    return in;
  };
  auto ref = RunOp(op, attrs, make_inputs());
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  for (const RealRequantIsa* isa : Variants()) {
    SCOPED_TRACE(isa->name);
    OverrideRealRequantForTest(isa);
    auto fast = RunOp(op, attrs, make_inputs(), 1, "auto");
    OverrideRealRequantForTest(nullptr);
    ASSERT_TRUE(fast.ok()) << fast.status().ToString();
    const HostTensor& want = (*ref)[0];
    ASSERT_EQ((*fast)[0].shape(), want.shape());
    for (int64_t i = 0; i < want.numel(); ++i)
      ASSERT_EQ((*fast)[0].data()[i], want.data()[i]) << "output byte " << i;
  }
}

std::vector<HostTensor> ConvInputs(DType dtype, int64_t c, int64_t m, int64_t group,
                                   std::mt19937& rng) {
  std::vector<HostTensor> in;
  in.push_back(Random8(dtype, {1, c, 11, 13}, rng));
  in.push_back(MakeF32({}, {0.05f}));
  in.push_back(Scalar8(dtype, dtype == DType::kI8 ? -3 : 120));
  in.push_back(Random8(DType::kI8, {m, c / group, 3, 3}, rng));
  std::vector<float> ws(static_cast<size_t>(m));
  std::uniform_real_distribution<float> sd(0.002f, 0.02f);
  for (float& s : ws) s = sd(rng);
  in.push_back(MakeF32({m}, ws));
  in.push_back(MakeI8({m}, std::vector<int8_t>(static_cast<size_t>(m), 0)));
  in.push_back(MakeF32({}, {group == 1 ? 0.4f : 0.08f}));
  in.push_back(Scalar8(dtype, dtype == DType::kI8 ? 5 : 128));
  std::vector<int32_t> b(static_cast<size_t>(m));
  std::uniform_int_distribution<int32_t> bd(-20000, 20000);
  for (int32_t& v : b) v = bd(rng);
  in.push_back(MakeI32({m}, b));
  return in;
}

TEST(RealRequant, AutoBackendQLinearOpsWithRealDomainActivations) {
  std::mt19937 rng(3);
  for (const Activation& act : Activations()) {
    if (act.kind == ActivationKind::kNone) continue;
    SCOPED_TRACE(ActivationName(act.kind));
    for (DType dtype : {DType::kI8, DType::kU8}) {
      for (int64_t group : {1, 16}) {  // the GEMM kernel, the depthwise kernel
        SCOPED_TRACE("group " + std::to_string(group));
        model::Attributes a;
        a.SetInts("pads", {1, 1, 1, 1});
        a.SetInt("group", group);
        SetActivation(act, &a);
        CheckAuto("QLinearConv", a, ConvInputs(dtype, 16, 16, group, rng));
      }
      model::Attributes a;
      SetActivation(act, &a);
      std::vector<HostTensor> in;
      in.push_back(Random8(dtype, {2, 3, 5, 7}, rng));
      in.push_back(MakeF32({}, {0.03f}));
      in.push_back(Scalar8(dtype, dtype == DType::kI8 ? 1 : 130));
      in.push_back(Random8(dtype, {2, 3, 5, 7}, rng));
      in.push_back(MakeF32({}, {0.02f}));
      in.push_back(Scalar8(dtype, dtype == DType::kI8 ? -2 : 125));
      in.push_back(MakeF32({}, {0.04f}));
      in.push_back(Scalar8(dtype, dtype == DType::kI8 ? 0 : 128));
      CheckAuto("QLinearAdd", a, in);
      CheckAuto("QLinearMul", a, in);
    }
  }
}

}  // namespace
}  // namespace mota::exec::int8
