// The bulk fp16 conversions (F16C where the CPU has it) agree bit for bit with base/dtype.h's
// portable ones on every class of value: normal, ties, subnormal, overflow, inf, NaN.
#include "exec/vulkan/vk_half.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "base/dtype.h"

namespace mota::exec::vk {
namespace {

TEST(VkHalf, bulk_conversion_matches_the_portable_one_bit_for_bit) {
  std::vector<float> in = {0.0f,
                           -0.0f,
                           1.0f,
                           -2.5f,
                           65504.0f,
                           65520.0f,
                           1e6f,
                           6.1e-5f,
                           3e-8f,
                           5.96e-8f,
                           1e-10f,
                           0.1f,
                           1.0f / 3,
                           std::numeric_limits<float>::infinity(),
                           -std::numeric_limits<float>::infinity(),
                           std::numeric_limits<float>::quiet_NaN()};
  // Ties to even: 1 + 2^-11 (exactly between two halves) and its neighbours.
  for (uint32_t bits : {0x3f801000u, 0x3f803000u, 0x3f800fffu, 0x3f801001u}) {
    float f;
    std::memcpy(&f, &bits, 4);
    in.push_back(f);
  }
  uint32_t s = 12345;
  for (int i = 0; i < 1000; ++i) {  // random bit patterns, NaNs aside (payloads may differ)
    s = s * 1664525u + 1013904223u;
    float f;
    std::memcpy(&f, &s, 4);
    if (!std::isnan(f)) in.push_back(f);
  }
  std::vector<uint16_t> half(in.size());
  FloatsToHalves(in.data(), half.data(), in.size());  // not a multiple of 8: the tail too
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(half[i], FloatToHalf(in[i])) << i << ": " << in[i];
  }
  std::vector<float> back(half.size());
  HalvesToFloats(half.data(), back.data(), half.size());
  for (size_t i = 0; i < half.size(); ++i) {
    const float want = HalfToFloat(half[i]);
    EXPECT_TRUE(std::memcmp(&back[i], &want, 4) == 0) << i << ": " << half[i];
  }
}

}  // namespace
}  // namespace mota::exec::vk
