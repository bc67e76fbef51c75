// The byte table lookups of int8_lut.h against the plain loop, on every length class (full 64-byte
// blocks, masked tails, empty) and every index (both table halves). QLinearConcat's end-to-end
// tests (int8_ew_test.cc) run the best variant against the reference.
#include "exec/cpu/int8_ew/int8_lut.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace mota::exec::int8_ew {
namespace {

TEST(Int8Lut, VariantsMatchTheLoop) {
  std::vector<LutFn> variants = {LutPortable};
#if defined(__x86_64__)
  if (LutVbmiSupported()) variants.push_back(LutVbmi);
#endif
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> byte(0, 255);
  uint8_t table[256];
  for (uint8_t& t : table) t = static_cast<uint8_t>(byte(rng));
  for (LutFn lut : variants) {
    for (int64_t n : {0, 1, 63, 64, 65, 127, 128, 300}) {
      std::vector<uint8_t> src(static_cast<size_t>(n) + 1), dst(src.size(), 0xEE);
      for (int64_t i = 0; i < n; ++i) src[i] = static_cast<uint8_t>(i < 256 ? i : byte(rng));
      lut(table, src.data(), n, dst.data());
      for (int64_t i = 0; i < n; ++i) ASSERT_EQ(dst[i], table[src[i]]) << "n " << n << " i " << i;
      EXPECT_EQ(dst[n], 0xEE) << "wrote past n = " << n;
    }
  }
}

}  // namespace
}  // namespace mota::exec::int8_ew
