#include "quantizer/src/weights.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace mota::quantizer {
namespace {

TEST(Weights, PerChannelSymmetricAlongAxis0) {
  // 2 channels x 3: channel 1 is 10x channel 0, so one shared scale would lose channel 0.
  const std::vector<float> w = {0.1f, -0.2f, 0.127f, 1.0f, -2.0f, 1.27f};
  const ChannelQuantized q = QuantizePerChannel(w.data(), {2, 3}, 0);
  ASSERT_EQ(q.scales.size(), 2u);
  EXPECT_NEAR(q.scales[1] / q.scales[0], 10.0f, 1e-4f);
  for (size_t i = 0; i < w.size(); ++i) {
    const float back = q.values[i] * q.scales[i / 3];
    EXPECT_NEAR(back, w[i], q.scales[i / 3] * 0.5f + 1e-7f) << i;
    EXPECT_GE(q.values[i], -127);
  }
}

TEST(Weights, PerColumnAlongAxis1) {
  const std::vector<float> b = {1, 100, 2, -200};  // K=2 x N=2
  const ChannelQuantized q = QuantizePerChannel(b.data(), {2, 2}, 1);
  ASSERT_EQ(q.scales.size(), 2u);
  EXPECT_NEAR(q.values[3], -127, 0);  // the column's largest magnitude maps to -127
  EXPECT_NEAR(q.values[2] * q.scales[0], 2.0f, q.scales[0]);
}

TEST(Weights, AllZeroChannelGetsScaleOne) {
  const std::vector<float> w = {0, 0, 0, 1, 2, 3};
  const ChannelQuantized q = QuantizePerChannel(w.data(), {2, 3}, 0);
  EXPECT_FLOAT_EQ(q.scales[0], 1.0f);
  EXPECT_EQ(q.values[0], 0);
}

TEST(Weights, ClippingAnOutlierLowersTheChannelError) {
  // 63 small weights and one outlier: a scale below max/127 rounds the bulk more finely.
  std::vector<float> w;
  for (int i = 0; i < 63; ++i) w.push_back(0.013f * ((i * 37) % 23 - 11));
  w.push_back(0.3f);
  const ChannelQuantized q = QuantizePerChannel(w.data(), {1, 64}, 0);
  double err = 0, err_max = 0;
  const float max_scale = 0.3f / 127.0f;
  for (size_t i = 0; i < w.size(); ++i) {
    const float a = q.values[i] * q.scales[0] - w[i];
    const float b = std::clamp(std::nearbyint(w[i] / max_scale), -127.0f, 127.0f) * max_scale - w[i];
    err += a * a;
    err_max += b * b;
  }
  EXPECT_LE(err, err_max);
}

}  // namespace
}  // namespace mota::quantizer
