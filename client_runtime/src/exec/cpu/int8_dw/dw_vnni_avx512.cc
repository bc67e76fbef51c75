// The AVX512-VNNI depthwise routines of dw_vnni.h. This file gets the AVX-512 F/BW/DQ/VL/VNNI
// flags (CMake: *_avx512.cc); vpermb (AVX512-VBMI) is added per function through a target
// attribute, and VnniDwSupported() checks both at run time.
#include <immintrin.h>

#include <cstdint>

#include "exec/cpu/int8_dw/dw_vnni.h"

#define MOTA_VBMI __attribute__((target("avx512vbmi")))

namespace mota::exec::int8_dw {
namespace {

// |round(v)| < 2^30 keeps the conversion in range; the clamp to [lo, hi] then agrees with the
// reference's saturation for any larger value (RoundSaturate).
constexpr float kBig = 1073741824.0f;

inline __mmask16 Mask16(int64_t n) {
  return n >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << n) - 1);
}

// Byte 4i + j of row sw - 1 = sw * i + j: the vpermb index gathering lane i's 4 taps from a window
// for stride sw. A constant table: building the index per plane cost ~5% of the kernel.
struct TapIndexTable {
  alignas(64) uint8_t idx[kMaxStrideW][64];
};
constexpr TapIndexTable MakeTapIndexTable() {
  TapIndexTable t{};
  for (int sw = 1; sw <= kMaxStrideW; ++sw)
    for (int i = 0; i < kLanes; ++i)
      for (int j = 0; j < 4; ++j) t.idx[sw - 1][4 * i + j] = static_cast<uint8_t>(sw * i + j);
  return t;
}
constexpr TapIndexTable kTapIndex = MakeTapIndexTable();

inline __m512i TapIndex(int64_t sw) { return _mm512_load_si512(kTapIndex.idx[sw - 1]); }

