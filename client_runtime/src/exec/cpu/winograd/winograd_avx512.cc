// AVX-512 instantiation of the Winograd steps: 16 lanes, a 6 x 64 GEMM register block
// (24 accumulators of the 32 zmm registers).
#include <immintrin.h>

#include "exec/cpu/winograd/winograd_impl.h"

namespace mota::exec::winograd {
namespace {

struct Avx512 {
  using V = __m512;
  static constexpr int kLanes = 16;
  static constexpr int kMr = 6;
  static constexpr int kNv = 4;
  static V Load(const float* p) { return _mm512_loadu_ps(p); }
  static void Store(float* p, V v) { _mm512_storeu_ps(p, v); }
  static V Set1(float x) { return _mm512_set1_ps(x); }
  static V Fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V Max(V a, V b) { return _mm512_max_ps(a, b); }
  static V Min(V a, V b) { return _mm512_min_ps(a, b); }
};

}  // namespace

const Ops& Avx512Ops(int tile) {
  return tile == 2 ? Steps<Avx512, 2>::Get() : Steps<Avx512, 4>::Get();
}

}  // namespace mota::exec::winograd
