#include "quantizer/src/ranges.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace mota::quantizer {
namespace {

TEST(Ranges, ParamsIncludeZeroSoPaddingIsExact) {
  const Int8Params p = ParamsForRange({0.5f, 2.0f});  // widened to [0, 2]
  EXPECT_FLOAT_EQ(p.scale, 2.0f / 255.0f);
  EXPECT_EQ(p.zero_point, -128);
  const Int8Params n = ParamsForRange({-3.0f, -1.0f});  // widened to [-3, 0]
  EXPECT_EQ(n.zero_point, 127);
  const Int8Params z = ParamsForRange({0.0f, 0.0f});
  EXPECT_FLOAT_EQ(z.scale, 1.0f);
  EXPECT_EQ(z.zero_point, 0);
}

TEST(Ranges, MinMaxCoversEverySample) {
  RangeCollector c;
  const std::vector<float> a = {0.1f, -2.0f, NAN, 3.0f};
  const std::vector<float> b = {5.0f, INFINITY};  // non-finite values are ignored
  c.ObserveMinMax(a.data(), 4);
  c.ObserveMinMax(b.data(), 2);
  const Range r = c.Compute(CalibrationMethod::kMinMax, 99.99);
  EXPECT_FLOAT_EQ(r.lo, -2.0f);
  EXPECT_FLOAT_EQ(r.hi, 5.0f);
}

// 100,000 values in [0, 1] and one outlier at 100: percentile and entropy clip the outlier,
// min-max keeps it.
class OutlierTest : public testing::Test {
 protected:
  void SetUp() override {
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    for (int i = 0; i < 100000; ++i) values_.push_back(u(rng));
    values_.push_back(100.0f);
    c_.ObserveMinMax(values_.data(), values_.size());
    ASSERT_TRUE(c_.needs_histogram_pass());
    c_.ObserveHistogram(values_.data(), values_.size());
  }
  std::vector<float> values_;
  RangeCollector c_;
};

TEST_F(OutlierTest, MinMaxKeepsTheOutlier) {
  EXPECT_FLOAT_EQ(c_.Compute(CalibrationMethod::kMinMax, 99.99).hi, 100.0f);
}

TEST_F(OutlierTest, PercentileClipsTheOutlier) {
  const Range r = c_.Compute(CalibrationMethod::kPercentile, 99.99);
  EXPECT_LT(r.hi, 1.2f);
  EXPECT_GE(r.hi, 0.95f);
}

// The threshold is at least 256 of the 2048 bins (one bin per level), i.e. 12.5 here.
TEST_F(OutlierTest, EntropyClipsTheOutlier) {
  const Range r = c_.Compute(CalibrationMethod::kEntropy, 99.99);
  EXPECT_LT(r.hi, 13.0f);
  EXPECT_GE(r.hi, 0.9f);
  EXPECT_NEAR(r.lo, 0.0f, 1e-3f);  // the observed minimum
}

TEST(Ranges, EntropyOfTwoSignedDataIsSymmetricAroundZero) {
  std::mt19937 rng(2);
  std::normal_distribution<float> n(0.0f, 1.0f);
  std::vector<float> v;
  for (int i = 0; i < 50000; ++i) v.push_back(n(rng));
  v.push_back(-60.0f);
  RangeCollector c;
  c.ObserveMinMax(v.data(), v.size());
  c.ObserveHistogram(v.data(), v.size());
  const Range r = c.Compute(CalibrationMethod::kEntropy, 99.99);
  EXPECT_GT(r.lo, -20.0f);  // the outlier is clipped
  EXPECT_LT(r.lo, -2.0f);   // the bulk is kept
  EXPECT_GT(r.hi, 2.0f);
}

TEST(Ranges, EntropyThresholdKeepsAllOfAUniformDistribution) {
  const std::vector<uint64_t> flat(1024, 10);
  EXPECT_GE(EntropyThresholdBin(flat, 128), 1000);
}

TEST(Ranges, MethodNamesRoundTripAndUnknownIsAnError) {
  for (auto m : {CalibrationMethod::kMinMax, CalibrationMethod::kPercentile, CalibrationMethod::kEntropy}) {
    auto parsed = ParseCalibrationMethod(CalibrationMethodName(m));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, m);
  }
  auto bad = ParseCalibrationMethod("kl");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("minmax, percentile or entropy"), std::string::npos);
}

}  // namespace
}  // namespace mota::quantizer
