// MatMul and Gemm against hand-checked values and naive loops; GemmF32 directly for odd sizes,
// transposes, leading dimensions, beta and the thread pool.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "base/thread_pool.h"
#include "exec/reference/gemm_util.h"
#include "exec/reference/op_test_util.h"

namespace mota::exec {
namespace {

using testing::MakeF32;
using testing::MakeI64;
using testing::OpInput;
using testing::RunOp;
using testing::ToFloats;
using testing::ToInts;

std::vector<float> Random(int64_t n, uint32_t seed) {
  std::vector<float> v(n);
  uint32_t s = seed * 2654435761u + 7;
  for (auto& x : v) {
    s = s * 1664525u + 1013904223u;
    x = static_cast<float>((s >> 8) % 2001) / 1000.0f - 1.0f;
  }
  return v;
}

void ExpectNear(const std::vector<float>& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_NEAR(got[i], want[i], 1e-4f * (1.0f + std::fabs(want[i]))) << "at " << i;
  }
}

// C[m, n] = sum_k A[m, k] * B[k, n], row-major, no transposes.
std::vector<float> Naive(const std::vector<float>& a, const std::vector<float>& b, int64_t m,
                         int64_t k, int64_t n) {
  std::vector<float> c(m * n);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (int64_t p = 0; p < k; ++p) acc += static_cast<double>(a[i * k + p]) * b[p * n + j];
      c[i * n + j] = static_cast<float>(acc);
    }
  return c;
}

Result<std::vector<HostTensor>> MatMul(Shape sa, const std::vector<float>& a, Shape sb,
                                       const std::vector<float>& b) {
  std::vector<OpInput> in;
  in.push_back({MakeF32(std::move(sa), a)});
  in.push_back({MakeF32(std::move(sb), b)});
  return RunOp("MatMul", {}, std::move(in));
}

TEST(MatMulOp, TwoByTwo) {
  auto out = MatMul({2, 2}, {1, 2, 3, 4}, {2, 2}, {5, 6, 7, 8});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{19, 22, 43, 50}));
}

TEST(MatMulOp, OneDimensionalOperandsDropTheirDim) {
  auto vm = MatMul({2}, {1, 2}, {2, 3}, {1, 2, 3, 4, 5, 6});
  ASSERT_TRUE(vm.ok()) << vm.status().ToString();
  EXPECT_EQ((*vm)[0].shape(), (Shape{3}));
  EXPECT_EQ(ToFloats((*vm)[0]), (std::vector<float>{9, 12, 15}));
  auto mv = MatMul({2, 3}, {1, 2, 3, 4, 5, 6}, {3}, {1, 0, -1});
  ASSERT_TRUE(mv.ok()) << mv.status().ToString();
  EXPECT_EQ((*mv)[0].shape(), (Shape{2}));
  EXPECT_EQ(ToFloats((*mv)[0]), (std::vector<float>{-2, -2}));
  auto dot = MatMul({3}, {1, 2, 3}, {3}, {4, 5, 6});
  ASSERT_TRUE(dot.ok()) << dot.status().ToString();
  EXPECT_EQ((*dot)[0].shape(), (Shape{}));
  EXPECT_EQ(ToFloats((*dot)[0]), (std::vector<float>{32}));
  auto batched_vec = MatMul({2, 2, 3}, Random(12, 1), {3}, {1, 1, 1});
  ASSERT_TRUE(batched_vec.ok()) << batched_vec.status().ToString();
  EXPECT_EQ((*batched_vec)[0].shape(), (Shape{2, 2}));
}

TEST(MatMulOp, BatchBroadcastBothWays) {
  // A [2, 1, 3, 4] x B [3, 4, 5] -> [2, 3, 3, 5]: A's batch 1 and B's missing dim broadcast.
  const std::vector<float> a = Random(2 * 3 * 4, 2), b = Random(3 * 4 * 5, 3);
  auto out = MatMul({2, 1, 3, 4}, a, {3, 4, 5}, b);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)[0].shape(), (Shape{2, 3, 3, 5}));
  std::vector<float> want;
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 3; ++j) {
      std::vector<float> ai(a.begin() + i * 12, a.begin() + (i + 1) * 12);
      std::vector<float> bj(b.begin() + j * 20, b.begin() + (j + 1) * 20);
      std::vector<float> c = Naive(ai, bj, 3, 4, 5);
      want.insert(want.end(), c.begin(), c.end());
    }
  }
  ExpectNear(ToFloats((*out)[0]), want);
}

