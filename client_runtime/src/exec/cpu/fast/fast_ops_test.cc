// Differential tests: every fast kernel against its reference kernel (the oracle) on the same
// inputs, over many shapes (vector-width remainders, broadcasts, batches), serial and on a
// 3-thread pool. Tolerances are per op and explicit.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "exec/cpu/fast/fast_test_util.h"

namespace mota::exec::fast {
namespace {

using testing::ExpectAllClose;
using testing::I64Tensor;
using testing::Inputs;
using testing::RandomTensor;
using testing::RunBoth;

// Exp / erf based ops: the approximations are within ~2 ulp of libm.
constexpr double kExpRtol = 1e-6, kExpAtol = 1e-7;

std::string Str(const Shape& s) { return ShapeToString(s); }

class FastOpsTest : public ::testing::TestWithParam<int> {
 protected:
  ThreadPool* pool() { return GetParam() > 1 ? &pool_ : nullptr; }
  ThreadPool pool_{3};
};

TEST_P(FastOpsTest, MatMul) {
  // {A shape, B shape}: Linear layers, attention batches, broadcast batches, 1-D operands, odd
  // sizes that leave partial register tiles and K blocks.
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{1, 128, 256}, {256, 768}},
      {{4, 128, 64}, {4, 64, 128}},
      {{4, 128, 128}, {4, 128, 64}},
      {{1, 4, 128, 64}, {1, 4, 64, 128}},
      {{7, 13}, {13, 9}},
      {{2, 3, 33, 17}, {17, 45}},
      {{3, 1, 5, 300}, {2, 300, 31}},
      {{300}, {300, 70}},
      {{5, 40}, {40}},
      {{1, 1}, {1, 1}},
      {{129, 520}, {520, 513}},
      {{2, 1, 31}, {1, 31, 100}},
      {{0, 8}, {8, 4}},
      {{6, 0}, {0, 5}},
  };
  for (const auto& [sa, sb] : cases) {
    const int64_t k = sa.back();
    const auto out =
        RunBoth("MatMul", {}, Inputs(RandomTensor(sa, 1), RandomTensor(sb, 2)), 1, pool());
    // Inputs in [-1, 1): a K-term dot product differs by summation order, ~K ulps at worst.
    ExpectAllClose(out, 1e-5, 1e-6 * static_cast<double>(k), "MatMul " + Str(sa) + " x " + Str(sb));
  }
}

TEST_P(FastOpsTest, Gemm) {
  struct Case {
    int64_t m, k, n;
    bool ta, tb;
    float alpha, beta;
    Shape c;  // empty: no C
  };
  const std::vector<Case> cases = {
      {128, 256, 256, false, true, 1.0f, 1.0f, {256}},
      {1, 512, 1000, false, true, 1.0f, 1.0f, {1000}},
      {17, 33, 65, true, false, 0.5f, 2.0f, {17, 65}},
      {17, 33, 65, true, true, 1.0f, 1.0f, {17, 1}},
      {9, 300, 40, false, false, -1.0f, 0.0f, {40}},
      {9, 30, 40, false, false, 1.0f, 1.0f, {1}},
      {64, 64, 64, false, false, 0.0f, 1.0f, {64, 64}},
      {31, 7, 3, true, true, 1.0f, 1.0f, {}},
  };
  for (const Case& c : cases) {
    model::Attributes attrs;
    attrs.SetInt("transA", c.ta);
    attrs.SetInt("transB", c.tb);
    attrs.SetFloat("alpha", c.alpha);
    attrs.SetFloat("beta", c.beta);
    std::vector<HostTensor> in = Inputs(RandomTensor(c.ta ? Shape{c.k, c.m} : Shape{c.m, c.k}, 3),
                                        RandomTensor(c.tb ? Shape{c.n, c.k} : Shape{c.k, c.n}, 4));
    if (!c.c.empty()) in.push_back(RandomTensor(c.c, 5));
    const auto out = RunBoth("Gemm", attrs, in, 1, pool());
    ExpectAllClose(
        out, 1e-5, 1e-6 * static_cast<double>(c.k) * (1 + std::fabs(c.alpha)),
        "Gemm " + std::to_string(c.m) + "x" + std::to_string(c.k) + "x" + std::to_string(c.n));
  }
}

