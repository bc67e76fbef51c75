// Differential tests of the int8 fast kernels against the reference kernels (the oracle), on
// every ISA table this CPU runs (int8_table.h: AVX-512, AVX2, portable) and through the auto
// backend. Tolerance: none. The fast kernels evaluate the reference's f32 operations in the same
// order (no fused multiply-add where the reference rounds, IEEE division, ties-to-even rounding),
// and the depthwise sums are exact integers below 2^24, so every output must be bit-identical;
// ExpectAllClose compares i8 / u8 / f32 outputs with atol = rtol = 0.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "base/thread_pool.h"
#include "exec/cpu/fast/fast_test_util.h"
#include "exec/cpu/int8_ew/int8_table.h"
#include "exec/reference/op_test_util.h"

namespace mota::exec::int8_ew {
namespace {

using fast::testing::ExpectAllClose;
using fast::testing::Outputs;
using fast::testing::RunBoth;

uint32_t Next(uint64_t& s) {
  s = s * 6364136223846793005ull + 1442695040888963407ull;
  return static_cast<uint32_t>(s >> 33);
}

// Random codes of dtype (i8 or u8), deterministic per seed.
HostTensor Codes(DType dtype, Shape shape, uint32_t seed) {
  HostTensor t = HostTensor::Allocate(dtype, shape);
  uint64_t s = seed * 0x9E3779B97F4A7C15ull + 7;
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = static_cast<uint8_t>(Next(s));
  return t;
}
HostTensor Scalar(DType dtype, double v) {
  HostTensor t = HostTensor::Allocate(dtype, {});
  if (dtype == DType::kF32) *t.as<float>() = static_cast<float>(v);
  if (dtype == DType::kI8) *t.as<int8_t>() = static_cast<int8_t>(v);
  if (dtype == DType::kU8) *t.as<uint8_t>() = static_cast<uint8_t>(v);
  return t;
}
HostTensor F32(Shape shape, std::vector<float> v) { return testing::MakeF32(shape, v); }

// Runs `body` once per ISA table (forced through OverrideTableForTest), naming it in failures.
template <typename Body>
void ForEachTable(Body body) {
  const Table* tables[3];
  const int n = AvailableTables(tables, 3);
  for (int i = 0; i < n; ++i) {
    OverrideTableForTest(tables[i]);
    SCOPED_TRACE(tables[i]->isa);
    body(*tables[i]);
  }
  OverrideTableForTest(nullptr);
}

void ExpectSame(const std::string& op, const model::Attributes& attrs,
                const std::vector<HostTensor>& inputs, const std::string& what) {
  ThreadPool pool(3);
  for (ThreadPool* p : {static_cast<ThreadPool*>(nullptr), &pool}) {
    Outputs o = RunBoth(op, attrs, inputs, 1, p);
    ExpectAllClose(o, 0.0, 0.0, what + (p ? " (3 threads)" : ""));
  }
}

// ---- table routines against the portable one ----

TEST(Int8Table, RoutinesMatchPortableOnOddLengths) {
  const Table& ref = PortableTable();
  ForEachTable([&](const Table& t) {
    for (int64_t n : {0, 1, 7, 8, 15, 16, 17, 33, 63, 64, 65, 130, 1001}) {
      for (bool u8 : {false, true}) {
        const std::string what =
            std::string(t.isa) + " n=" + std::to_string(n) + (u8 ? " u8" : " i8");
        HostTensor a = Codes(DType::kU8, {n + 1}, 1 + n), b = Codes(DType::kU8, {n + 1}, 2 + n);
        std::vector<float> x(n), want(n), got(n);
        uint64_t s = n;
        for (int64_t i = 0; i < n; ++i)  // ties (k + 0.5) * scale, large values, plain values
          x[i] = (i % 5 == 0)
                     ? (static_cast<float>(Next(s) % 600) - 300.0f + 0.5f) * 0.25f
                     : static_cast<float>(static_cast<int32_t>(Next(s) % 20000) - 10000) * 0.013f;
        if (n > 3)
          x[1] = std::numeric_limits<float>::quiet_NaN(), x[2] = INFINITY, x[3] = -INFINITY;
        const QOut out{u8 ? 3.0f : -5.0f, u8 ? 0.0f : -128.0f, u8 ? 255.0f : 127.0f, u8};
        std::vector<uint8_t> qw(n), qg(n);
        ref.quantize(x.data(), n, 0.25f, out, qw.data());
        t.quantize(x.data(), n, 0.25f, out, qg.data());
        EXPECT_EQ(qw, qg) << what << " quantize";
        ref.dequantize(a.data(), u8, n, 9, 0.037f, want.data());
        t.dequantize(a.data(), u8, n, 9, 0.037f, got.data());
        EXPECT_EQ(want, got) << what << " dequantize";
        const QParams qa{0.0173f, 11}, qb{0.0291f, -7};
        for (bool mul : {false, true})
          for (bool scalar : {false, true}) {
            ref.real_binary(mul, a.data(), b.data(), scalar, u8, n, qa, qb, want.data());
            t.real_binary(mul, a.data(), b.data(), scalar, u8, n, qa, qb, got.data());
            EXPECT_EQ(want, got) << what << " real_binary mul=" << mul << " scalar=" << scalar;
          }
        EXPECT_EQ(ref.sum_codes(a.data(), u8, n), t.sum_codes(a.data(), u8, n)) << what;
        std::vector<float> acc(n);
        for (int64_t i = 0; i < n; ++i)
          acc[i] = static_cast<float>(static_cast<int32_t>(Next(s) % 200001) - 100000);
        ref.requant_row(acc.data(), n, -1234, 0.00093f, out, qw.data());
        t.requant_row(acc.data(), n, -1234, 0.00093f, out, qg.data());
        EXPECT_EQ(qw, qg) << what << " requant_row";
      }
    }
  });
}

int32_t Int16Pair(int32_t lo, int32_t hi) {
  return static_cast<int32_t>((static_cast<uint32_t>(hi) << 16) |
                              static_cast<uint16_t>(static_cast<int16_t>(lo)));
}

// Tap pairs of values in [-255, 255] (the extremes included): the i32 sums are exact.
TEST(Int8Table, DwRowIsExactIntegerSum) {
  ForEachTable([](const Table& t) {
    const int pairs = 13;
    const int64_t n = 70, padded = 80;
    std::vector<std::vector<int32_t>> rows(pairs, std::vector<int32_t>(padded));
    std::vector<std::vector<int32_t>> lo(pairs, std::vector<int32_t>(padded)), hi = lo;
    std::vector<const int32_t*> ptrs;
    std::vector<int32_t> w(pairs), w_lo(pairs), w_hi(pairs);
    uint64_t s = 5;
    auto value = [&] { return static_cast<int32_t>(Next(s) % 511) - 255; };
    for (int p = 0; p < pairs; ++p) {
      w_lo[p] = p == 0 ? -255 : value();
      w_hi[p] = p == 0 ? -255 : value();
      w[p] = Int16Pair(w_lo[p], w_hi[p]);
      for (int64_t i = 0; i < padded; ++i) {
        lo[p][i] = i == 0 ? -255 : value();
        hi[p][i] = i == 0 ? -255 : value();
        rows[p][i] = Int16Pair(lo[p][i], hi[p][i]);
      }
      ptrs.push_back(rows[p].data());
    }
    std::vector<float> acc(padded);
    t.dw_row(ptrs.data(), w.data(), pairs, n, acc.data());
    for (int64_t i = 0; i < n; ++i) {
      int64_t want = 0;
      for (int p = 0; p < pairs; ++p)
        want += int64_t{lo[p][i]} * w_lo[p] + int64_t{hi[p][i]} * w_hi[p];
      ASSERT_EQ(static_cast<int64_t>(acc[i]), want) << t.isa << " at " << i;
    }
  });
}

// pair_up on every table, odd lengths (vector body and scalar tail), extremes included.
TEST(Int8Table, PairUpPacksInt16Pairs) {
  std::vector<int16_t> v(100);
  uint64_t s = 11;
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = static_cast<int16_t>(i < 2 ? (i == 0 ? -255 : 255) : Next(s) % 511 - 255);
  ForEachTable([&](const Table& t) {
    for (int64_t n : {1, 7, 16, 37, 63}) {
      std::vector<int32_t> got(n);
      t.pair_up(v.data(), 30, n, got.data());
      for (int64_t f = 0; f < n; ++f)
        ASSERT_EQ(got[f], Int16Pair(v[f], v[f + 30])) << t.isa << " n " << n << " at " << f;
    }
  });
}

// ---- QLinearConv ----

struct DwCase {
  int64_t n, c, h, w, k, stride;
  std::vector<int64_t> pads;
  DType dtype;
  const char* act;
  bool bias;
  bool w_zp;  // per-channel nonzero weight zero points
};

std::vector<HostTensor> DwInputs(const DwCase& d, uint32_t seed) {
  std::vector<HostTensor> in;
  const bool u8 = d.dtype == DType::kU8;
  in.push_back(Codes(d.dtype, {d.n, d.c, d.h, d.w}, seed));
  in.push_back(Scalar(DType::kF32, 0.021));
  in.push_back(Scalar(d.dtype, u8 ? 131 : -3));
  in.push_back(Codes(d.dtype, {d.c, 1, d.k, d.k}, seed + 1));
  HostTensor ws = HostTensor::Allocate(DType::kF32, {d.c});
  HostTensor wz = HostTensor::Allocate(d.dtype, {d.c});
  for (int64_t i = 0; i < d.c; ++i) {
    ws.as<float>()[i] = 0.0031f * static_cast<float>(1 + i % 7);
    wz.data()[i] = d.w_zp ? static_cast<uint8_t>(i * 37 + 5) : (u8 ? 128 : 0);
  }
  in.push_back(std::move(ws));
  in.push_back(std::move(wz));
  in.push_back(Scalar(DType::kF32, 0.05 * d.k));
  in.push_back(Scalar(d.dtype, u8 ? 120 : 7));
  if (d.bias) {
    HostTensor b = HostTensor::Allocate(DType::kI32, {d.c});
    for (int64_t i = 0; i < d.c; ++i)
      b.as<int32_t>()[i] = static_cast<int32_t>(i * 997 % 4001) - 2000;
    in.push_back(std::move(b));
  }
  return in;
}

model::Attributes DwAttrs(const DwCase& d) {
  model::Attributes a;
  a.SetInt("group", d.c);
  a.SetInts("strides", {d.stride, d.stride});
  a.SetInts("pads", d.pads);
  if (d.act != nullptr) {
    a.SetString("activation", d.act);
    a.SetFloat("activation_alpha", std::string(d.act) == "Clip" ? 0.0f : 0.1f);
    a.SetFloat("activation_beta", 3.0f);
  }
  return a;
}

std::vector<DwCase> DwCases() {
  std::vector<DwCase> cases;
  uint32_t i = 0;
  for (int64_t k : {1, 3, 5, 7})
    for (int64_t stride : {1, 2})
      for (int64_t w : {1, 5, 17, 33}) {
        const int64_t p = k / 2;
        const DType dt = i % 3 == 0 ? DType::kU8 : DType::kI8;
        const char* acts[] = {nullptr, "Relu", "Clip", "HardSwish", "LeakyRelu"};
        cases.push_back({1 + i % 2,
                         3 + i % 5,
                         2 + (i * 7) % 13,
                         w,
                         k,
                         stride,
                         {p, i % 2 == 0 ? p : 0, p, p + (i % 2)},
                         dt,
                         acts[i % 5],
                         i % 4 != 1,
                         i % 3 == 2});
        ++i;
      }
  cases.push_back({1, 32, 112, 112, 3, 1, {1, 1, 1, 1}, DType::kI8, "Clip", true, false});
  cases.push_back({1, 16, 57, 57, 3, 2, {0, 0, 1, 1}, DType::kI8, "Clip", true, false});
  return cases;
}

std::string DwName(const DwCase& d) {
  return "dw n" + std::to_string(d.n) + " c" + std::to_string(d.c) + " " + std::to_string(d.h) +
         "x" + std::to_string(d.w) + " k" + std::to_string(d.k) + " s" + std::to_string(d.stride) +
         " act " + (d.act ? d.act : "none");
}

TEST(Int8FastKernels, DepthwiseQLinearConvMatchesReference) {
  const std::vector<DwCase> cases = DwCases();
  ForEachTable([&](const Table&) {
    for (const DwCase& d : cases) {
      ExpectSame("QLinearConv", DwAttrs(d), DwInputs(d, 17 + static_cast<uint32_t>(d.w)),
                 DwName(d));
    }
  });
}

TEST(Int8FastKernels, OtherQLinearConvsRunTheReference) {
  // group 1 and group 2 (not depthwise), and a depthwise conv with dilation 2.
  DwCase d{1, 4, 9, 11, 3, 1, {1, 1, 1, 1}, DType::kI8, "Relu", true, false};
  std::vector<HostTensor> in = DwInputs(d, 3);
  in[3] = Codes(DType::kI8, {4, 4, 3, 3}, 4);
  model::Attributes a = DwAttrs(d);
  a.SetInt("group", 1);
  ExpectSame("QLinearConv", a, in, "group 1");
  in[3] = Codes(DType::kI8, {4, 2, 3, 3}, 5);
  a.SetInt("group", 2);
  ExpectSame("QLinearConv", a, in, "group 2");
  in = DwInputs(d, 6);
  a = DwAttrs(d);
  a.SetInts("dilations", {2, 2});
  ExpectSame("QLinearConv", a, in, "dilation 2");
}

// ---- QLinearAdd / QLinearMul ----

std::vector<HostTensor> BinaryInputs(DType dt, const Shape& a, const Shape& b, uint32_t seed) {
  const bool u8 = dt == DType::kU8;
  std::vector<HostTensor> in;
  in.push_back(Codes(dt, a, seed));
  in.push_back(Scalar(DType::kF32, 0.037));
  in.push_back(Scalar(dt, u8 ? 140 : 12));
  in.push_back(Codes(dt, b, seed + 1));
  in.push_back(Scalar(DType::kF32, 0.011));
  in.push_back(Scalar(dt, u8 ? 100 : -20));
  in.push_back(Scalar(DType::kF32, 0.043));
  in.push_back(Scalar(dt, u8 ? 128 : -3));
  return in;
}

TEST(Int8FastKernels, QLinearAddMulMatchReference) {
  const std::vector<std::pair<Shape, Shape>> shapes = {
      {{1, 24, 56, 56}, {1, 24, 56, 56}},  // residual add
      {{2, 3, 5, 7}, {2, 3, 5, 7}},
      {{1, 37}, {1, 37}},
      {{1, 96, 14, 14}, {1, 96, 1, 1}},  // SE scale
      {{1, 5, 1, 1}, {1, 5, 9, 13}},     // swapped
      {{2, 3, 4, 5}, {3, 1, 1}},
      {{2, 3, 4, 5}, {1}},
      {{2, 3, 4, 5}, {}},
      {{2, 3, 4, 5}, {1, 1, 4, 5}},  // reference broadcast
      {{3, 1, 5}, {1, 4, 1}},
  };
  const char* acts[] = {nullptr, "Relu", "Clip", "HardSigmoid"};
  ForEachTable([&](const Table&) {
    int i = 0;
    for (const auto& [sa, sb] : shapes)
      for (const char* op : {"QLinearAdd", "QLinearMul"}) {
        const DType dt = i % 2 ? DType::kU8 : DType::kI8;
        model::Attributes a;
        if (const char* act = acts[i % 4]) {
          a.SetString("activation", act);
          a.SetFloat("activation_alpha", std::string(act) == "Clip" ? -0.5f : 0.2f);
          a.SetFloat("activation_beta", std::string(act) == "Clip" ? 1.5f : 0.5f);
        }
        ExpectSame(op, a, BinaryInputs(dt, sa, sb, 40 + i),
                   std::string(op) + " " + ShapeToString(sa) + " " + ShapeToString(sb));
        ++i;
      }
  });
}

// ---- pools, Q / DQ, concat ----

TEST(Int8FastKernels, QLinearGlobalAveragePoolMatchesReference) {
  ForEachTable([](const Table&) {
    for (const Shape& s :
         std::vector<Shape>{{2, 17, 7, 7}, {1, 5, 1, 1}, {1, 3, 33, 35}, {1, 4, 9}})
      for (DType dt : {DType::kI8, DType::kU8}) {
        std::vector<HostTensor> in;
        in.push_back(Codes(dt, s, 9));
        in.push_back(Scalar(DType::kF32, 0.047));
        in.push_back(Scalar(dt, dt == DType::kU8 ? 77 : -9));
        in.push_back(Scalar(DType::kF32, 0.013));
        in.push_back(Scalar(dt, dt == DType::kU8 ? 130 : 4));
        ExpectSame("QLinearGlobalAveragePool", {}, in, "gap " + ShapeToString(s));
      }
  });
}

TEST(Int8FastKernels, QuantizeDequantizeMatchReference) {
  std::vector<float> x;
  uint64_t s = 11;
  for (int i = 0; i < 5000; ++i)  // ties at k + 0.5 quanta, saturating values, ordinary values
    x.push_back(i % 4 == 0
                    ? (static_cast<float>(Next(s) % 700) - 350.0f + 0.5f) * 0.02f
                    : static_cast<float>(static_cast<int32_t>(Next(s) % 4001) - 2000) * 0.0037f);
  x[1] = std::numeric_limits<float>::quiet_NaN();
  x[2] = INFINITY;
  ForEachTable([&](const Table&) {
    for (const Shape& shape : std::vector<Shape>{{5000}, {2, 10, 250}, {1, 3, 1}}) {
      const int64_t n = NumElements(shape);
      std::vector<float> v(x.begin(), x.begin() + n);
      for (DType dt : {DType::kI8, DType::kU8}) {
        ExpectSame("QuantizeLinear", {},
                   fast::testing::Inputs(F32(shape, v), Scalar(DType::kF32, 0.02),
                                         Scalar(dt, dt == DType::kU8 ? 129 : -6)),
                   "quantize " + ShapeToString(shape));
        ExpectSame("DequantizeLinear", {},
                   fast::testing::Inputs(Codes(dt, shape, 3), Scalar(DType::kF32, 0.0173),
                                         Scalar(dt, dt == DType::kU8 ? 129 : -6)),
                   "dequantize " + ShapeToString(shape));
      }
      ExpectSame("QuantizeLinear", {},
                 fast::testing::Inputs(F32(shape, v), Scalar(DType::kF32, 0.02)),
                 "quantize without zero point " + ShapeToString(shape));
    }
    // Per axis: the reference path.
    HostTensor scale = F32({3}, {0.01f, 0.02f, 0.05f});
    HostTensor zp = HostTensor::Allocate(DType::kI8, {3});
    std::vector<float> v(x.begin(), x.begin() + 30);
    ExpectSame(
        "QuantizeLinear", {},
        fast::testing::Inputs(F32({2, 3, 5}, v), F32({3}, {0.01f, 0.02f, 0.05f}), std::move(zp)),
        "quantize per axis");
    ExpectSame("DequantizeLinear", {},
               fast::testing::Inputs(Codes(DType::kI8, {2, 3, 5}, 8), std::move(scale)),
               "dequantize per axis");
  });
}

TEST(Int8FastKernels, QLinearConcatMatchesReference) {
  ForEachTable([](const Table&) {
    for (int64_t axis : {1, 3, -1, 0})
      for (DType dt : {DType::kI8, DType::kU8}) {
        const bool u8 = dt == DType::kU8;
        std::vector<HostTensor> in;
        in.push_back(Scalar(DType::kF32, 0.05));
        in.push_back(Scalar(dt, u8 ? 128 : 0));
        const float scales[] = {0.05f, 0.03f, 0.11f};
        const int zps[] = {u8 ? 128 : 0, u8 ? 100 : -50, u8 ? 128 : 0};
        for (int i = 0; i < 3; ++i) {
          Shape s{2, 3, 4, 5};
          s[axis < 0 ? 3 : axis] = 2 + i;
          in.push_back(Codes(dt, s, 60 + i));
          in.push_back(Scalar(DType::kF32, scales[i]));
          in.push_back(Scalar(dt, zps[i]));
        }
        model::Attributes a;
        a.SetInt("axis", axis);
        ExpectSame("QLinearConcat", a, in, "concat axis " + std::to_string(axis));
      }
  });
}

// ---- through the auto backend (the fast kernels as it runs them) ----

std::vector<testing::OpInput> AsOpInputs(std::vector<HostTensor> in, size_t constants_from) {
  std::vector<testing::OpInput> v;
  for (size_t i = 0; i < in.size(); ++i)
    v.push_back({std::move(in[i]), i != 0 && i >= constants_from});
  return v;
}

void ExpectAutoMatchesReference(const std::string& op, const model::Attributes& attrs,
                                const std::vector<HostTensor>& in, const std::string& what) {
  auto copy = [&] {
    std::vector<HostTensor> c;
    for (const HostTensor& t : in) {
      HostTensor u = t.dtype() == DType::kUndefined ? HostTensor()
                                                    : HostTensor::Allocate(t.dtype(), t.shape());
      if (t.nbytes() > 0) std::memcpy(u.data(), t.data(), t.nbytes());
      c.push_back(std::move(u));
    }
    return c;
  };
  Result<std::vector<HostTensor>> want =
      testing::RunOp(op, attrs, AsOpInputs(copy(), 1), 1, "reference");
  Result<std::vector<HostTensor>> got = testing::RunOp(op, attrs, AsOpInputs(copy(), 1), 1, "auto");
  ASSERT_TRUE(want.ok()) << want.status().message();
  ASSERT_TRUE(got.ok()) << what << ": " << got.status().message();
  fast::testing::ExpectClose((*got)[0], (*want)[0], 0.0, 0.0, what);
}

// The auto backend runs depthwise QLinearConv on the prepared kernel ("int8_dwconv"): weights
// paired and parameters read at prepare time, one scratch reused across runs.
TEST(Int8FastKernels, PreparedDepthwiseConvMatchesReference) {
  const std::vector<DwCase> cases = DwCases();
  ForEachTable([&](const Table&) {
    for (const DwCase& d : cases) {
      ExpectAutoMatchesReference("QLinearConv", DwAttrs(d),
                                 DwInputs(d, 23 + static_cast<uint32_t>(d.w)), DwName(d));
    }
  });
}

TEST(Int8FastKernels, AutoBackendMatchesReference) {
  DwCase d{1, 24, 19, 23, 3, 2, {1, 1, 1, 1}, DType::kI8, "Clip", true, false};
  ExpectAutoMatchesReference("QLinearConv", DwAttrs(d), DwInputs(d, 2), "depthwise conv");
  model::Attributes none;
  ExpectAutoMatchesReference("QLinearMul", none,
                             BinaryInputs(DType::kI8, {1, 16, 7, 9}, {1, 16, 1, 1}, 3), "SE mul");
  std::vector<HostTensor> gap;
  gap.push_back(Codes(DType::kI8, {1, 32, 7, 7}, 4));
  gap.push_back(Scalar(DType::kF32, 0.02));
  gap.push_back(Scalar(DType::kI8, 3));
  gap.push_back(Scalar(DType::kF32, 0.01));
  gap.push_back(Scalar(DType::kI8, -1));
  ExpectAutoMatchesReference("QLinearGlobalAveragePool", none, gap, "global average pool");
}

}  // namespace
}  // namespace mota::exec::int8_ew
