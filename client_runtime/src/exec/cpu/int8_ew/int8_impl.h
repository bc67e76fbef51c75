// The vector int8 routines of int8_table.h, written once on 16-lane GCC/Clang vector types and
// compiled per ISA. The including file (int8_avx512.cc, int8_avx2.cc) defines MOTA_I8_NS and, in
// namespace mota::exec::int8_ew::MOTA_I8_NS, kL (the lanes: 16 or 8), the types VF (kL x f32) and
// VI (kL x i32), and:
//   VF Round(VF)    nearbyint, ties to even
//   int64_t SumBytes(const uint8_t* p, int64_t n, uint8_t flip)   sum of (p[i] ^ flip), exact
//   VI WidenCodes(const void* p, bool u8)   kL i8 / u8 codes at p as i32
//   VI MaddPairs(VI x, VI w)   vpmaddwd: lo16(x) * lo16(w) + hi16(x) * hi16(w) per i32 lane
//   VI PairUp(const int16_t* lo, const int16_t* hi)   kL i32 lanes (lo[i] low half, hi[i] high)
//   VF Min(VF a, VF b), VF Max(VF a, VF b)   a < b ? a : b and a > b ? a : b (vminps / vmaxps)
//   VF NoFuse(VF)   an optimization barrier: the value is rounded to f32 here, so a following add
//                   cannot be fused with the multiply that produced it (the reference never fuses)
// then includes this file and calls MOTA_I8_DEFINE_TABLE(name).
//
// Everything has internal linkage and uses no std:: function: an inline function shared with a
// file compiled for a lesser ISA could otherwise be merged by the linker into code that runs on
// CPUs without this ISA.
#pragma once

#include <cstdint>

#include "exec/cpu/int8_ew/int8_table.h"

#ifndef MOTA_I8_NS
#error "define MOTA_I8_NS, kL, VF, VI, Round, SumBytes, WidenCodes, MaddPairs, NoFuse first"
#endif

