// Pins the seeded-input generator to values bench/ort/seeded_inputs.js produced, so the C++
// and Node implementations cannot drift apart silently.
#include "tests/models/seeded_inputs.h"

#include <gtest/gtest.h>

#include <vector>

namespace mota::tests {
namespace {

template <typename T>
std::vector<T> Values(std::string_view model, int index, DType dtype, int64_t n,
                      uint64_t seed = kDefaultInputSeed, int64_t int_range = kDefaultIntRange) {
  auto tensor = SeededInput(model, index, dtype, {n}, seed, int_range);
  EXPECT_TRUE(tensor.ok()) << tensor.status().ToString();
  if (!tensor.ok()) return {};
  const T* data = tensor->template as<T>();
  return std::vector<T>(data, data + n);
}

TEST(SeededInputs, building_blocks_match_published_values) {
  EXPECT_EQ(Fnv1a64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(Fnv1a64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(SplitMix64(0).Next(), 0xe220a8397b1dcdafull);
}

TEST(SeededInputs, f32_matches_the_node_generator) {
  EXPECT_EQ(
      Values<float>("mlp_784_256_10", 0, DType::kF32, 6),
      (std::vector<float>{0.8262932300567627f, -0.10928285121917725f, -0.6072196960449219f,
                          -0.17140424251556396f, 0.14975857734680176f, -0.29805684089660645f}));
  EXPECT_EQ(Values<float>("m", 0, DType::kF32, 4, 42),
            (std::vector<float>{0.7678958177566528f, -0.28783130645751953f, -0.5229587554931641f,
                                -0.12452733516693115f}));
}

TEST(SeededInputs, other_dtypes_match_the_node_generator) {
  EXPECT_EQ(Values<uint16_t>("m", 0, DType::kF16, 4),
            (std::vector<uint16_t>{45344, 41216, 42816, 45464}));
  EXPECT_EQ(Values<int64_t>("m", 1, DType::kI64, 6), (std::vector<int64_t>{9, 3, 10, 13, 6, 8}));
  EXPECT_EQ(Values<int32_t>("m", 1, DType::kI32, 6, kDefaultInputSeed, 1000),
            (std::vector<int32_t>{745, 715, 658, 949, 486, 600}));
  EXPECT_EQ(Values<int8_t>("m", 2, DType::kI8, 6), (std::vector<int8_t>{-74, 45, -46, 15, 79, 56}));
  EXPECT_EQ(Values<uint8_t>("m", 2, DType::kU8, 6),
            (std::vector<uint8_t>{182, 45, 210, 15, 79, 56}));
  EXPECT_EQ(Values<uint8_t>("m", 3, DType::kBool, 8),
            (std::vector<uint8_t>{0, 1, 1, 0, 0, 0, 0, 0}));
}

TEST(SeededInputs, bad_requests_are_rejected_with_the_reason) {
  auto bad_range = SeededInput("m", 0, DType::kI64, {4}, kDefaultInputSeed, 0);
  ASSERT_FALSE(bad_range.ok());
  EXPECT_NE(bad_range.status().message().find("int_range 0"), std::string::npos);
  auto bad_shape = SeededInput("m", 0, DType::kF32, {2, -1});
  ASSERT_FALSE(bad_shape.ok());
  EXPECT_NE(bad_shape.status().message().find("[2,-1]"), std::string::npos)
      << bad_shape.status().message();
}

}  // namespace
}  // namespace mota::tests
