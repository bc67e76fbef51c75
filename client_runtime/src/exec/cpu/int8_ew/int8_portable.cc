// The portable int8 routines (int8_table.h): plain loops in the reference kernels' f32 order, and
// the table selection.
#include <atomic>
#include <cmath>

#include "exec/cpu/cpu_features.h"
#include "exec/cpu/int8_ew/int8_table.h"

namespace mota::exec::int8_ew {
namespace {

template <typename T>
void StoreCode(void* y, int64_t i, float q) {
  static_cast<T*>(y)[i] = static_cast<T>(static_cast<int32_t>(q));
}

// clamp(nearbyint(v) + zp) exactly as quant_util.h's RoundSaturate(nearbyint(v) + zp, lo, hi).
inline float QuantizeScaled(float v, const QOut& out) {
  const float q = std::nearbyint(v) + out.zero_point;
  if (std::isnan(q)) return 0.0f;
  return q <= out.lo ? out.lo : (q >= out.hi ? out.hi : q);
}

void Quantize(const float* x, int64_t n, float scale, const QOut& out, void* y) {
  for (int64_t i = 0; i < n; ++i) {
    const float q = QuantizeScaled(x[i] / scale, out);
    out.u8 ? StoreCode<uint8_t>(y, i, q) : StoreCode<int8_t>(y, i, q);
  }
}

inline int32_t Code(const void* q, bool u8, int64_t i) {
  return u8 ? static_cast<const uint8_t*>(q)[i] : static_cast<const int8_t*>(q)[i];
}

void Dequantize(const void* q, bool u8, int64_t n, int32_t zp, float scale, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = static_cast<float>(Code(q, u8, i) - zp) * scale;
}

void RealBinary(bool mul, const void* a, const void* b, bool b_scalar, bool u8, int64_t n,
                const QParams& qa, const QParams& qb, float* y) {
  for (int64_t i = 0; i < n; ++i) {
    // Stored to named floats first, as the reference's RealTable entries are: no fused
    // multiply-add.
    volatile float ra = qa.scale * static_cast<float>(Code(a, u8, i) - qa.zero_point);
    volatile float rb =
        qb.scale * static_cast<float>(Code(b, u8, b_scalar ? 0 : i) - qb.zero_point);
    y[i] = mul ? ra * rb : ra + rb;
  }
}

int64_t SumCodes(const void* q, bool u8, int64_t n) {
  int64_t s = 0;
  for (int64_t i = 0; i < n; ++i) s += Code(q, u8, i);
  return s;
}

// The low / high int16 halves of a tap pair (arithmetic shift: defined since C++20).
inline int32_t Lo(int32_t v) { return static_cast<int16_t>(static_cast<uint16_t>(v & 0xffff)); }
inline int32_t Hi(int32_t v) { return v >> 16; }

void DwRow(const int32_t* const* rows, const int32_t* w, int pairs, int64_t n, float* acc) {
  for (int64_t i = 0; i < n; ++i) {
    int32_t s = 0;
    for (int p = 0; p < pairs; ++p) {
      const int32_t x = rows[p][i];
      s += Lo(x) * Lo(w[p]) + Hi(x) * Hi(w[p]);
    }
    acc[i] = static_cast<float>(s);
  }
}

void PairUp(const int16_t* v, int64_t offset, int64_t n, int32_t* dst) {
  for (int64_t f = 0; f < n; ++f)
    dst[f] = static_cast<int32_t>((static_cast<uint32_t>(v[f + offset]) << 16) |
                                  static_cast<uint16_t>(v[f]));
}

void RequantRow(const float* acc, int64_t n, int32_t bias, float mult, const QOut& out, void* y) {
  for (int64_t i = 0; i < n; ++i) {
    const float v = static_cast<float>(static_cast<int32_t>(acc[i]) + bias) * mult;
    const float q = QuantizeScaled(v, out);
    out.u8 ? StoreCode<uint8_t>(y, i, q) : StoreCode<int8_t>(y, i, q);
  }
}

std::atomic<const Table*> g_override{nullptr};

}  // namespace

const Table& PortableTable() {
  static const Table table{"portable", Quantize, Dequantize, RealBinary,
                           SumCodes,   DwRow,    PairUp,     RequantRow};
  return table;
}

int AvailableTables(const Table** out, int capacity) {
  int n = 0;
  auto add = [&](const Table& t) {
    if (n < capacity) out[n++] = &t;
  };
#if defined(__x86_64__)
  const CpuFeatures& f = GetCpuFeatures();
  if (f.avx512) add(Avx512Table());
  if (f.avx2) add(Avx2Table());
#endif
  add(PortableTable());
  return n;
}

const Table& ActiveTable() {
  if (const Table* t = g_override.load(std::memory_order_acquire)) return *t;
  static const Table* best = [] {
    const Table* tables[3];
    AvailableTables(tables, 3);
    return tables[0];
  }();
  return *best;
}

void OverrideTableForTest(const Table* table) {
  g_override.store(table, std::memory_order_release);
}

}  // namespace mota::exec::int8_ew
