// Buckets: stable, monotone in the percentage, evenly spread, independent across models.
#include "manifests/lib/rollout/bucket.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace mota::rollout {
namespace {

std::string RandomId(std::mt19937_64& rng) {
  static const char kHex[] = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 32; ++i) id.push_back(kHex[rng() % 16]);
  return id;
}

// The documented byte string fixes the value: a change here breaks every device's bucket.
TEST(Bucket, is_fixed_by_the_documented_formula) {
  Result<int64_t> b = Bucket("00112233445566778899aabbccddeeff", "mobilenet_v2");
  ASSERT_TRUE(b.ok()) << b.status().message();
  // sha256("mota-rollout-bucket-v1\0mobilenet_v2\000112233445566778899aabbccddeeff"): first 8
  // bytes big-endian mod 10000, computed independently with Python's hashlib.
  EXPECT_EQ(b.value(), 8242);
}

TEST(Bucket, device_in_at_10_percent_stays_in_at_50) {
  std::mt19937_64 rng(7);
  int in_at_10 = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string id = RandomId(rng);
    const int64_t b = Bucket(id, "mobilenet_v2").value();
    EXPECT_EQ(b, Bucket(id, "mobilenet_v2").value()) << "bucket of " << id << " not stable";
    if (InRollout(b, 1000)) {
      ++in_at_10;
      EXPECT_TRUE(InRollout(b, 5000)) << id << " in at 10% but out at 50%";
      EXPECT_TRUE(InRollout(b, 10000)) << id;
    }
  }
  EXPECT_GT(in_at_10, 0);
}

TEST(Bucket, hundred_thousand_ids_at_10_percent_land_within_half_a_point) {
  std::mt19937_64 rng(42);
  constexpr int kIds = 100000;
  int in = 0, in_other_model = 0, in_both = 0;
  for (int i = 0; i < kIds; ++i) {
    const std::string id = RandomId(rng);
    const bool a = InRollout(Bucket(id, "mobilenet_v2").value(), 1000);
    const bool b = InRollout(Bucket(id, "resnet18").value(), 1000);
    in += a;
    in_other_model += b;
    in_both += a && b;
  }
  // Binomial(100000, 0.1): sd = 95 devices; 500 is over 5 sd.
  EXPECT_NEAR(in, 10000, 500);
  EXPECT_NEAR(in_other_model, 10000, 500);
  // Independent across models: about 1% are early for both, not 10%.
  EXPECT_NEAR(in_both, 1000, 200);
}

TEST(Bucket, every_bucket_is_reached_evenly) {
  std::mt19937_64 rng(3);
  std::vector<int> deciles(10, 0);
  for (int i = 0; i < 50000; ++i) ++deciles[Bucket(RandomId(rng), "m").value() / 1000];
  for (int n : deciles) EXPECT_NEAR(n, 5000, 400);
}

TEST(Bucket, bad_install_id_or_model_is_refused) {
  EXPECT_FALSE(Bucket("", "m").ok());
  EXPECT_FALSE(Bucket(std::string(kMaxInstallIdBytes + 1, 'a'), "m").ok());
  Result<int64_t> b = Bucket("id", "Bad Model");
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("Bad Model"), std::string::npos) << b.status().message();
}

TEST(InstallIdHash, differs_from_the_id_and_is_stable) {
  Result<std::string> h = InstallIdHash("device-1");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h.value().size(), 64u);
  EXPECT_EQ(h.value(), InstallIdHash("device-1").value());
  EXPECT_NE(h.value(), InstallIdHash("device-2").value());
}

TEST(Percent, parses_and_formats_basis_points) {
  EXPECT_EQ(ParsePercent("10").value(), 1000);
  EXPECT_EQ(ParsePercent("12.5").value(), 1250);
  EXPECT_EQ(ParsePercent("0.25").value(), 25);
  EXPECT_EQ(ParsePercent("100%").value(), 10000);
  for (const char* bad : {"", "101", "1.234", "-1", "ten", "5.", ".5", "1e2"}) {
    Result<int64_t> p = ParsePercent(bad);
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_NE(p.status().message().find(std::string("'") + bad + "'"), std::string::npos);
  }
  EXPECT_EQ(FormatBasisPoints(1250), "12.5%");
  EXPECT_EQ(FormatBasisPoints(25), "0.25%");
  EXPECT_EQ(FormatBasisPoints(10000), "100%");
}

}  // namespace
}  // namespace mota::rollout