TEST_P(FastOpsTest, Softmax) {
  const std::vector<Shape> shapes = {{1, 4, 128, 128}, {3, 7}, {2, 1}, {5, 33}, {2, 3, 1000}, {17}};
  for (const Shape& s : shapes) {
    for (float range : {1.0f, 30.0f, 1e4f}) {  // large values: max subtraction keeps it finite
      const auto out = RunBoth("Softmax", {}, Inputs(RandomTensor(s, 6, -range, range)), 1, pool());
      ExpectAllClose(out, kExpRtol, kExpAtol,
                     "Softmax " + Str(s) + " range " + std::to_string(range));
    }
  }
  // Not the last axis (strided rows): the fast kernel hands over to the reference.
  model::Attributes axis1;
  axis1.SetInt("axis", 1);
  ExpectAllClose(RunBoth("Softmax", axis1, Inputs(RandomTensor({2, 5, 3}, 7)), 1, pool()), kExpRtol,
                 kExpAtol, "Softmax axis 1");
}

TEST_P(FastOpsTest, LayerNormalization) {
  const std::vector<std::pair<Shape, int64_t>> cases = {{{1, 128, 256}, -1}, {{3, 7}, -1},
                                                        {{2, 5, 33}, -1},    {{2, 3, 4, 5}, 2},
                                                        {{4, 1}, -1},        {{3, 17}, 0}};
  for (const auto& [s, axis] : cases) {
    model::Attributes attrs;
    attrs.SetInt("axis", axis);
    attrs.SetFloat("epsilon", 1e-5f);
    const int64_t a = axis < 0 ? axis + static_cast<int64_t>(s.size()) : axis;
    const Shape norm(s.begin() + a, s.end());
    // Scale broadcast from its last dim when the normalized block has several dims.
    const Shape scale_shape = norm.size() > 1 ? Shape{norm.back()} : norm;
    const auto out = RunBoth("LayerNormalization", attrs,
                             Inputs(RandomTensor(s, 8, -3.0f, 5.0f), RandomTensor(scale_shape, 9),
                                    RandomTensor(norm, 10)),
                             3, pool());
    // Float (not double) accumulation of mean and variance.
    ExpectAllClose(out, 1e-5, 1e-5, "LayerNormalization " + Str(s));
    const auto no_bias =
        RunBoth("LayerNormalization", attrs,
                Inputs(RandomTensor(s, 8), RandomTensor(scale_shape, 9)), 1, pool());
    ExpectAllClose(no_bias, 1e-5, 1e-5, "LayerNormalization without B " + Str(s));
  }
}

TEST_P(FastOpsTest, UnaryMaps) {
  const std::vector<Shape> shapes = {{1, 128, 1024}, {7}, {3, 17}, {1}, {300, 301}};
  for (const Shape& s : shapes) {
    for (float range : {0.5f, 6.0f, 120.0f}) {
      const std::vector<HostTensor> in = Inputs(RandomTensor(s, 11, -range, range));
      const std::string what = Str(s) + " range " + std::to_string(range);
      ExpectAllClose(RunBoth("Erf", {}, in, 1, pool()), 0.0, 1e-6, "Erf " + what);
      ExpectAllClose(RunBoth("Sigmoid", {}, in, 1, pool()), kExpRtol, kExpAtol, "Sigmoid " + what);
      ExpectAllClose(RunBoth("Tanh", {}, in, 1, pool()), kExpRtol, kExpAtol, "Tanh " + what);
    }
  }
}

TEST_P(FastOpsTest, Binary) {
  // {A, B}: same shape, trailing vector, per-row scalar, scalar, both sides, and broadcasts the
  // fast path does not take (middle dims), which go to the reference.
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{1, 128, 256}, {1, 128, 256}},
      {{1, 128, 1024}, {1024}},
      {{1, 128, 256}, {1, 128, 1}},
      {{1, 128, 1024}, {}},
      {{}, {3, 5}},
      {{256}, {1, 128, 256}},
      {{1, 128, 1}, {1, 128, 256}},
      {{4, 1, 7}, {4, 6, 7}},
      {{3, 1}, {1, 5}},
      {{2, 3, 70000}, {70000}},
      {{1}, {1}},
      {{5, 0}, {5, 1}},
      {{600, 300}, {600, 1}},
      {{33}, {33}},
  };
  for (const auto& [sa, sb] : cases) {
    // Divisors away from zero so that Div stays finite; results must match exactly.
    const std::vector<HostTensor> in =
        Inputs(RandomTensor(sa, 12), RandomTensor(sb, 13, 0.5f, 2.0f));
    for (const char* op : {"Add", "Sub", "Mul", "Div"}) {
      ExpectAllClose(RunBoth(op, {}, in, 1, pool()), 0.0, 0.0,
                     std::string(op) + " " + Str(sa) + " " + Str(sb));
    }
  }
}

