// The vector real-domain requantization rows of real_requant.h, written once on GCC/Clang vector
// types and compiled per ISA. The including file (real_requant_avx512.cc, real_requant_avx2.cc)
// defines MOTA_RR_NS and, in namespace mota::exec::int8::MOTA_RR_NS, kL (16 or 8 lanes), VF
// (kL x f32), VI (kL x i32), VF Round(VF) (nearbyint, ties to even), VI WidenCodes(const
// uint8_t* p, bool u8) (kL i8 / u8 codes as i32), VF NoFuse(VF) (an optimization barrier that
// keeps a product rounded to f32, so no FMA forms: the reference has none) and bool AllLanes(VI)
// (every lane of a comparison set), then includes this file and calls MOTA_RR_DEFINE_ISA(name,
// "isa").
//
// Everything has internal linkage and uses no std:: function: an inline function shared with a
// file compiled for a lesser ISA could otherwise be merged by the linker into code that runs on
// CPUs without this ISA. Sigmoid and Tanh go through ApplyActivationScalar (a baseline file).
#pragma once

#include <cstdint>

#include "exec/cpu/int8/real_requant.h"

#ifndef MOTA_RR_NS
#error "define MOTA_RR_NS, kL, VF, VI, Round and NoFuse before including real_requant_impl.h"
#endif

