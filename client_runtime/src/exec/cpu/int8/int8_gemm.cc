#include "exec/cpu/int8/int8_gemm.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "exec/cpu/cpu_features.h"
#include "exec/cpu/int8/real_requant.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace mota::exec::int8 {
namespace {

// a + b + c modulo 2^32, as the vector code computes it: the terms may wrap, the true total
// fits int32 (the kernels bound K), so the wrapped total is exact.
int32_t WrappingSum(int32_t a, int32_t b, int32_t c) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b) +
                              static_cast<uint32_t>(c));
}

// Plain C++ tile: the same packed layouts as the VNNI kernel, so that it checks the packing too.
void TilePortable(const TileArgs& a, int rows, int cols, int32_t* acc) {
  for (int r = 0; r < rows; ++r) std::fill(acc + r * kNrMax, acc + r * kNrMax + cols, 0);
  const int8_t* q = a.q;
  for (int64_t t = 0; t < a.taps; ++t) {
    const uint8_t* p = a.p + a.tap_offsets[t];
    for (int64_t g = 0; g < a.k4; ++g, p += a.p_stride, q += kMr * 4) {
      for (int r = 0; r < rows; ++r) {
        const int8_t* w = q + r * 4;
        int32_t* out = acc + r * kNrMax;
        for (int j = 0; j < cols; ++j) {
          const uint8_t* x = p + j * 4;
          out[j] += x[0] * w[0] + x[1] * w[1] + x[2] * w[2] + x[3] * w[3];
        }
      }
    }
  }
}

void RequantRowPortable(const RowRequant& r, const int32_t* acc, int64_t n, uint8_t* out);

void TilePortableFused(const TileArgs& a, int rows, int cols, int32_t* acc) {
  TilePortable(a, rows, cols, acc);
  if (a.out == nullptr) return;
  for (int r = 0; r < rows; ++r) {
    RowRequant rq;
    rq.add = a.row_add[r];
    rq.mult = a.row_mult[r];
    rq.zp = a.zp, rq.lo = a.lo, rq.hi = a.hi;
    RequantRowPortable(rq, acc + r * kNrMax, cols, a.out + r * a.ldo);
  }
}

void RequantRowPortable(const RowRequant& r, const int32_t* acc, int64_t n, uint8_t* out) {
  for (int64_t j = 0; j < n; ++j) {
    const int32_t v = WrappingSum(acc[j], r.add, r.col_add != nullptr ? r.col_add[j] : 0);
    const float m = r.col_mult != nullptr ? r.col_mult[j] : r.mult;
    const float f = static_cast<float>(v) * m;
    out[j] = static_cast<uint8_t>(
        RoundSaturate(std::nearbyint(f) + static_cast<float>(r.zp), r.lo, r.hi));
  }
}

}  // namespace

const Isa& PortableIsa() {
  static const Isa isa{"portable", TilePortableFused, RequantRowPortable};
  return isa;
}

const Isa& BestIsa() {
#if defined(__x86_64__)
  const CpuFeatures& f = GetCpuFeatures();
  if (f.avx512 && f.avx512_vnni) return Avx512VnniIsa();
#endif
  return PortableIsa();
}

void PrepareEpilogue(Epilogue& e) {
  RealRow r;
  r.act = e.requant.act;
  r.y_scale = e.requant.scale;
  PrepareDivision(r);
  e.inv_y_scale = r.inv_y_scale;
  e.near = r.near;
}

void FinishRow(const Isa& isa, const Epilogue& e, const int32_t* acc, int64_t row, int64_t col,
               int64_t n, uint8_t* out) {
  const int32_t row_add = e.row_add != nullptr ? e.row_add[row] : 0;
  const int32_t* col_add = e.col_add != nullptr ? e.col_add + col : nullptr;
  if (e.requant.real_domain) {
    // Activations other than Relu / Clip: the reference's real-domain arithmetic (Requantizer::
    // Apply) on a vector row (real_requant.h: the same f32 operations, the same results).
    const Requantizer& q = e.requant;
    RealRow r;
    r.add = row_add;
    r.col_add = col_add;
    if (e.per_col) {
      r.col_scale = e.in_scale + col;
    } else {
      r.scale = e.in_scale[row];
    }
    r.act = q.act;
    r.y_scale = q.scale;
    r.zero_point = static_cast<float>(q.zero_point);
    r.lo = static_cast<float>(q.lo);
    r.hi = static_cast<float>(q.hi);
    r.u8 = q.dtype == DType::kU8;
    r.inv_y_scale = e.inv_y_scale;
    r.near = e.near;
    ActiveRealRequant().row(r, acc, n, out);
    return;
  }
  RowRequant r;
  r.add = row_add;
  r.col_add = col_add;
  if (e.per_col) {
    r.col_mult = e.mult + col;
  } else {
    r.mult = e.mult[row];
  }
  r.zp = e.requant.zero_point;
  r.lo = e.requant.lo;
  r.hi = e.requant.hi;
  isa.requant(r, acc, n, out);
}

void Interleave4(const uint8_t* const src[4], int64_t n, uint8_t flip, uint8_t* out) {
  int64_t j = 0;
#if defined(__SSE2__)
  const __m128i f = _mm_set1_epi8(static_cast<char>(flip));
  for (; j + 16 <= n; j += 16) {
    const auto load = [&](int i) {
      return _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src[i] + j)), f);
    };
    const __m128i a = load(0), b = load(1), c = load(2), d = load(3);
    const __m128i ab_lo = _mm_unpacklo_epi8(a, b), ab_hi = _mm_unpackhi_epi8(a, b);
    const __m128i cd_lo = _mm_unpacklo_epi8(c, d), cd_hi = _mm_unpackhi_epi8(c, d);
    auto* o = reinterpret_cast<__m128i*>(out + 4 * j);
    _mm_storeu_si128(o + 0, _mm_unpacklo_epi16(ab_lo, cd_lo));
    _mm_storeu_si128(o + 1, _mm_unpackhi_epi16(ab_lo, cd_lo));
    _mm_storeu_si128(o + 2, _mm_unpacklo_epi16(ab_hi, cd_hi));
    _mm_storeu_si128(o + 3, _mm_unpackhi_epi16(ab_hi, cd_hi));
  }
#endif
  for (; j < n; ++j) {
    for (int i = 0; i < 4; ++i) out[4 * j + i] = src[i][j] ^ flip;
  }
}

}  // namespace mota::exec::int8
