// Every ISA table this CPU runs (avx512, avx2, portable), not only the best one the ops use:
// GEMM against the reference GemmF32, the exp / erf / tanh approximations against libm in double
// over dense grids, and the row routines against plain loops.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "exec/cpu/fast/fast_test_util.h"
#include "exec/cpu/fast/gemm.h"

namespace mota::exec::fast {
namespace {

using testing::RandomFloats;

std::vector<const Table*> Tables() {
  const Table* t[3];
  const int n = AvailableTables(t, 3);
  return std::vector<const Table*>(t, t + n);
}

TEST(FastTableTest, PortableIsAlwaysAvailable) {
  const std::vector<const Table*> tables = Tables();
  ASSERT_FALSE(tables.empty());
  EXPECT_STREQ(tables.back()->isa, "portable");
  EXPECT_EQ(&FastTable(), tables.front());
}

TEST(FastTableTest, GemmMatchesReference) {
  struct Case {
    int64_t m, n, k;
    bool ta, tb;
    float alpha, beta;
  };
  const std::vector<Case> cases = {
      {128, 256, 256, false, false, 1, 0}, {1, 1, 1, false, false, 1, 0},
      {13, 37, 300, false, false, 1, 0},   {9, 70, 600, true, false, 2, 0},
      {33, 65, 17, false, true, 1, 1},     {8, 32, 5, true, true, -1, 0.5f},
      {200, 600, 40, false, false, 1, 0},  {5, 3, 0, false, false, 1, 2},
      {6, 7, 8, false, false, 0, 1},
  };
  for (const Table* t : Tables()) {
    for (const Case& c : cases) {
      // Leading dimensions larger than the matrices, as for slices of bigger tensors.
      const int64_t lda = (c.ta ? c.m : c.k) + 3, ldb = (c.tb ? c.k : c.n) + 5, ldc = c.n + 2;
      const std::vector<float> a = RandomFloats((c.ta ? c.k : c.m) * lda, 1);
      const std::vector<float> b = RandomFloats((c.tb ? c.n : c.k) * ldb, 2);
      std::vector<float> want = RandomFloats(c.m * ldc, 3), got = want;
      if (c.beta == 0.0f) got.assign(got.size(), NAN);  // must not leak
      GemmArgs g{.m = c.m,
                 .n = c.n,
                 .k = c.k,
                 .alpha = c.alpha,
                 .a = a.data(),
                 .lda = lda,
                 .trans_a = c.ta,
                 .b = b.data(),
                 .ldb = ldb,
                 .trans_b = c.tb,
                 .beta = c.beta,
                 .c = want.data(),
                 .ldc = ldc};
      GemmF32(g);
      g.c = got.data();
      Gemm(*t, g);
      for (int64_t i = 0; i < c.m; ++i) {
        for (int64_t j = 0; j < c.n; ++j) {
          const float w = want[i * ldc + j], v = got[i * ldc + j];
          ASSERT_NEAR(v, w, 1e-5 * std::fabs(w) + 1e-6 * (c.k + 1))
              << t->isa << " " << c.m << "x" << c.n << "x" << c.k << " at " << i << "," << j;
        }
      }
    }
  }
}

// Max |approx - exact| / (|exact| * rtol + atol) over a grid; must stay <= 1.
template <typename Approx, typename Exact>
void CheckMap(const char* name, Approx approx, Exact exact, float lo, float hi, double rtol,
              double atol) {
  constexpr int64_t kN = 200003;  // odd: ends in a partial vector
  std::vector<float> x(kN), y(kN);
  for (int64_t i = 0; i < kN; ++i) x[i] = lo + (hi - lo) * static_cast<float>(i) / (kN - 1);
  approx(x.data(), y.data(), kN);
  for (int64_t i = 0; i < kN; ++i) {
    const double e = exact(static_cast<double>(x[i]));
    ASSERT_LE(std::fabs(y[i] - e), rtol * std::fabs(e) + atol)
        << name << "(" << x[i] << ") = " << y[i] << ", exact " << e;
  }
}

TEST(FastTableTest, TranscendentalAccuracy) {
  for (const Table* t : Tables()) {
    SCOPED_TRACE(t->isa);
    CheckMap(
        "erf", t->erf, [](double v) { return std::erf(v); }, -8.0f, 8.0f, 0.0, 1e-6);
    CheckMap(
        "sigmoid", t->sigmoid, [](double v) { return 1.0 / (1.0 + std::exp(-v)); }, -80.0f, 80.0f,
        1e-6, 1e-30);
    CheckMap(
        "tanh", t->tanh, [](double v) { return std::tanh(v); }, -10.0f, 10.0f, 1e-6, 1e-30);
    CheckMap(
        "tanh near 0", t->tanh, [](double v) { return std::tanh(v); }, -1e-3f, 1e-3f, 1e-6, 1e-30);
    // exp through a softmax over 2 elements {x, 0}: y0 = e^x / (e^x + 1) = sigmoid(x).
    float row[2] = {0.0f, 0.0f}, out[2];
    for (float v = -80.0f; v <= 0.0f; v += 0.37f) {
      row[0] = v;
      t->softmax_row(row, out, 2);
      const double want = 1.0 / (1.0 + std::exp(-static_cast<double>(v)));
      ASSERT_LE(std::fabs(out[0] - want), 1e-6 * want) << "softmax {" << v << ", 0}";
    }
  }
}

TEST(FastTableTest, RowRoutines) {
  for (const Table* t : Tables()) {
    SCOPED_TRACE(t->isa);
    for (int64_t n : {1, 3, 8, 15, 16, 17, 33, 64, 255, 256, 1000}) {
      const std::vector<float> x = RandomFloats(n, 20, -2.0f, 3.0f);
      const std::vector<float> s = RandomFloats(n, 21), b = RandomFloats(n, 22);
      double sum = 0.0;
      for (float v : x) sum += v;
      ASSERT_NEAR(t->sum(x.data(), n), sum, 1e-6 * n) << "sum n=" << n;
      // LayerNorm in double.
      const double mean = sum / n;
      double var = 0.0;
      for (float v : x) var += (v - mean) * (v - mean);
      const double inv = 1.0 / std::sqrt(var / n + 1e-5);
      std::vector<float> y(n);
      float got_mean, got_inv;
      t->layer_norm_row(x.data(), s.data(), b.data(), y.data(), n, 1e-5f, &got_mean, &got_inv);
      ASSERT_NEAR(got_mean, mean, 1e-6 * (1 + std::fabs(mean))) << n;
      ASSERT_NEAR(got_inv, inv, 1e-5 * inv) << n;
      for (int64_t i = 0; i < n; ++i) {
        const double want = (x[i] - mean) * inv * s[i] + b[i];
        ASSERT_NEAR(y[i], want, 1e-5 * (1 + std::fabs(want))) << "layer norm n=" << n << " i=" << i;
      }
      // Binary ops in every mode, exact.
      std::vector<float> z(n);
      t->binary(BinaryOp::kDiv, BinaryMode::kVecVec, x.data(), s.data(), z.data(), n);
      for (int64_t i = 0; i < n; ++i) ASSERT_EQ(z[i], x[i] / s[i]);
      t->binary(BinaryOp::kSub, BinaryMode::kVecScalar, x.data(), s.data(), z.data(), n);
      for (int64_t i = 0; i < n; ++i) ASSERT_EQ(z[i], x[i] - s[0]);
      t->binary(BinaryOp::kSub, BinaryMode::kScalarVec, x.data(), s.data(), z.data(), n);
      for (int64_t i = 0; i < n; ++i) ASSERT_EQ(z[i], x[0] - s[i]);
      std::vector<float> acc = b;
      t->accumulate(x.data(), acc.data(), n);
      for (int64_t i = 0; i < n; ++i) ASSERT_EQ(acc[i], b[i] + x[i]);
    }
  }
}

}  // namespace
}  // namespace mota::exec::fast