TEST_P(FastOpsTest, Pow) {
  for (const Shape& s : std::vector<Shape>{{1, 128, 256}, {7}, {300, 301}}) {
    // glibc's powf(x, 2) is within 1 ulp of x * x (exact ties may round the other way).
    ExpectAllClose(RunBoth("Pow", {}, Inputs(RandomTensor(s, 17, -3, 3), RandomTensor({}, 0, 2, 2)),
                           1, pool()),
                   2.4e-7, 0.0, "Pow f32 2 " + Str(s));
    ExpectAllClose(
        RunBoth("Pow", {}, Inputs(RandomTensor(s, 17, -3, 3), I64Tensor({1}, {2})), 1, pool()),
        2.4e-7, 0.0, "Pow i64 2 " + Str(s));
    // Other exponents: the reference's std::pow, exactly.
    ExpectAllClose(
        RunBoth("Pow", {}, Inputs(RandomTensor(s, 17, 0, 3), RandomTensor({}, 0, 3, 3)), 1, pool()),
        0.0, 0.0, "Pow 3 " + Str(s));
  }
}

TEST_P(FastOpsTest, Reduce) {
  struct Case {
    Shape x;
    std::vector<int64_t> axes;  // empty: input omitted
    int64_t keepdims;
  };
  const std::vector<Case> cases = {
      {{1, 128, 256}, {-1}, 1}, {{2, 8, 7, 9}, {2, 3}, 1}, {{2, 8, 7, 9}, {2, 3}, 0},
      {{5, 33}, {1}, 0},        {{5, 33}, {0}, 1},         {{4, 5, 6}, {1}, 1},
      {{3, 17}, {}, 1},         {{6, 1000}, {-1}, 1},      {{2, 3, 4}, {0, 1}, 0},
  };
  for (const Case& c : cases) {
    model::Attributes attrs;
    attrs.SetInt("keepdims", c.keepdims);
    std::vector<HostTensor> in = Inputs(RandomTensor(c.x, 14));
    if (!c.axes.empty()) in.push_back(I64Tensor({static_cast<int64_t>(c.axes.size())}, c.axes));
    // Float accumulators (the reference sums in double).
    for (const char* op : {"ReduceMean", "ReduceSum"}) {
      ExpectAllClose(RunBoth(op, attrs, in, 1, pool()), 1e-6, 1e-7 * NumElements(c.x),
                     std::string(op) + " " + Str(c.x));
    }
  }
}

TEST_P(FastOpsTest, Transpose) {
  const std::vector<std::pair<Shape, std::vector<int64_t>>> cases = {
      {{1, 128, 4, 64}, {0, 2, 1, 3}},
      {{1, 4, 128, 64}, {0, 2, 1, 3}},
      {{1, 4, 128, 64}, {0, 1, 3, 2}},
      {{1, 128, 4, 64}, {0, 2, 3, 1}},
      {{3, 5}, {1, 0}},
      {{2, 3, 4, 5}, {3, 1, 0, 2}},
      {{13, 17, 1, 3}, {2, 3, 0, 1}},
      {{2, 3, 4}, {0, 1, 2}},
      {{7, 9, 11}, {2, 1, 0}},
      {{1, 1}, {1, 0}},
      {{4, 0, 3}, {2, 0, 1}},
  };
  for (const auto& [s, perm] : cases) {
    model::Attributes attrs;
    attrs.SetInts("perm", perm);
    ExpectAllClose(RunBoth("Transpose", attrs, Inputs(RandomTensor(s, 15)), 1, pool()), 0.0, 0.0,
                   "Transpose " + Str(s) + " perm " + Str(perm));
  }
  // Default perm (reversed) and a non-f32 dtype.
  ExpectAllClose(RunBoth("Transpose", {}, Inputs(RandomTensor({3, 4, 5}, 16))), 0.0, 0.0,
                 "reversed");
  ExpectAllClose(
      RunBoth("Transpose", model::Attributes{}, Inputs(I64Tensor({2, 3}, {1, 2, 3, 4, 5, 6}))), 0.0,
      0.0, "i64");
}

INSTANTIATE_TEST_SUITE_P(Threads, FastOpsTest, ::testing::Values(1, 3));

}  // namespace
}  // namespace mota::exec::fast
