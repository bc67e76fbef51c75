// AVX2 panel function of the batch-1 FC (fc.h): a 32-output panel is four ymm; two k per step
// go to two accumulator sets, so eight independent FMA chains hide the FMA latency.
#include <immintrin.h>

#include "exec/cpu/fc/fc.h"

namespace mota::exec::fc {
namespace {

static_assert(kPanel == 32, "four ymm per panel");

// Finishes 8 outputs: alpha * acc + bias, clamped, stored where they exist.
void Store8(const FcArgs& a, __m256 acc, int64_t n0, float* y) {
  const int64_t left = a.n - n0;
  if (left <= 0) return;
  __m256 v = _mm256_fmadd_ps(acc, _mm256_set1_ps(a.alpha), _mm256_load_ps(a.bias + n0));
  v = _mm256_min_ps(_mm256_max_ps(v, _mm256_set1_ps(a.out_min)), _mm256_set1_ps(a.out_max));
  if (left >= 8) {
    _mm256_storeu_ps(y + n0, v);
    return;
  }
  alignas(32) float tmp[8];
  _mm256_store_ps(tmp, v);
  for (int64_t j = 0; j < left; ++j) y[n0 + j] = tmp[j];
}

void Panel(const FcArgs& a, const float* x, float* y, int64_t p) {
  const float* w = a.panels + p * a.k * kPanel;
  __m256 s[8];
  for (__m256& v : s) v = _mm256_setzero_ps();
  int64_t k = 0;
  for (; k + 2 <= a.k; k += 2, w += 2 * kPanel) {
    const __m256 x0 = _mm256_broadcast_ss(x + k), x1 = _mm256_broadcast_ss(x + k + 1);
    for (int j = 0; j < 4; ++j) s[j] = _mm256_fmadd_ps(_mm256_load_ps(w + 8 * j), x0, s[j]);
    for (int j = 0; j < 4; ++j) {
      s[4 + j] = _mm256_fmadd_ps(_mm256_load_ps(w + kPanel + 8 * j), x1, s[4 + j]);
    }
  }
  for (; k < a.k; ++k, w += kPanel) {
    const __m256 xk = _mm256_broadcast_ss(x + k);
    for (int j = 0; j < 4; ++j) s[j] = _mm256_fmadd_ps(_mm256_load_ps(w + 8 * j), xk, s[j]);
  }
  for (int j = 0; j < 4; ++j) Store8(a, _mm256_add_ps(s[j], s[4 + j]), p * kPanel + 8 * j, y);
}

}  // namespace

void FcPanelsAvx2(const FcArgs& args, const float* x, float* y, int64_t panel_begin,
                  int64_t panel_end) {
  for (int64_t p = panel_begin; p < panel_end; ++p) Panel(args, x, y, p);
}

}  // namespace mota::exec::fc
