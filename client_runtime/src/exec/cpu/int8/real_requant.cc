// Portable real-domain requantization rows (real_requant.h) and the variant selection.
#include "exec/cpu/int8/real_requant.h"

#include <atomic>
#include <cmath>

#include "exec/cpu/cpu_features.h"

namespace mota::exec::int8 {
namespace {

// clamp(nearbyint(v) + zp, lo, hi), NaN -> 0: quant_util.h's RoundSaturate order.
float QuantizeScaled(float v, const RealRow& r) {
  const float q = std::nearbyint(v) + r.zero_point;
  if (std::isnan(q)) return 0.0f;
  return q <= r.lo ? r.lo : (q >= r.hi ? r.hi : q);
}

void Store(const RealRow& r, void* y, int64_t j, float q) {
  if (r.u8) {
    static_cast<uint8_t*>(y)[j] = static_cast<uint8_t>(static_cast<int32_t>(q));
  } else {
    static_cast<int8_t*>(y)[j] = static_cast<int8_t>(static_cast<int32_t>(q));
  }
}

int32_t ToI32(int32_t v) { return v; }
int32_t ToI32(float v) { return static_cast<int32_t>(v); }

template <typename Acc>
void RowPortable(const RealRow& r, const Acc* acc, int64_t n, void* y) {
  for (int64_t j = 0; j < n; ++j) {
    // Wrapping i32 sum: the true total fits (the callers bound it).
    const uint32_t sum = static_cast<uint32_t>(ToI32(acc[j])) + static_cast<uint32_t>(r.add) +
                         static_cast<uint32_t>(r.col_add != nullptr ? r.col_add[j] : 0);
    const float real = static_cast<float>(static_cast<int32_t>(sum)) *
                       (r.col_scale != nullptr ? r.col_scale[j] : r.scale);
    Store(r, y, j, QuantizeScaled(r.act.Apply(real) / r.y_scale, r));
  }
}

void QuantizePortable(const RealRow& r, const float* x, int64_t n, void* y) {
  for (int64_t j = 0; j < n; ++j) Store(r, y, j, QuantizeScaled(r.act.Apply(x[j]) / r.y_scale, r));
}

int32_t CodeAt(const void* p, bool u8, int64_t j) {
  return u8 ? static_cast<const uint8_t*>(p)[j] : static_cast<const int8_t*>(p)[j];
}

void BinaryPortable(const RealRow& r, const RealBinaryOp& op, const void* a, const void* b,
                    int64_t n, void* y) {
  for (int64_t j = 0; j < n; ++j) {
    // Named volatile floats, as the reference's real tables: no fused multiply-add.
    volatile float ra = op.a_scale * static_cast<float>(CodeAt(a, r.u8, j) - op.a_zero_point);
    volatile float rb =
        op.b_scale * static_cast<float>(CodeAt(b, r.u8, op.b_scalar ? 0 : j) - op.b_zero_point);
    const float v = op.mul ? ra * rb : ra + rb;
    Store(r, y, j, QuantizeScaled(r.act.Apply(v) / r.y_scale, r));
  }
}

void TilePortable(const RealRow& r_in, const int32_t* row_add, const float* row_scale, int rows,
                  const int32_t* acc, int64_t acc_stride, int64_t n, uint8_t* y, int64_t y_stride) {
  RealRow r = r_in;
  r.col_add = nullptr;
  r.col_scale = nullptr;
  for (int i = 0; i < rows; ++i) {
    r.add = row_add[i];
    r.scale = row_scale[i];
    RowPortable(r, acc + i * acc_stride, n, y + i * y_stride);
  }
}

std::atomic<const RealRequantIsa*> g_override{nullptr};

}  // namespace

float ApplyActivationScalar(const Activation& act, float x) { return act.Apply(x); }

// Bounds, with u = 2^-24: z' = RN(act(x) * RN(1 / y_scale)) is within 4u|z| of the reference's
// z = RN(act(x) / y_scale) (three roundings), so for |z| <= 2^10 both round to the same integer
// unless z' is within 2^-12 of a half-integer; the margin is 2^-10. Larger |z| saturate on the same
// side in both (|zero point| <= 255). HardSwish's act' uses x * RN(1 / 6) (fused or not): its
// factor min(1, max(0, x / 6 + 1/2)) is then off by < 4u where |x| < 3, and exactly 0 or 1 in both
// elsewhere (RN(1 / 6) > 1 / 6), which moves z by less than (3 / y_scale) * 2^-22; the margin adds
// twice that. Zero, subnormal or non-finite scales and reciprocals always divide.
void PrepareDivision(RealRow& r) {
  constexpr float kMinNormal = 0x1p-126f, kMaxFinite = 0x1.fffffep127f;
  r.inv_y_scale = 0.0f;
  r.near = -1.0f;
  if (!(r.y_scale >= kMinNormal && r.y_scale <= kMaxFinite)) return;
  const float inv = 1.0f / r.y_scale;
  if (!(inv >= kMinNormal && inv <= kMaxFinite)) return;
  float margin = 0x1p-10f;
  if (r.act.kind == ActivationKind::kHardSwish) margin += 3.0f / r.y_scale * 0x1p-21f;
  if (margin >= 0.25f) return;
  r.inv_y_scale = inv;
  r.near = 0.5f - margin;
}

const RealRequantIsa& PortableRealRequant() {
  static const RealRequantIsa isa{"portable",       RowPortable<int32_t>, RowPortable<float>,
                                  QuantizePortable, BinaryPortable,       TilePortable};
  return isa;
}

int AvailableRealRequant(const RealRequantIsa** out, int capacity) {
  int n = 0;
  auto add = [&](const RealRequantIsa& isa) {
    if (n < capacity) out[n++] = &isa;
  };
#if defined(__x86_64__)
  const CpuFeatures& f = GetCpuFeatures();
  if (f.avx512) add(Avx512RealRequant());
  if (f.avx2) add(Avx2RealRequant());
#endif
  add(PortableRealRequant());
  return n;
}

const RealRequantIsa& ActiveRealRequant() {
  if (const RealRequantIsa* isa = g_override.load(std::memory_order_acquire)) return *isa;
  static const RealRequantIsa* best = [] {
    const RealRequantIsa* all[3];
    AvailableRealRequant(all, 3);
    return all[0];
  }();
  return *best;
}

void OverrideRealRequantForTest(const RealRequantIsa* isa) {
  g_override.store(isa, std::memory_order_release);
}

}  // namespace mota::exec::int8
