// Weight transforms: per-channel symmetric int8 and fp16.
#pragma once

#include <cstdint>
#include <vector>

#include "base/dtype.h"

namespace mota::quantizer {

struct ChannelQuantized {
  std::vector<int8_t> values;  // same layout as the input
  std::vector<float> scales;   // one per index of `axis`
};

// Symmetric per-channel int8 along `axis` of `shape`: scale_c is the one among max|w_c| / 127
// and up to 30% less that gives the least squared error, q = round-half-even(w / scale_c) clamped
// to [-127, 127] (-128 unused, so negation never saturates). An all-zero channel gets scale 1.
ChannelQuantized QuantizePerChannel(const float* values, const Shape& shape, int axis);

// A copy of `size` bytes at `data` (the payload of a new constant tensor).
inline std::vector<uint8_t> ToBytes(const void* data, size_t size) {
  const auto* p = static_cast<const uint8_t*>(data);
  return std::vector<uint8_t>(p, p + size);
}

// Largest |value| an f16 holds.
constexpr float kHalfMax = 65504.0f;

}  // namespace mota::quantizer