// acc += the 4-byte dot products of u8 x and s8 w per lane. In asm so that the accumulator is
// updated in place: GCC 12 copies it through another register around the intrinsic.
inline void Dot(__m512i& acc, __m512i x, __m512i w) {
  asm("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(x), "v"(w));
}

// The taps of one channel: kh * groups broadcast weight dwords, kept in registers for a plane
// when the kernel shape is a compile-time one (KH, G > 0), else read per use.
template <int KH, int G>
struct Taps {
  __m512i w[KH * G];
  Taps(const DwGeometry&, const int32_t* p) {
    for (int i = 0; i < KH * G; ++i) w[i] = _mm512_set1_epi32(p[i]);
  }
  int64_t kh() const { return KH; }
  int groups() const { return G; }
  __m512i at(int64_t i) const { return w[i]; }
};
template <>
struct Taps<0, 0> {
  const int32_t* p;
  int64_t kh_;
  int groups_;
  Taps(const DwGeometry& g, const int32_t* weights) : p(weights), kh_(g.kh), groups_(g.groups) {}
  int64_t kh() const { return kh_; }
  int groups() const { return groups_; }
  __m512i at(int64_t i) const { return _mm512_set1_epi32(p[i]); }
};

// NV vectors (16 output columns each, from column ox0) of output row oy: the exact sums plus add.
template <int NV, typename T>
inline void Sums(const DwGeometry& g, const int32_t* const* rows, const T& taps, __m512i add,
                 int64_t oy, int64_t ox0, __m512i (&acc)[NV]) {
  for (int v = 0; v < NV; ++v) acc[v] = add;
  const int32_t* const* in = rows + oy * g.sh;
  for (int64_t ky = 0; ky < taps.kh(); ++ky) {
    const int32_t* row = in[ky] + ox0;
    for (int gr = 0; gr < taps.groups(); ++gr) {
      const int32_t* src = row + g.group_phase[gr] * g.ecols + g.group_off[gr];
      const __m512i wv = taps.at(ky * taps.groups() + gr);
      for (int v = 0; v < NV; ++v) Dot(acc[v], _mm512_loadu_si512(src + v * kLanes), wv);
    }
  }
}

// The sums of NV vectors (from column ox0) of output rows oy and oy + 1: each expanded input row
// is loaded once for both rows (kernel rows r and r - sh) and multiplied by both weights. The
// kernel is load-bound: with a load per vpdpbusd the PP-OCR layers ran ~20% slower. (Three and
// four rows at a time measured no faster, two-row blocks of 5x5 slower.)
template <int NV, int SH, typename T>
inline void SumsPair(const DwGeometry& g, const int32_t* const* rows, const T& taps, __m512i add,
                     int64_t oy, int64_t ox0, __m512i (&a0)[NV], __m512i (&a1)[NV]) {
  for (int v = 0; v < NV; ++v) a0[v] = a1[v] = add;
  const int64_t kh = taps.kh(), sh = SH > 0 ? SH : g.sh;  // SH > 0: the stride as a constant
  const int32_t* const* in = rows + oy * sh;
  const int groups = taps.groups();
  for (int64_t r = 0; r < kh + sh; ++r) {
    const int32_t* row = in[r] + ox0;
    for (int gr = 0; gr < groups; ++gr) {
      const int32_t* src = row + g.group_phase[gr] * g.ecols + g.group_off[gr];
      __m512i x[NV];
      for (int v = 0; v < NV; ++v) x[v] = _mm512_loadu_si512(src + v * kLanes);
      if (r < kh) {
        const __m512i w0 = taps.at(r * groups + gr);
        for (int v = 0; v < NV; ++v) Dot(a0[v], x[v], w0);
      }
      if (r >= sh) {
        const __m512i w1 = taps.at((r - sh) * groups + gr);
        for (int v = 0; v < NV; ++v) Dot(a1[v], x[v], w1);
      }
    }
  }
}

// Pairs of output rows from row 0 (two vectors at a time, then one); returns the rows done.
template <int SH, typename T, typename Body>
inline int64_t Pairs(const DwGeometry& g, const int32_t* const* rows, const T& taps, __m512i add,
                     Body& body) {
  int64_t oy = 0;
  for (; oy + 1 < g.oh; oy += 2) {
    int64_t ox = 0;
    for (; ox + 2 * kLanes <= g.ow; ox += 2 * kLanes) {
      __m512i a0[2], a1[2];
      SumsPair<2, SH>(g, rows, taps, add, oy, ox, a0, a1);
      for (int v = 0; v < 2; ++v) body(oy, ox + v * kLanes, a0[v]);
      for (int v = 0; v < 2; ++v) body(oy + 1, ox + v * kLanes, a1[v]);
    }
    for (; ox < g.ow; ox += kLanes) {
      __m512i a0[1], a1[1];
      SumsPair<1, SH>(g, rows, taps, add, oy, ox, a0, a1);
      body(oy, ox, a0[0]);
      body(oy + 1, ox, a1[0]);
    }
  }
  return oy;
}

// Runs body(oy, ox0, acc) over the output plane: pairs of output rows, a last single row four
// vectors at a time (independent accumulators hide vpdpbusd's latency).
template <typename T, typename Body>
inline void Blocks(const DwGeometry& g, const int32_t* const* rows, const DwChannel& c, Body body) {
  const __m512i add = _mm512_set1_epi32(c.add);
  const T taps(g, c.weights);
  int64_t oy = g.sh == 1 ? Pairs<1>(g, rows, taps, add, body) : Pairs<0>(g, rows, taps, add, body);
  for (; oy < g.oh; ++oy) {
    int64_t ox = 0;
    for (; ox + 4 * kLanes <= g.ow; ox += 4 * kLanes) {
      __m512i acc[4];
      Sums<4>(g, rows, taps, add, oy, ox, acc);
      for (int v = 0; v < 4; ++v) body(oy, ox + v * kLanes, acc[v]);
    }
    for (; ox + 2 * kLanes <= g.ow; ox += 2 * kLanes) {
      __m512i acc[2];
      Sums<2>(g, rows, taps, add, oy, ox, acc);
      for (int v = 0; v < 2; ++v) body(oy, ox + v * kLanes, acc[v]);
    }
    for (; ox < g.ow; ox += kLanes) {
      __m512i acc[1];
      Sums<1>(g, rows, taps, add, oy, ox, acc);
      body(oy, ox, acc[0]);
    }
  }
}

// Blocks with the kernel shapes of the models we ship unrolled (3x3, 5x5), others generic.
template <typename Body>
inline void ForEachBlock(const DwGeometry& g, const int32_t* const* rows, const DwChannel& c,
                         Body body) {
  if (g.kh == 3 && g.groups == 1) return Blocks<Taps<3, 1>>(g, rows, c, body);
  if (g.kh == 5 && g.groups == 2) return Blocks<Taps<5, 2>>(g, rows, c, body);
  Blocks<Taps<0, 0>>(g, rows, c, body);
}

}  // namespace

