// The leaf routines of fast_table.h, written once with GCC/Clang vector extensions and compiled
// per ISA: the including file defines MOTA_FAST_NS (the namespace: avx512, avx2, portable),
// MOTA_FAST_VEC_BYTES (64, 32, 16) and the GEMM tile MOTA_FAST_GEMM_MR x MOTA_FAST_GEMM_NV
// vectors, then calls MOTA_FAST_DEFINE_TABLE(name).
//
// Everything here has internal linkage and uses no std:: functions: an inline function shared
// with a file compiled for a lesser ISA could otherwise be merged by the linker into code that
// runs on CPUs without this ISA.
//
// Accuracy (checked against libm in fast_kernels_test.cc):
//   Exp: Cephes expf polynomial after range reduction by ln2 (hi/lo split): ~2 ulp on
//        [-87.3, 88.3]; inputs are clamped to that range (exp(-87.3) ~ 1e-38 stands for 0).
//   Erf: x * P(x^2) / Q(x^2) on [-4, 4] (the rational fit used by Eigen / TensorFlow), clamped
//        outside, where erf is +-1 in float: max abs error ~2e-7.
//   Tanh: odd polynomial for |x| < 0.625 (Cephes tanhf), 1 - 2 / (exp(2|x|) + 1) above.
#pragma once

#include <cstdint>
#include <cstring>

#include "exec/cpu/fast/fast_table.h"

#if !defined(MOTA_FAST_NS) || !defined(MOTA_FAST_VEC_BYTES) || !defined(MOTA_FAST_GEMM_MR) || \
    !defined(MOTA_FAST_GEMM_NV)
#error "define MOTA_FAST_NS, MOTA_FAST_VEC_BYTES, MOTA_FAST_GEMM_MR and MOTA_FAST_GEMM_NV first"
#endif

