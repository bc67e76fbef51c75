// AVX2 + FMA instantiation of the Winograd steps: 8 lanes, a 6 x 16 GEMM register block
// (12 accumulators of the 16 ymm registers).
#include <immintrin.h>

#include "exec/cpu/winograd/winograd_impl.h"

namespace mota::exec::winograd {
namespace {

struct Avx2 {
  using V = __m256;
  static constexpr int kLanes = 8;
  static constexpr int kMr = 6;
  static constexpr int kNv = 2;
  static V Load(const float* p) { return _mm256_loadu_ps(p); }
  static void Store(float* p, V v) { _mm256_storeu_ps(p, v); }
  static V Set1(float x) { return _mm256_set1_ps(x); }
  static V Fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V Max(V a, V b) { return _mm256_max_ps(a, b); }
  static V Min(V a, V b) { return _mm256_min_ps(a, b); }
};

}  // namespace

const Ops& Avx2Ops(int tile) { return tile == 2 ? Steps<Avx2, 2>::Get() : Steps<Avx2, 4>::Get(); }

}  // namespace mota::exec::winograd
