// AVX-512 panel function of the batch-1 FC (fc.h): a 32-output panel is two zmm; four k per
// step go to four accumulator pairs, so eight independent FMA chains hide the FMA latency and
// keep enough weight loads in flight to stream the panel at cache bandwidth.
// GCC 12's AVX-512 intrinsics initialize a dummy vector from itself (_mm512_undefined_ps), which
// -Wuninitialized reports wherever min/max get inlined; the value is never read.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include "exec/cpu/fc/fc.h"

namespace mota::exec::fc {
namespace {

static_assert(kPanel == 32, "two zmm per panel");

// Finishes 16 outputs: alpha * acc + bias, clamped, stored where they exist.
void Store16(const FcArgs& a, __m512 acc, int64_t n0, float* y) {
  const int64_t left = a.n - n0;
  if (left <= 0) return;
  __m512 v = _mm512_fmadd_ps(acc, _mm512_set1_ps(a.alpha), _mm512_load_ps(a.bias + n0));
  v = _mm512_min_ps(_mm512_max_ps(v, _mm512_set1_ps(a.out_min)), _mm512_set1_ps(a.out_max));
  const __mmask16 mask = left >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << left) - 1);
  _mm512_mask_storeu_ps(y + n0, mask, v);
}

void Panel(const FcArgs& a, const float* x, float* y, int64_t p) {
  const float* w = a.panels + p * a.k * kPanel;
  __m512 a0 = _mm512_setzero_ps(), a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, d0 = a0, d1 = a0;
  int64_t k = 0;
  for (; k + 4 <= a.k; k += 4, w += 4 * kPanel) {
    const __m512 x0 = _mm512_set1_ps(x[k]), x1 = _mm512_set1_ps(x[k + 1]);
    const __m512 x2 = _mm512_set1_ps(x[k + 2]), x3 = _mm512_set1_ps(x[k + 3]);
    a0 = _mm512_fmadd_ps(_mm512_load_ps(w), x0, a0);
    a1 = _mm512_fmadd_ps(_mm512_load_ps(w + 16), x0, a1);
    b0 = _mm512_fmadd_ps(_mm512_load_ps(w + 32), x1, b0);
    b1 = _mm512_fmadd_ps(_mm512_load_ps(w + 48), x1, b1);
    c0 = _mm512_fmadd_ps(_mm512_load_ps(w + 64), x2, c0);
    c1 = _mm512_fmadd_ps(_mm512_load_ps(w + 80), x2, c1);
    d0 = _mm512_fmadd_ps(_mm512_load_ps(w + 96), x3, d0);
    d1 = _mm512_fmadd_ps(_mm512_load_ps(w + 112), x3, d1);
  }
  for (; k < a.k; ++k, w += kPanel) {
    const __m512 xk = _mm512_set1_ps(x[k]);
    a0 = _mm512_fmadd_ps(_mm512_load_ps(w), xk, a0);
    a1 = _mm512_fmadd_ps(_mm512_load_ps(w + 16), xk, a1);
  }
  const int64_t n0 = p * kPanel;
  Store16(a, _mm512_add_ps(_mm512_add_ps(a0, b0), _mm512_add_ps(c0, d0)), n0, y);
  Store16(a, _mm512_add_ps(_mm512_add_ps(a1, b1), _mm512_add_ps(c1, d1)), n0 + 16, y);
}

}  // namespace

void FcPanelsAvx512(const FcArgs& args, const float* x, float* y, int64_t panel_begin,
                    int64_t panel_end) {
  for (int64_t p = panel_begin; p < panel_end; ++p) Panel(args, x, y, p);
}

}  // namespace mota::exec::fc
