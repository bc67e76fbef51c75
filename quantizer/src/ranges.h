// Activation ranges from calibration: min-max, percentile, or entropy (KL divergence), and the
// int8 parameters that a range gives.
//
// Use: pass 1 feeds every sample to ObserveMinMax; for percentile and entropy, pass 2 feeds them
// again to ObserveHistogram (the histogram spans pass 1's [min, max], so it needs both passes).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace mota::quantizer {

enum class CalibrationMethod { kMinMax, kPercentile, kEntropy };
const char* CalibrationMethodName(CalibrationMethod method);
Result<CalibrationMethod> ParseCalibrationMethod(const std::string& name);

struct Range {
  float lo = 0;
  float hi = 0;
};

// Per-tensor asymmetric int8: real = scale * (q - zero_point), q in [-128, 127]. The range is
// widened to include 0 so that zero (padding, ReLU) is exact.
struct Int8Params {
  float scale = 1;
  int32_t zero_point = 0;
};
Int8Params ParamsForRange(Range range);

class RangeCollector {
 public:
  static constexpr int kBins = 2048;

  void ObserveMinMax(const float* values, int64_t count);
  bool needs_histogram_pass() const { return observed_ && hi_ > lo_; }
  void ObserveHistogram(const float* values, int64_t count);
  // The range chosen by `method` (min-max when no histogram was collected).
  Range Compute(CalibrationMethod method, double percentile) const;
  Range min_max() const { return {lo_, hi_}; }

 private:
  Range Percentile(double percentile) const;
  Range Entropy() const;
  float BinEdge(int bin) const;

  bool observed_ = false;
  float lo_ = 0, hi_ = 0;
  std::vector<uint64_t> histogram_;
};

// The threshold bin (exclusive end, in [levels, bins.size()]) whose clipped distribution loses
// the least information when quantized to `levels` levels (KL divergence, TensorRT's method).
int EntropyThresholdBin(const std::vector<uint64_t>& bins, int levels);

}  // namespace mota::quantizer
