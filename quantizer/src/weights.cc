#include "quantizer/src/weights.h"

#include <algorithm>
#include <cmath>

namespace mota::quantizer {
namespace {

// Squared error of channel c quantized with `scale`.
double ChannelError(const float* v, int64_t outer, int64_t channels, int64_t inner, int64_t c, float scale) {
  double err = 0;
  for (int64_t o = 0; o < outer; ++o) {
    const float* p = v + (o * channels + c) * inner;
    for (int64_t i = 0; i < inner; ++i) {
      const float q = std::clamp(std::nearbyint(p[i] / scale), -127.0f, 127.0f) * scale;
      err += static_cast<double>(p[i] - q) * (p[i] - q);
    }
  }
  return err;
}

// The scale with the least squared error among max|w|/127 shrunk by 0% .. 30% (clipping a few
// outliers often lowers the error of all the other weights); max|w|/127 wins ties.
float BestScale(const float* v, int64_t outer, int64_t channels, int64_t inner, int64_t c, float abs_max) {
  if (!(abs_max > 0)) return 1.0f;
  float best = abs_max / 127.0f;
  double best_err = ChannelError(v, outer, channels, inner, c, best);
  for (int step = 1; step <= 30; ++step) {
    const float scale = abs_max * (1.0f - 0.01f * step) / 127.0f;
    const double err = ChannelError(v, outer, channels, inner, c, scale);
    if (err < best_err) best_err = err, best = scale;
  }
  return best;
}

}  // namespace

ChannelQuantized QuantizePerChannel(const float* values, const Shape& shape, int axis) {
  const int64_t channels = shape.empty() ? 1 : shape[axis];
  int64_t inner = 1;
  for (size_t d = axis + 1; d < shape.size(); ++d) inner *= shape[d];
  const int64_t total = NumElements(shape);
  const int64_t outer = channels * inner == 0 ? 0 : total / (channels * inner);
  ChannelQuantized q;
  q.values.resize(total);
  q.scales.assign(channels, 0.0f);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t i = 0; i < inner; ++i)
        q.scales[c] = std::max(q.scales[c], std::fabs(values[(o * channels + c) * inner + i]));
  for (int64_t c = 0; c < channels; ++c) q.scales[c] = BestScale(values, outer, channels, inner, c, q.scales[c]);
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t c = 0; c < channels; ++c) {
      for (int64_t i = 0; i < inner; ++i) {
        const int64_t at = (o * channels + c) * inner + i;
        const float r = std::nearbyint(values[at] / q.scales[c]);
        q.values[at] = static_cast<int8_t>(std::clamp(r, -127.0f, 127.0f));
      }
    }
  }
  return q;
}

}  // namespace mota::quantizer