namespace mota::exec::int8_ew::MOTA_I8_NS {
namespace {

typedef int8_t VB __attribute__((vector_size(kL)));
typedef uint8_t VU __attribute__((vector_size(kL)));

inline VF LoadF(const float* p) {
  VF v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
inline void StoreF(float* p, VF v) { __builtin_memcpy(p, &v, sizeof v); }
inline VI LoadI(const int32_t* p) {
  VI v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
inline VF SplatF(float s) { return s - VF{}; }  // s - (+0) == s exactly, -0 included
inline VI SplatI(int32_t s) { return s - VI{}; }

// kL codes at p (i8 or u8) as i32: the ISA file's WidenCodes.
inline VI LoadCodes(const void* p, bool u8) { return WidenCodes(p, u8); }
// Stores kL integral floats already inside the code range.
inline void StoreCodes(void* p, VF q, bool u8) {
  const VI i = __builtin_convertvector(q, VI);
  if (u8) {
    const VU v = __builtin_convertvector(i, VU);
    __builtin_memcpy(p, &v, sizeof v);
  } else {
    const VB v = __builtin_convertvector(i, VB);
    __builtin_memcpy(p, &v, sizeof v);
  }
}

// clamp(nearbyint(v) + zp, lo, hi), NaN -> 0: quant_util.h's RoundSaturate order. Max(lo, q) is
// q <= lo ? lo : q and Min(hi, q) is q >= hi ? hi : q, NaN kept for the last step.
inline VF QuantizeScaled(VF v, const QOut& out) {
  const VF q = Min(SplatF(out.hi), Max(SplatF(out.lo), Round(v) + out.zero_point));
  return q == q ? q : VF{};
}
// The same for v that cannot be NaN.
inline VF QuantizeScaledFinite(VF v, const QOut& out) {
  return Min(SplatF(out.hi), Max(SplatF(out.lo), Round(v) + out.zero_point));
}

// Runs body(block_in, block_out) on full kL-element blocks, then once on a tail copied into
// zero-filled stack buffers so that the body always sees kL readable / writable elements.
template <typename In, typename Out, typename Body>
inline void Blocks(const In* in, Out* out, int64_t n, Body body) {
  int64_t i = 0;
  for (; i + kL <= n; i += kL) body(in + i, out + i);
  if (i == n) return;
  In in_buf[kL] = {};
  Out out_buf[kL] = {};
  __builtin_memcpy(in_buf, in + i, (n - i) * sizeof(In));
  body(in_buf, out_buf);
  __builtin_memcpy(out + i, out_buf, (n - i) * sizeof(Out));
}

void Quantize(const float* x, int64_t n, float scale, const QOut& out, void* y) {
  Blocks(x, static_cast<uint8_t*>(y), n, [&](const float* in, uint8_t* dst) {
    StoreCodes(dst, QuantizeScaled(LoadF(in) / scale, out), out.u8);
  });
}

void Dequantize(const void* q, bool u8, int64_t n, int32_t zp, float scale, float* y) {
  Blocks(static_cast<const uint8_t*>(q), y, n, [&](const uint8_t* in, float* dst) {
    StoreF(dst, __builtin_convertvector(LoadCodes(in, u8) - zp, VF) * scale);
  });
}

inline VF Real(VI codes, const QParams& q) {
  return NoFuse(q.scale * __builtin_convertvector(codes - q.zero_point, VF));
}

void RealBinary(bool mul, const void* a, const void* b, bool b_scalar, bool u8, int64_t n,
                const QParams& qa, const QParams& qb, float* y) {
  const uint8_t* pa = static_cast<const uint8_t*>(a);
  const uint8_t* pb = static_cast<const uint8_t*>(b);
  const int32_t b0 = u8 ? pb[0] : static_cast<int8_t>(pb[0]);
  const VF rb_scalar = Real(SplatI(b0), qb);
  int64_t i = 0;
  auto step = [&](const uint8_t* sa, const uint8_t* sb, float* dst) {
    const VF ra = Real(LoadCodes(sa, u8), qa);
    const VF rb = b_scalar ? rb_scalar : Real(LoadCodes(sb, u8), qb);
    StoreF(dst, mul ? ra * rb : ra + rb);
  };
  for (; i + kL <= n; i += kL) step(pa + i, pb + (b_scalar ? 0 : i), y + i);
  if (i == n) return;
  uint8_t ta[kL] = {}, tb[kL] = {};
  float ty[kL];
  __builtin_memcpy(ta, pa + i, n - i);
  if (!b_scalar) __builtin_memcpy(tb, pb + i, n - i);
  step(ta, tb, ty);
  __builtin_memcpy(y + i, ty, (n - i) * sizeof(float));
}

// SumBytes (the ISA file's) sums bytes with SAD; i8 codes are summed as the u8 bytes code ^ 0x80
// (code + 128), then 128 per code is taken off.
int64_t SumCodes(const void* q, bool u8, int64_t n) {
  const uint8_t* p = static_cast<const uint8_t*>(q);
  return u8 ? SumBytes(p, n, 0) : SumBytes(p, n, 0x80) - 128 * n;
}

// Four vectors per pass over the tap pairs: each weight pair is broadcast once per 4 * kL outputs.
// The i32 sums are exact; converting them to f32 is too (|sum| < 2^24).
void DwRow(const int32_t* const* rows, const int32_t* w, int pairs, int64_t n, float* acc) {
  int64_t i = 0;
  for (; i + 4 * kL <= n; i += 4 * kL) {
    VI a0{}, a1{}, a2{}, a3{};
    for (int p = 0; p < pairs; ++p) {
      const int32_t* r = rows[p] + i;
      const VI wp = SplatI(w[p]);
      a0 += MaddPairs(LoadI(r), wp);
      a1 += MaddPairs(LoadI(r + kL), wp);
      a2 += MaddPairs(LoadI(r + 2 * kL), wp);
      a3 += MaddPairs(LoadI(r + 3 * kL), wp);
    }
    StoreF(acc + i, __builtin_convertvector(a0, VF));
    StoreF(acc + i + kL, __builtin_convertvector(a1, VF));
    StoreF(acc + i + 2 * kL, __builtin_convertvector(a2, VF));
    StoreF(acc + i + 3 * kL, __builtin_convertvector(a3, VF));
  }
  for (; i < n; i += kL) {
    VI a{};
    for (int p = 0; p < pairs; ++p) a += MaddPairs(LoadI(rows[p] + i), SplatI(w[p]));
    StoreF(acc + i, __builtin_convertvector(a, VF));
  }
}

void PairUpRow(const int16_t* v, int64_t offset, int64_t n, int32_t* dst) {
  int64_t f = 0;
  for (; f + kL <= n; f += kL) {
    const VI p = PairUp(v + f, v + f + offset);
    __builtin_memcpy(dst + f, &p, sizeof p);
  }
  for (; f < n; ++f)
    dst[f] = static_cast<int32_t>((static_cast<uint32_t>(v[f + offset]) << 16) |
                                  static_cast<uint16_t>(v[f]));
}

void RequantRow(const float* acc, int64_t n, int32_t bias, float mult, const QOut& out, void* y) {
  // A finite multiplier times an integer is never NaN: no NaN mapping then.
  const bool finite = mult - mult == 0.0f;
  Blocks(acc, static_cast<uint8_t*>(y), n, [&](const float* in, uint8_t* dst) {
    const VI a = __builtin_convertvector(LoadF(in), VI) + bias;
    const VF v = __builtin_convertvector(a, VF) * mult;
    StoreCodes(dst, finite ? QuantizeScaledFinite(v, out) : QuantizeScaled(v, out), out.u8);
  });
}

}  // namespace
}  // namespace mota::exec::int8_ew::MOTA_I8_NS

#define MOTA_I8_DEFINE_TABLE(name, isa)                                                         \
  const ::mota::exec::int8_ew::Table& name() {                                                  \
    namespace k = ::mota::exec::int8_ew::MOTA_I8_NS;                                            \
    static const ::mota::exec::int8_ew::Table table{isa,           k::Quantize,  k::Dequantize, \
                                                    k::RealBinary, k::SumCodes,  k::DwRow,      \
                                                    k::PairUpRow,  k::RequantRow};              \
    return table;                                                                               \
  }