TEST(MatMulOp, SharedRightOperandRunsAsOneTallGemm) {
  const std::vector<float> a = Random(3 * 7 * 9, 4), b = Random(9 * 11, 5);
  auto out = MatMul({3, 7, 9}, a, {9, 11}, b);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)[0].shape(), (Shape{3, 7, 11}));
  ExpectNear(ToFloats((*out)[0]), Naive(a, b, 21, 9, 11));
}

TEST(MatMulOp, Int64) {
  std::vector<OpInput> in;
  in.push_back({MakeI64({2, 2}, {1, 2, 3, 4})});
  in.push_back({MakeI64({2, 1}, {10, 100})});
  auto out = RunOp("MatMul", {}, std::move(in));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(ToInts((*out)[0]), (std::vector<int64_t>{210, 430}));
}

TEST(MatMulOp, MismatchedInnerDimsAreAnError) {
  auto out = MatMul({2, 3}, Random(6, 1), {2, 3}, Random(6, 2));
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("[2,3]"), std::string::npos) << out.status().message();
}

Result<std::vector<HostTensor>> Gemm(const model::Attributes& attrs, Shape sa,
                                     const std::vector<float>& a, Shape sb,
                                     const std::vector<float>& b, Shape sc = {},
                                     const std::vector<float>& c = {}) {
  std::vector<OpInput> in;
  in.push_back({MakeF32(std::move(sa), a)});
  in.push_back({MakeF32(std::move(sb), b)});
  if (!c.empty()) in.push_back({MakeF32(std::move(sc), c)});
  return RunOp("Gemm", attrs, std::move(in));
}

TEST(GemmOp, TransposesAlphaBetaAndRowBias) {
  // op(A) = [[1, 2, 3], [4, 5, 6]], op(B) = [[1, 0], [0, 1], [1, 1]].
  const std::vector<float> a_t = {1, 4, 2, 5, 3, 6};  // A stored transposed [3, 2]
  const std::vector<float> b_t = {1, 0, 1, 0, 1, 1};  // B stored transposed [2, 3]
  model::Attributes attrs;
  attrs.SetInt("transA", 1);
  attrs.SetInt("transB", 1);
  attrs.SetFloat("alpha", 2.0f);
  attrs.SetFloat("beta", 0.5f);
  auto out = Gemm(attrs, {3, 2}, a_t, {2, 3}, b_t, {2}, {10, 20});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)[0].shape(), (Shape{2, 2}));
  // A B = [[4, 5], [10, 11]]; 2 * AB + 0.5 * [10, 20].
  EXPECT_EQ(ToFloats((*out)[0]), (std::vector<float>{13, 20, 25, 32}));
}

TEST(GemmOp, BiasShapesBroadcast) {
  const std::vector<float> a = {1, 2, 3, 4}, b = {1, 0, 0, 1};
  auto scalar = Gemm({}, {2, 2}, a, {2, 2}, b, {}, {5});
  ASSERT_TRUE(scalar.ok()) << scalar.status().ToString();
  EXPECT_EQ(ToFloats((*scalar)[0]), (std::vector<float>{6, 7, 8, 9}));
  auto column = Gemm({}, {2, 2}, a, {2, 2}, b, {2, 1}, {10, 20});
  ASSERT_TRUE(column.ok()) << column.status().ToString();
  EXPECT_EQ(ToFloats((*column)[0]), (std::vector<float>{11, 12, 23, 24}));
  auto none = Gemm({}, {2, 2}, a, {2, 2}, b);
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_EQ(ToFloats((*none)[0]), a);
  auto bad = Gemm({}, {2, 2}, a, {2, 2}, b, {3}, {1, 2, 3});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("[3]"), std::string::npos) << bad.status().message();
}

