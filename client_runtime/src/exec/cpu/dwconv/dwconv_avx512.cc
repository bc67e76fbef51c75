// AVX-512 row function of the depthwise conv (dwconv.h): 16 channels per zmm; a channel block's
// kh * kw taps stay in registers while the block sweeps the interior of the output row, so each
// FMA needs one load (the input), and partial blocks use masked loads and stores.
// GCC 12's AVX-512 intrinsics initialize a dummy vector from itself (_mm512_undefined_ps), which
// -Wuninitialized reports wherever min/max get inlined; the value is never read.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <algorithm>

#include "exec/cpu/dwconv/dwconv.h"

namespace mota::exec::dwconv {
namespace {

struct Block {
  int64_t c;       // first channel
  __mmask16 mask;  // channels of this block that exist
};

// Output columns whose taps cross the left or right edge: only the taps inside the row.
void EdgePixel(const DwArgs& a, const float* const* rows, int64_t ow, const Block& b, float* out) {
  const DwShape& s = *a.shape;
  const int64_t cn = s.channels, cp = s.padded_channels;
  const int64_t ix = ow * s.stride_w - s.pad_left;
  const int j0 = static_cast<int>(std::max<int64_t>(0, -ix));
  const int j1 = static_cast<int>(std::min<int64_t>(s.kernel_w, s.in_w - ix));
  __m512 acc = _mm512_load_ps(a.bias + b.c);
  for (int i = 0; i < s.kernel_h; ++i) {
    for (int j = j0; j < j1; ++j) {
      const __m512 v = _mm512_maskz_loadu_ps(b.mask, rows[i] + (ix + j) * cn + b.c);
      acc = _mm512_fmadd_ps(_mm512_load_ps(a.weights + (i * s.kernel_w + j) * cp + b.c), v, acc);
    }
  }
  acc = _mm512_min_ps(_mm512_max_ps(acc, _mm512_set1_ps(a.out_min)), _mm512_set1_ps(a.out_max));
  _mm512_mask_storeu_ps(out + ow * cn + b.c, b.mask, acc);
}

// Loads 16 channels of one pixel: all of them (kFull) or those the block's mask selects.
template <bool kFull>
__m512 Load(const float* p, __mmask16 mask) {
  return kFull ? _mm512_loadu_ps(p) : _mm512_maskz_loadu_ps(mask, p);
}

template <bool kFull>
void Store(float* p, __mmask16 mask, __m512 v) {
  if (kFull) {
    _mm512_storeu_ps(p, v);
  } else {
    _mm512_mask_storeu_ps(p, mask, v);
  }
}

// The interior columns of one channel block, taps in registers. kCols output columns per step:
// kCols independent FMA chains that share the input columns they read ((kCols - 1) * SW + KW
// loads per kernel row instead of kCols * KW). kFull: all 16 channels exist (plain loads and
// stores).
template <int KH, int KW, int SW, bool kFull>
void Interior(const DwArgs& a, const float* const* rows, const Block& b, float* out) {
  // 5x5: 25 taps leave registers for two columns; stride 2 measured no faster with four.
  constexpr int kCols = KW == 3 && SW == 1 ? 4 : 2;
  constexpr int kSpan = (kCols - 1) * SW + KW;
  const DwShape& s = *a.shape;
  const int64_t cn = s.channels, cp = s.padded_channels;
  __m512 w[KH * KW];
  for (int t = 0; t < KH * KW; ++t) w[t] = _mm512_load_ps(a.weights + t * cp + b.c);
  const __m512 bias = _mm512_load_ps(a.bias + b.c);
  const __m512 lo = _mm512_set1_ps(a.out_min), hi = _mm512_set1_ps(a.out_max);
  int64_t ow = s.interior_begin;
  for (; ow + kCols <= s.interior_end; ow += kCols) {
    const int64_t off = (ow * SW - s.pad_left) * cn + b.c;
    __m512 acc[kCols];
    for (int o = 0; o < kCols; ++o) acc[o] = bias;
    for (int i = 0; i < KH; ++i) {
      __m512 v[kSpan];
      for (int m = 0; m < kSpan; ++m) v[m] = Load<kFull>(rows[i] + off + m * cn, b.mask);
      for (int j = 0; j < KW; ++j) {
        for (int o = 0; o < kCols; ++o)
          acc[o] = _mm512_fmadd_ps(w[i * KW + j], v[j + o * SW], acc[o]);
      }
    }
    for (int o = 0; o < kCols; ++o) {
      Store<kFull>(out + (ow + o) * cn + b.c, b.mask, _mm512_min_ps(_mm512_max_ps(acc[o], lo), hi));
    }
  }
  for (; ow < s.interior_end; ++ow) {
    const int64_t off = (ow * SW - s.pad_left) * cn + b.c;
    __m512 acc = bias;
    for (int i = 0; i < KH; ++i) {
      for (int j = 0; j < KW; ++j) {
        acc = _mm512_fmadd_ps(w[i * KW + j], Load<kFull>(rows[i] + off + j * cn, b.mask), acc);
      }
    }
    Store<kFull>(out + ow * cn + b.c, b.mask, _mm512_min_ps(_mm512_max_ps(acc, lo), hi));
  }
}

template <int KH, int KW, int SW>
void Row(const DwArgs& a, const float* const* rows, float* out) {
  const DwShape& s = *a.shape;
  for (int64_t c = 0; c < s.channels; c += kChannelBlock) {
    const int64_t left = s.channels - c;
    const Block b{c, left >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << left) - 1)};
    for (int64_t ow = 0; ow < s.interior_begin; ++ow) EdgePixel(a, rows, ow, b, out);
    if (left >= 16) {
      Interior<KH, KW, SW, true>(a, rows, b, out);
    } else {
      Interior<KH, KW, SW, false>(a, rows, b, out);
    }
    for (int64_t ow = s.interior_end; ow < s.out_w; ++ow) EdgePixel(a, rows, ow, b, out);
  }
}

using RowFn = void (*)(const DwArgs&, const float* const*, float*);

RowFn PickRow(const DwShape& s) {
  if (s.kernel_h == 3) return s.stride_w == 1 ? Row<3, 3, 1> : Row<3, 3, 2>;
  return s.stride_w == 1 ? Row<5, 5, 1> : Row<5, 5, 2>;
}

}  // namespace

void DwRowsAvx512(const DwArgs& args, const float* x, float* y, int64_t row_begin,
                  int64_t row_end) {
  const DwShape& s = *args.shape;
  const RowFn row = PickRow(s);
  const float* rows[8];
  for (int64_t r = row_begin; r < row_end; ++r) {
    KernelRows(args, x, r, rows);
    row(args, rows, y + r * s.out_w * s.channels);
  }
}

}  // namespace mota::exec::dwconv