bool VnniDwSupported() {
  // GCC / Clang builtins: cpuid with the OS's AVX-512 state check.
  return __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512vbmi") &&
         __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
}

MOTA_VBMI void ExpandPlaneVnni(const DwGeometry& g, const DwWindow* windows, int nwindows,
                               const uint8_t* x, int32_t* expanded) {
  const __m512i idx = TapIndex(g.sw);
  const __m512i pad = _mm512_set1_epi8(static_cast<char>(g.pad));
  const __m512i flip = _mm512_set1_epi8(g.x_i8 ? static_cast<char>(0x80) : 0);
  for (int64_t iy = 0; iy < g.used_h; ++iy) {
    // Addresses as integers: a window may start before the row (its bytes there masked off).
    const uintptr_t row = reinterpret_cast<uintptr_t>(x + iy * g.w);
    int32_t* dst = expanded + iy * g.row_dwords();
    for (int i = 0; i < nwindows; ++i) {
      const DwWindow& win = windows[i];
      const __mmask64 k = win.mask;
      const auto* src = reinterpret_cast<const uint8_t*>(row + win.start);
      const __m512i codes = _mm512_xor_si512(_mm512_maskz_loadu_epi8(k, src), flip);
      const __m512i bytes = _mm512_mask_blend_epi8(k, pad, codes);
      _mm512_storeu_si512(dst + win.dst, _mm512_permutexvar_epi8(idx, bytes));
    }
  }
}

namespace {

// The requantizing store of ConvPlaneVnni; kClamp: clamp f to +-2^30 before the conversion
// (DwChannel::small false). (Saturating narrowing stores, vpmovsdb / vpmovusdb, in place of the
// clamp to [lo, hi] made the whole kernel ~50% slower on this CPU, AMD Zen 4.)
template <bool kClamp>
void ConvPlane(const DwGeometry& g, const int32_t* const* rows, const DwChannel& c,
               const DwOut& out, uint8_t* y) {
  const __m512 mult = _mm512_set1_ps(c.mult);
  const __m512i zp = _mm512_set1_epi32(out.zero_point);
  const __m512i lo = _mm512_set1_epi32(out.lo), hi = _mm512_set1_epi32(out.hi);
  const __m512 big = _mm512_set1_ps(kBig), minus_big = _mm512_set1_ps(-kBig);
  ForEachBlock(g, rows, c, [&](int64_t oy, int64_t ox, __m512i acc) {
    // Requantizer::Apply: float(acc) * mult, rounded half to even, + zp, saturated.
    __m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(acc), mult);
    if (kClamp) f = _mm512_min_ps(_mm512_max_ps(f, minus_big), big);
    const __m512i q = _mm512_cvt_roundps_epi32(f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    const __m512i r = _mm512_min_epi32(_mm512_max_epi32(_mm512_add_epi32(q, zp), lo), hi);
    _mm512_mask_cvtepi32_storeu_epi8(y + oy * g.ow + ox, Mask16(g.ow - ox), r);
  });
}

}  // namespace

void ConvPlaneVnni(const DwGeometry& g, const int32_t* const* rows, const DwChannel& c,
                   const DwOut& out, uint8_t* y) {
  if (c.small) return ConvPlane<false>(g, rows, c, out, y);
  ConvPlane<true>(g, rows, c, out, y);
}

void AccPlaneVnni(const DwGeometry& g, const int32_t* const* rows, const DwChannel& c,
                  int32_t* acc) {
  ForEachBlock(g, rows, c, [&](int64_t oy, int64_t ox, __m512i a) {
    _mm512_mask_storeu_epi32(acc + oy * g.ow + ox, Mask16(g.ow - ox), a);
  });
}

}  // namespace mota::exec::int8_dw