namespace mota::exec::int8::MOTA_RR_NS {
namespace {

typedef int8_t VB __attribute__((vector_size(kL)));
typedef uint8_t VU __attribute__((vector_size(kL)));
typedef uint32_t VUI __attribute__((vector_size(kL * 4)));  // i32 sums that wrap

template <typename V, typename T>
inline V Load(const T* p) {
  V v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
inline void StoreF(float* p, VF v) { __builtin_memcpy(p, &v, sizeof v); }
inline VF SplatF(float s) { return s - VF{}; }  // s - (+0) == s exactly, -0 included

// Stores kL codes q (integral, in range) as i8 / u8.
inline void StoreCodes(VF q, const RealRow& r, uint8_t* dst) {
  const VI i = __builtin_convertvector(q, VI);
  if (r.u8) {
    const VU b = __builtin_convertvector(i, VU);
    __builtin_memcpy(dst, &b, sizeof b);
  } else {
    const VB b = __builtin_convertvector(i, VB);
    __builtin_memcpy(dst, &b, sizeof b);
  }
}

// clamp(nearbyint(v) + zp, lo, hi), NaN -> 0, stored as kL i8 / u8 codes.
inline void QuantizeStore(VF v, const RealRow& r, uint8_t* dst) {
  VF q = Round(v) + r.zero_point;
  q = Max(SplatF(r.lo), q);  // q <= lo ? lo : q, NaN kept
  q = Min(SplatF(r.hi), q);  // q >= hi ? hi : q, NaN kept
  StoreCodes(q == q ? q : VF{}, r, dst);
}

// Activation::Apply on kL lanes for kind K, with its f32 operations in its order: std::min(a, b)
// is (b < a ? b : a) = Min(b, a) and std::max(a, b) is (a < b ? b : a) = Max(b, a), so NaN and
// signed zeros come out as in the scalar code.
template <ActivationKind K>
inline VF Act(VF x, VF alpha, VF beta, const Activation& act) {
  const VF zero{};
  const VF one = SplatF(1.0f);
  if constexpr (K == ActivationKind::kNone) {
    return x;
  } else if constexpr (K == ActivationKind::kRelu) {
    return Max(x, zero);
  } else if constexpr (K == ActivationKind::kClip) {
    return Min(beta, Max(alpha, x));
  } else if constexpr (K == ActivationKind::kLeakyRelu) {
    return x >= zero ? x : alpha * x;
  } else if constexpr (K == ActivationKind::kHardSigmoid) {
    return Max(Min(NoFuse(alpha * x) + beta, one), zero);
  } else if constexpr (K == ActivationKind::kHardSwish) {
    return x * Max(Min(x / SplatF(6.0f) + SplatF(0.5f), one), zero);
  } else {  // Sigmoid, Tanh
    float lanes[kL];
    StoreF(lanes, x);
    for (int l = 0; l < kL; ++l) lanes[l] = ApplyActivationScalar(act, lanes[l]);
    return Load<VF>(lanes);
  }
}

// RealRow's PrepareDivision fields, as the rows read them.
struct Divider {
  float inv_y_scale, near;
};

// QuantizeStore(act(x) / y_scale) as the reference computes it: from act'(x) * RN(1 / y_scale)
// when no lane is near a tie (PrepareDivision), else with the divisions. The fast path reuses its
// rounding and needs no NaN mapping (every lane passed the check, so every lane is finite).
template <ActivationKind K>
inline void ScaledQuantizeStore(VF x, VF alpha, VF beta, const RealRow& r, const Divider& d,
                                uint8_t* dst) {
  VF a;
  if constexpr (K == ActivationKind::kHardSwish) {
    a = x * Max(Min(x * SplatF(1.0f / 6.0f) + SplatF(0.5f), SplatF(1.0f)), VF{});
  } else {
    a = Act<K>(x, alpha, beta, r.act);
  }
  const VF z = a * d.inv_y_scale;
  const VF rz = Round(z);
  const VF f = z - rz;
  const VF abs_f = (VF)((VI)f & 0x7fffffff);
  if (AllLanes(abs_f <= d.near)) {  // NaN and infinities fail
    const VF q = rz + r.zero_point;
    StoreCodes(Min(SplatF(r.hi), Max(SplatF(r.lo), q)), r, dst);
    return;
  }
  QuantizeStore(Act<K>(x, alpha, beta, r.act) / r.y_scale, r, dst);
}

template <ActivationKind K>
struct Kind {
  static constexpr ActivationKind value = K;
};

// Calls f(Kind<k>{}): one loop specialized per activation.
template <typename F>
inline void WithKind(ActivationKind k, F f) {
  switch (k) {
    case ActivationKind::kNone:
      return f(Kind<ActivationKind::kNone>{});
    case ActivationKind::kRelu:
      return f(Kind<ActivationKind::kRelu>{});
    case ActivationKind::kClip:
      return f(Kind<ActivationKind::kClip>{});
    case ActivationKind::kLeakyRelu:
      return f(Kind<ActivationKind::kLeakyRelu>{});
    case ActivationKind::kHardSigmoid:
      return f(Kind<ActivationKind::kHardSigmoid>{});
    case ActivationKind::kHardSwish:
      return f(Kind<ActivationKind::kHardSwish>{});
    case ActivationKind::kSigmoid:
      return f(Kind<ActivationKind::kSigmoid>{});
    case ActivationKind::kTanh:
      return f(Kind<ActivationKind::kTanh>{});
  }
}

// kL accumulators as i32 bits: i32 as they are, f32 (exact integers) converted.
inline VUI LoadAcc(const int32_t* p) { return Load<VUI>(p); }
inline VUI LoadAcc(const float* p) { return (VUI) __builtin_convertvector(Load<VF>(p), VI); }

// The K functions work on local copies of their parameters: stores through uint8_t* may alias
// anything whose address is visible, which would reload every field per vector.
template <ActivationKind K, typename Acc>
void RowK(const RealRow& r_in, const Acc* acc, int64_t n, uint8_t* y) {
  const RealRow r = r_in;
  const VF alpha = SplatF(r.act.alpha), beta = SplatF(r.act.beta), scale = SplatF(r.scale);
  const VUI add = static_cast<uint32_t>(r.add) - VUI{};
  const Divider d{r.inv_y_scale, r.near};
  auto step = [&](const Acc* a, const int32_t* ca, const float* cs, uint8_t* dst) {
    VUI sum = LoadAcc(a) + add;
    if (ca != nullptr) sum += Load<VUI>(ca);
    const VF s = cs != nullptr ? Load<VF>(cs) : scale;
    const VF real = NoFuse(__builtin_convertvector((VI)sum, VF) * s);
    ScaledQuantizeStore<K>(real, alpha, beta, r, d, dst);
  };
  int64_t j = 0;
  for (; j + kL <= n; j += kL)
    step(acc + j, r.col_add != nullptr ? r.col_add + j : nullptr,
         r.col_scale != nullptr ? r.col_scale + j : nullptr, y + j);
  if (j == n) return;
  // The tail through zero-filled stack buffers.
  Acc ta[kL] = {};
  int32_t tc[kL] = {};
  float ts[kL] = {};
  uint8_t ty[kL] = {};
  const int64_t m = n - j;
  __builtin_memcpy(ta, acc + j, m * sizeof(Acc));
  if (r.col_add != nullptr) __builtin_memcpy(tc, r.col_add + j, m * sizeof(int32_t));
  if (r.col_scale != nullptr) __builtin_memcpy(ts, r.col_scale + j, m * sizeof(float));
  step(ta, r.col_add != nullptr ? tc : nullptr, r.col_scale != nullptr ? ts : nullptr, ty);
  __builtin_memcpy(y + j, ty, m);
}

// RealRequantIsa::tile: the rows of a GEMM tile in one call, the constants set up once.
template <ActivationKind K>
void TileK(const RealRow& r_in, const int32_t* row_add, const float* row_scale, int rows,
           const int32_t* acc, int64_t acc_stride, int64_t n, uint8_t* y, int64_t y_stride) {
  const RealRow r = r_in;
  const VF alpha = SplatF(r.act.alpha), beta = SplatF(r.act.beta);
  const Divider d{r.inv_y_scale, r.near};
  for (int i = 0; i < rows; ++i) {
    const VUI add = static_cast<uint32_t>(row_add[i]) - VUI{};
    const VF scale = SplatF(row_scale[i]);
    const int32_t* a = acc + i * acc_stride;
    uint8_t* out = y + i * y_stride;
    const auto step = [&](const int32_t* pa, uint8_t* dst) {
      const VF real = NoFuse(__builtin_convertvector((VI)(LoadAcc(pa) + add), VF) * scale);
      ScaledQuantizeStore<K>(real, alpha, beta, r, d, dst);
    };
    int64_t j = 0;
    for (; j + kL <= n; j += kL) step(a + j, out + j);
    if (j == n) continue;
    int32_t ta[kL] = {};
    uint8_t ty[kL] = {};
    __builtin_memcpy(ta, a + j, (n - j) * sizeof(int32_t));
    step(ta, ty);
    __builtin_memcpy(out + j, ty, n - j);
  }
}

template <ActivationKind K>
void QuantizeK(const RealRow& r_in, const float* x, int64_t n, uint8_t* y) {
  const RealRow r = r_in;
  const VF alpha = SplatF(r.act.alpha), beta = SplatF(r.act.beta);
  const Divider d{r.inv_y_scale, r.near};
  int64_t j = 0;
  for (; j + kL <= n; j += kL) ScaledQuantizeStore<K>(Load<VF>(x + j), alpha, beta, r, d, y + j);
  if (j == n) return;
  float tx[kL] = {};
  uint8_t ty[kL] = {};
  __builtin_memcpy(tx, x + j, (n - j) * sizeof(float));
  ScaledQuantizeStore<K>(Load<VF>(tx), alpha, beta, r, d, ty);
  __builtin_memcpy(y + j, ty, n - j);
}

template <ActivationKind K>
void BinaryK(const RealRow& r_in, const RealBinaryOp& op_in, const uint8_t* a, const uint8_t* b,
             int64_t n, uint8_t* y) {
  const RealRow r = r_in;
  const RealBinaryOp op = op_in;
  const VF alpha = SplatF(r.act.alpha), beta = SplatF(r.act.beta);
  const VF sa = SplatF(op.a_scale), sb = SplatF(op.b_scale);
  const Divider d{r.inv_y_scale, r.near};
  // real(q) rounded to f32 before the op (NoFuse), as the reference's real tables.
  const auto real = [](VI codes, int32_t zp, VF scale) {
    return NoFuse(scale * __builtin_convertvector(codes - zp, VF));
  };
  const int32_t b0 = r.u8 ? b[0] : static_cast<int8_t>(b[0]);
  const VF rb_scalar = real(b0 - VI{}, op.b_zero_point, sb);
  const auto step = [&](const uint8_t* pa, const uint8_t* pb, uint8_t* dst) {
    const VF ra = real(WidenCodes(pa, r.u8), op.a_zero_point, sa);
    const VF rb = op.b_scalar ? rb_scalar : real(WidenCodes(pb, r.u8), op.b_zero_point, sb);
    const VF v = NoFuse(op.mul ? ra * rb : ra + rb);
    ScaledQuantizeStore<K>(v, alpha, beta, r, d, dst);
  };
  int64_t j = 0;
  for (; j + kL <= n; j += kL) step(a + j, op.b_scalar ? b : b + j, y + j);
  if (j == n) return;
  uint8_t ta[kL] = {}, tb[kL] = {}, ty[kL] = {};
  __builtin_memcpy(ta, a + j, n - j);
  if (!op.b_scalar) __builtin_memcpy(tb, b + j, n - j);
  step(ta, op.b_scalar ? b : tb, ty);
  __builtin_memcpy(y + j, ty, n - j);
}

void Binary(const RealRow& r, const RealBinaryOp& op, const void* a, const void* b, int64_t n,
            void* y) {
  WithKind(r.act.kind, [&](auto kind) {
    BinaryK<decltype(kind)::value>(r, op, static_cast<const uint8_t*>(a),
                                   static_cast<const uint8_t*>(b), n, static_cast<uint8_t*>(y));
  });
}

void Tile(const RealRow& r, const int32_t* row_add, const float* row_scale, int rows,
          const int32_t* acc, int64_t acc_stride, int64_t n, uint8_t* y, int64_t y_stride) {
  WithKind(r.act.kind, [&](auto kind) {
    TileK<decltype(kind)::value>(r, row_add, row_scale, rows, acc, acc_stride, n, y, y_stride);
  });
}

void Row(const RealRow& r, const int32_t* acc, int64_t n, void* y) {
  WithKind(r.act.kind,
           [&](auto kind) { RowK<decltype(kind)::value>(r, acc, n, static_cast<uint8_t*>(y)); });
}

void RowF32(const RealRow& r, const float* acc, int64_t n, void* y) {
  WithKind(r.act.kind,
           [&](auto kind) { RowK<decltype(kind)::value>(r, acc, n, static_cast<uint8_t*>(y)); });
}

void Quantize(const RealRow& r, const float* x, int64_t n, void* y) {
  WithKind(r.act.kind,
           [&](auto kind) { QuantizeK<decltype(kind)::value>(r, x, n, static_cast<uint8_t*>(y)); });
}

}  // namespace
}  // namespace mota::exec::int8::MOTA_RR_NS

#define MOTA_RR_DEFINE_ISA(fn, isa_name)                                                   \
  const ::mota::exec::int8::RealRequantIsa& fn() {                                         \
    namespace k = ::mota::exec::int8::MOTA_RR_NS;                                          \
    static const ::mota::exec::int8::RealRequantIsa isa{isa_name,    k::Row,    k::RowF32, \
                                                        k::Quantize, k::Binary, k::Tile};  \
    return isa;                                                                            \
  }