TEST(GemmOp, TransposeAOnlyAgainstNaive) {
  const int64_t m = 13, k = 29, n = 17;
  const std::vector<float> a = Random(m * k, 8), b = Random(k * n, 9);
  std::vector<float> a_t(k * m);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t p = 0; p < k; ++p) a_t[p * m + i] = a[i * k + p];
  model::Attributes attrs;
  attrs.SetInt("transA", 1);
  auto out = Gemm(attrs, {k, m}, a_t, {k, n}, b);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ExpectNear(ToFloats((*out)[0]), Naive(a, b, m, k, n));
}

// Every transpose combination with padded leading dims, beta, and sizes crossing the kernels'
// register (4 x 8, 4 x 16) and cache (64 x 256 x 512) blocks, on the dispatched kernel and on
// the portable one.
TEST(GemmF32, TransposesLeadingDimsAndBlockEdges) {
  const int64_t m = 67, n = 530, k = 261;
  const std::vector<float> a = Random(m * k, 10), b = Random(k * n, 11);
  const std::vector<float> want = Naive(a, b, m, k, n);
  for (auto* gemm : {&GemmF32, &GemmF32Portable}) {
    for (int ta = 0; ta < 2; ++ta) {
      for (int tb = 0; tb < 2; ++tb) {
        const int64_t lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 5, ldc = n + 2;
        std::vector<float> pa((ta ? k : m) * lda), pb((tb ? n : k) * ldb);
        for (int64_t i = 0; i < m; ++i)
          for (int64_t p = 0; p < k; ++p) (ta ? pa[p * lda + i] : pa[i * lda + p]) = a[i * k + p];
        for (int64_t p = 0; p < k; ++p)
          for (int64_t j = 0; j < n; ++j) (tb ? pb[j * ldb + p] : pb[p * ldb + j]) = b[p * n + j];
        std::vector<float> c(m * ldc, 1.0f);
        gemm({.m = m,
              .n = n,
              .k = k,
              .alpha = 1.0f,
              .a = pa.data(),
              .lda = lda,
              .trans_a = ta != 0,
              .b = pb.data(),
              .ldb = ldb,
              .trans_b = tb != 0,
              .beta = 2.0f,
              .c = c.data(),
              .ldc = ldc});
        for (int64_t i = 0; i < m; ++i) {
          for (int64_t j = 0; j < n; ++j) {
            ASSERT_NEAR(c[i * ldc + j], want[i * n + j] + 2.0f, 1e-3f)
                << "ta " << ta << " tb " << tb << " at " << i << "," << j;
          }
          EXPECT_EQ(c[i * ldc + n], 1.0f) << "wrote past n in row " << i;
        }
      }
    }
  }
}

TEST(GemmF32, BetaZeroIgnoresNanInC) {
  const std::vector<float> a = {1, 2}, b = {3, 4};
  std::vector<float> c = {NAN};
  GemmF32({.m = 1,
           .n = 1,
           .k = 2,
           .a = a.data(),
           .lda = 2,
           .b = b.data(),
           .ldb = 1,
           .c = c.data(),
           .ldc = 1});
  EXPECT_EQ(c[0], 11.0f);
}

TEST(GemmF32, ParallelSplitsMatchSerial) {
  ThreadPool pool(3);
  for (const auto& [m, n] : {std::pair<int64_t, int64_t>{300, 40}, {40, 300}}) {
    const int64_t k = 70;
    const std::vector<float> a = Random(m * k, 12), b = Random(k * n, 13);
    std::vector<float> c(m * n);
    GemmF32Parallel(&pool, {.m = m,
                            .n = n,
                            .k = k,
                            .a = a.data(),
                            .lda = k,
                            .b = b.data(),
                            .ldb = n,
                            .c = c.data(),
                            .ldc = n});
    ExpectNear(c, Naive(a, b, m, k, n));
  }
}

}  // namespace
}  // namespace mota::exec