namespace mota::exec::fast::MOTA_FAST_NS {
namespace {

typedef float V __attribute__((vector_size(MOTA_FAST_VEC_BYTES)));
typedef int32_t VI __attribute__((vector_size(MOTA_FAST_VEC_BYTES)));
constexpr int kW = MOTA_FAST_VEC_BYTES / 4;  // lanes

inline V Load(const float* p) {
  V v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
inline void Store(float* p, V v) { __builtin_memcpy(p, &v, sizeof v); }
// s - (+0) is exactly s for every s (-0 included), so the compiler folds it to a broadcast.
inline V Splat(float s) { return s - V{}; }
// The first n (< kW) lanes from p, the others `fill`.
inline V LoadPartial(const float* p, int64_t n, float fill) {
  float buf[kW];
  for (int i = 0; i < kW; ++i) buf[i] = i < n ? p[i] : fill;
  return Load(buf);
}
inline void StorePartial(float* p, V v, int64_t n) {
  for (int64_t i = 0; i < n; ++i) p[i] = v[i];
}
inline V Min(V a, V b) { return a < b ? a : b; }
inline V Max(V a, V b) { return a > b ? a : b; }
inline float HorizontalSum(V v) {
  float s = 0.0f;
  for (int i = 0; i < kW; ++i) s += v[i];
  return s;
}
inline float HorizontalMax(V v) {
  float m = v[0];
  for (int i = 1; i < kW; ++i) m = v[i] > m ? v[i] : m;
  return m;
}

inline V Exp(V x) {
  x = Min(Max(x, Splat(-87.3365478515625f)), Splat(88.3762626647949f));
  // n = round(x / ln2) with the 1.5 * 2^23 trick; its low bits are n as an integer.
  const V magic = Splat(12582912.0f);
  const V t = x * 1.44269504088896341f + magic;
  const V n = t - magic;
  V r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  V p = Splat(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const V y = p * (r * r) + r + 1.0f;
  const VI bits = (((VI)t - (VI)magic) + 127) << 23;  // 2^n
  return y * (V)bits;
}

inline V Erf(V x) {
  x = Min(Max(x, Splat(-4.0f)), Splat(4.0f));
  const V x2 = x * x;
  V p = Splat(-2.72614225801306e-10f);
  p = p * x2 + 2.77068142495902e-08f;
  p = p * x2 + -2.10102402082508e-06f;
  p = p * x2 + -5.69250639462346e-05f;
  p = p * x2 + -7.34990630326855e-04f;
  p = p * x2 + -2.95459980854025e-03f;
  p = p * x2 + -1.60960333262415e-02f;
  V q = Splat(-1.45660718464996e-05f);
  q = q * x2 + -2.13374055278905e-04f;
  q = q * x2 + -1.68282697438203e-03f;
  q = q * x2 + -7.37332916720468e-03f;
  q = q * x2 + -1.42647390514189e-02f;
  return x * p / q;
}

inline V Sigmoid(V x) { return 1.0f / (1.0f + Exp(-x)); }

inline V Tanh(V x) {
  const VI sign_mask = VI{} + static_cast<int32_t>(0x80000000u);
  const VI sign = (VI)x & sign_mask;
  const V ax = (V)((VI)x & ~sign_mask);
  const V z = ax * ax;
  V p = Splat(-5.70498872745e-3f);
  p = p * z + 2.06390887954e-2f;
  p = p * z + -5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z + -3.33332819422e-1f;
  const V small = p * z * ax + ax;
  const V large = 1.0f - 2.0f / (Exp(ax + ax) + 1.0f);
  const V y = ax < 0.625f ? small : large;
  return (V)((VI)y | sign);
}

// y = f(x) over n elements: full vectors, then one partial vector.
template <typename F>
inline void MapUnary(const float* x, float* y, int64_t n, F f) {
  int64_t i = 0;
  for (; i + kW <= n; i += kW) Store(y + i, f(Load(x + i)));
  if (i < n) StorePartial(y + i, f(LoadPartial(x + i, n - i, 0.0f)), n - i);
}

void ErfRow(const float* x, float* y, int64_t n) {
  MapUnary(x, y, n, [](V v) { return Erf(v); });
}
void SigmoidRow(const float* x, float* y, int64_t n) {
  MapUnary(x, y, n, [](V v) { return Sigmoid(v); });
}
void TanhRow(const float* x, float* y, int64_t n) {
  MapUnary(x, y, n, [](V v) { return Tanh(v); });
}

float Sum(const float* x, int64_t n) {
  V s0 = V{}, s1 = V{}, s2 = V{}, s3 = V{};
  int64_t i = 0;
  for (; i + 4 * kW <= n; i += 4 * kW) {
    s0 += Load(x + i);
    s1 += Load(x + i + kW);
    s2 += Load(x + i + 2 * kW);
    s3 += Load(x + i + 3 * kW);
  }
  for (; i + kW <= n; i += kW) s0 += Load(x + i);
  if (i < n) s1 += LoadPartial(x + i, n - i, 0.0f);
  return HorizontalSum((s0 + s1) + (s2 + s3));
}

void Accumulate(const float* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + kW <= n; i += kW) Store(y + i, Load(y + i) + Load(x + i));
  for (; i < n; ++i) y[i] += x[i];
}

void SoftmaxRow(const float* x, float* y, int64_t n) {
  const float neg_inf = -__builtin_inff();
  V vmax = Splat(neg_inf);
  int64_t i = 0;
  for (; i + kW <= n; i += kW) vmax = Max(vmax, Load(x + i));
  const int64_t rest = n - i;
  if (rest > 0) vmax = Max(vmax, LoadPartial(x + i, rest, neg_inf));
  const V mx = Splat(HorizontalMax(vmax));
  V vsum = V{};
  for (i = 0; i + kW <= n; i += kW) {
    const V e = Exp(Load(x + i) - mx);
    Store(y + i, e);
    vsum += e;
  }
  float sum = HorizontalSum(vsum);
  if (rest > 0) {
    const V e = Exp(LoadPartial(x + i, rest, 0.0f) - mx);
    StorePartial(y + i, e, rest);
    for (int64_t j = 0; j < rest; ++j) sum += e[j];
  }
  const V inv = Splat(1.0f / sum);
  for (i = 0; i + kW <= n; i += kW) Store(y + i, Load(y + i) * inv);
  for (; i < n; ++i) y[i] *= inv[0];
}

// Two passes (mean, then centered squares): as exact as Welford in float and vectorizes.
void LayerNormRow(const float* x, const float* scale, const float* bias, float* y, int64_t n,
                  float epsilon, float* mean_out, float* inv_out) {
  const float mean = Sum(x, n) / static_cast<float>(n);
  const V vm = Splat(mean);
  V sq0 = V{}, sq1 = V{};
  int64_t i = 0;
  for (; i + 2 * kW <= n; i += 2 * kW) {
    const V d0 = Load(x + i) - vm, d1 = Load(x + i + kW) - vm;
    sq0 += d0 * d0;
    sq1 += d1 * d1;
  }
  float sq = HorizontalSum(sq0 + sq1);
  for (; i < n; ++i) sq += (x[i] - mean) * (x[i] - mean);
  const float inv = 1.0f / __builtin_sqrtf(sq / static_cast<float>(n) + epsilon);
  const V vi = Splat(inv);
  for (i = 0; i + kW <= n; i += kW) {
    V v = (Load(x + i) - vm) * vi * Load(scale + i);
    if (bias != nullptr) v += Load(bias + i);
    Store(y + i, v);
  }
  for (; i < n; ++i) y[i] = (x[i] - mean) * inv * scale[i] + (bias != nullptr ? bias[i] : 0.0f);
  *mean_out = mean;
  *inv_out = inv;
}

template <BinaryOp kOp, typename T>
inline T Apply(T a, T b) {
  if constexpr (kOp == BinaryOp::kAdd) return a + b;
  if constexpr (kOp == BinaryOp::kSub) return a - b;
  if constexpr (kOp == BinaryOp::kMul) return a * b;
  if constexpr (kOp == BinaryOp::kDiv) return a / b;
}

template <BinaryOp kOp>
void BinaryRow(BinaryMode mode, const float* a, const float* b, float* y, int64_t n) {
  int64_t i = 0;
  if (mode == BinaryMode::kVecVec) {
    for (; i + kW <= n; i += kW) Store(y + i, Apply<kOp>(Load(a + i), Load(b + i)));
    for (; i < n; ++i) y[i] = Apply<kOp>(a[i], b[i]);
  } else if (mode == BinaryMode::kVecScalar) {
    const V vb = Splat(*b);
    for (; i + kW <= n; i += kW) Store(y + i, Apply<kOp>(Load(a + i), vb));
    for (; i < n; ++i) y[i] = Apply<kOp>(a[i], *b);
  } else {
    const V va = Splat(*a);
    for (; i + kW <= n; i += kW) Store(y + i, Apply<kOp>(va, Load(b + i)));
    for (; i < n; ++i) y[i] = Apply<kOp>(*a, b[i]);
  }
}

void Binary(BinaryOp op, BinaryMode mode, const float* a, const float* b, float* y, int64_t n) {
  switch (op) {
    case BinaryOp::kAdd:
      return BinaryRow<BinaryOp::kAdd>(mode, a, b, y, n);
    case BinaryOp::kSub:
      return BinaryRow<BinaryOp::kSub>(mode, a, b, y, n);
    case BinaryOp::kMul:
      return BinaryRow<BinaryOp::kMul>(mode, a, b, y, n);
    case BinaryOp::kDiv:
      return BinaryRow<BinaryOp::kDiv>(mode, a, b, y, n);
  }
}

// The register tile: kMr x kNv vectors of C accumulate in registers over kc steps (the loops
// over the fixed-size arrays unroll fully, so the arrays live in registers).
constexpr int kMr = MOTA_FAST_GEMM_MR;
constexpr int kNv = MOTA_FAST_GEMM_NV;

void GemmTile(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate) {
  V acc[kMr][kNv];
#pragma GCC unroll 16
  for (int i = 0; i < kMr; ++i) {
#pragma GCC unroll 4
    for (int j = 0; j < kNv; ++j) acc[i][j] = V{};
  }
  for (int64_t p = 0; p < kc; ++p, a += kMr, b += kNv * kW) {
    V bv[kNv];
#pragma GCC unroll 4
    for (int j = 0; j < kNv; ++j) bv[j] = Load(b + j * kW);
#pragma GCC unroll 16
    for (int i = 0; i < kMr; ++i) {
      const V ai = Splat(a[i]);
#pragma GCC unroll 4
      for (int j = 0; j < kNv; ++j) acc[i][j] += ai * bv[j];
    }
  }
#pragma GCC unroll 16
  for (int i = 0; i < kMr; ++i) {
#pragma GCC unroll 4
    for (int j = 0; j < kNv; ++j) {
      float* ci = c + i * ldc + j * kW;
      Store(ci, accumulate ? Load(ci) + acc[i][j] : acc[i][j]);
    }
  }
}

}  // namespace
}  // namespace mota::exec::fast::MOTA_FAST_NS

#define MOTA_FAST_DEFINE_TABLE(getter, isa_name)                                        \
  namespace mota::exec::fast {                                                          \
  const Table& getter() {                                                               \
    namespace impl = MOTA_FAST_NS;                                                      \
    static const Table table = {isa_name,       impl::kMr,        impl::kNv * impl::kW, \
                                impl::GemmTile, impl::SoftmaxRow, impl::LayerNormRow,   \
                                impl::ErfRow,   impl::SigmoidRow, impl::TanhRow,        \
                                impl::Binary,   impl::Sum,        impl::Accumulate};    \
    return table;                                                                       \
  }                                                                                     \
  }
