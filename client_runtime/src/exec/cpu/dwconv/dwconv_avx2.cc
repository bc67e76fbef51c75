// AVX2 row function of the depthwise conv (dwconv.h): 8 channels per ymm; a channel block's
// taps stay in registers (3x3; 5x5 spills some to the stack, which stays in L1) while the block
// sweeps the interior of the output row; partial blocks use maskload / maskstore.
#include <immintrin.h>

#include <algorithm>

#include "exec/cpu/dwconv/dwconv.h"

namespace mota::exec::dwconv {
namespace {

constexpr int64_t kLanes = 8;

struct Block {
  int64_t c;     // first channel
  __m256i mask;  // lanes whose channel exists
};

__m256i TailMask(int64_t left) {
  alignas(32) static const int32_t kMask[16] = {-1, -1, -1, -1, -1, -1, -1, -1,
                                                0,  0,  0,  0,  0,  0,  0,  0};
  return _mm256_loadu_si256(
      reinterpret_cast<const __m256i*>(kMask + kLanes - std::min(left, kLanes)));
}

// Output columns whose taps cross the left or right edge: only the taps inside the row.
void EdgePixel(const DwArgs& a, const float* const* rows, int64_t ow, const Block& b, float* out) {
  const DwShape& s = *a.shape;
  const int64_t cn = s.channels, cp = s.padded_channels;
  const int64_t ix = ow * s.stride_w - s.pad_left;
  const int j0 = static_cast<int>(std::max<int64_t>(0, -ix));
  const int j1 = static_cast<int>(std::min<int64_t>(s.kernel_w, s.in_w - ix));
  __m256 acc = _mm256_load_ps(a.bias + b.c);
  for (int i = 0; i < s.kernel_h; ++i) {
    for (int j = j0; j < j1; ++j) {
      const __m256 v = _mm256_maskload_ps(rows[i] + (ix + j) * cn + b.c, b.mask);
      acc = _mm256_fmadd_ps(_mm256_load_ps(a.weights + (i * s.kernel_w + j) * cp + b.c), v, acc);
    }
  }
  acc = _mm256_min_ps(_mm256_max_ps(acc, _mm256_set1_ps(a.out_min)), _mm256_set1_ps(a.out_max));
  _mm256_maskstore_ps(out + ow * cn + b.c, b.mask, acc);
}

template <bool kFull>
__m256 Load(const float* p, __m256i mask) {
  return kFull ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, mask);
}

template <bool kFull>
void Store(float* p, __m256i mask, __m256 v) {
  if (kFull) {
    _mm256_storeu_ps(p, v);
  } else {
    _mm256_maskstore_ps(p, mask, v);
  }
}

// The interior columns of one channel block, taps in registers. kCols output columns per step:
// independent FMA chains that share the input columns they read. kFull: all 8 channels exist.
template <int KH, int KW, int SW, bool kFull>
void Interior(const DwArgs& a, const float* const* rows, const Block& b, float* out) {
  constexpr int kCols = KW == 3 ? 2 : 1;  // 16 ymm: 9 taps + 2 sums + inputs; 5x5 spills anyway
  constexpr int kSpan = (kCols - 1) * SW + KW;
  const DwShape& s = *a.shape;
  const int64_t cn = s.channels, cp = s.padded_channels;
  __m256 w[KH * KW];
  for (int t = 0; t < KH * KW; ++t) w[t] = _mm256_load_ps(a.weights + t * cp + b.c);
  const __m256 bias = _mm256_load_ps(a.bias + b.c);
  const __m256 lo = _mm256_set1_ps(a.out_min), hi = _mm256_set1_ps(a.out_max);
  int64_t ow = s.interior_begin;
  for (; ow + kCols <= s.interior_end; ow += kCols) {
    const int64_t off = (ow * SW - s.pad_left) * cn + b.c;
    __m256 acc[kCols];
    for (int o = 0; o < kCols; ++o) acc[o] = bias;
    for (int i = 0; i < KH; ++i) {
      __m256 v[kSpan];
      for (int m = 0; m < kSpan; ++m) v[m] = Load<kFull>(rows[i] + off + m * cn, b.mask);
      for (int j = 0; j < KW; ++j) {
        for (int o = 0; o < kCols; ++o) {
          acc[o] = _mm256_fmadd_ps(w[i * KW + j], v[j + o * SW], acc[o]);
        }
      }
    }
    for (int o = 0; o < kCols; ++o) {
      Store<kFull>(out + (ow + o) * cn + b.c, b.mask, _mm256_min_ps(_mm256_max_ps(acc[o], lo), hi));
    }
  }
  for (; ow < s.interior_end; ++ow) {
    const int64_t off = (ow * SW - s.pad_left) * cn + b.c;
    __m256 acc = bias;
    for (int i = 0; i < KH; ++i) {
      for (int j = 0; j < KW; ++j) {
        acc = _mm256_fmadd_ps(w[i * KW + j], Load<kFull>(rows[i] + off + j * cn, b.mask), acc);
      }
    }
    Store<kFull>(out + ow * cn + b.c, b.mask, _mm256_min_ps(_mm256_max_ps(acc, lo), hi));
  }
}

template <int KH, int KW, int SW>
void Row(const DwArgs& a, const float* const* rows, float* out) {
  const DwShape& s = *a.shape;
  for (int64_t c = 0; c < s.channels; c += kLanes) {
    const int64_t left = s.channels - c;
    const Block b{c, TailMask(left)};
    for (int64_t ow = 0; ow < s.interior_begin; ++ow) EdgePixel(a, rows, ow, b, out);
    if (left >= kLanes) {
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

void DwRowsAvx2(const DwArgs& args, const float* x, float* y, int64_t row_begin, int64_t row_end) {
  const DwShape& s = *args.shape;
  const RowFn row = PickRow(s);
  const float* rows[8];
  for (int64_t r = row_begin; r < row_end; ++r) {
    KernelRows(args, x, r, rows);
    row(args, rows, y + r * s.out_w * s.channels);
  }
}

}  // namespace mota::exec::dwconv
