#include "quantizer/src/ranges.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace mota::quantizer {

const char* CalibrationMethodName(CalibrationMethod method) {
  switch (method) {
    case CalibrationMethod::kMinMax: return "minmax";
    case CalibrationMethod::kPercentile: return "percentile";
    case CalibrationMethod::kEntropy: return "entropy";
  }
  return "minmax";
}

Result<CalibrationMethod> ParseCalibrationMethod(const std::string& name) {
  if (name == "minmax") return CalibrationMethod::kMinMax;
  if (name == "percentile") return CalibrationMethod::kPercentile;
  if (name == "entropy") return CalibrationMethod::kEntropy;
  return InvalidArgument("unknown calibration method '", name,
                         "'; expected minmax, percentile or entropy");
}

Int8Params ParamsForRange(Range range) {
  const float lo = std::min(range.lo, 0.0f);
  const float hi = std::max(range.hi, 0.0f);
  Int8Params p;
  if (!(hi - lo > 0) || !std::isfinite(hi - lo)) return p;  // constant zero: any scale is exact
  p.scale = (hi - lo) / 255.0f;
  const float zp = -128.0f - lo / p.scale;
  p.zero_point = static_cast<int32_t>(std::clamp(std::nearbyint(zp), -128.0f, 127.0f));
  return p;
}

void RangeCollector::ObserveMinMax(const float* values, int64_t count) {
  for (int64_t i = 0; i < count; ++i) {
    const float v = values[i];
    if (!std::isfinite(v)) continue;
    if (!observed_) {
      lo_ = hi_ = v;
      observed_ = true;
    }
    lo_ = std::min(lo_, v);
    hi_ = std::max(hi_, v);
  }
}

void RangeCollector::ObserveHistogram(const float* values, int64_t count) {
  if (!needs_histogram_pass()) return;
  if (histogram_.empty()) histogram_.assign(kBins, 0);
  const double inv_width = kBins / (static_cast<double>(hi_) - lo_);
  for (int64_t i = 0; i < count; ++i) {
    const float v = values[i];
    if (!std::isfinite(v)) continue;
    const int bin = static_cast<int>((static_cast<double>(v) - lo_) * inv_width);
    ++histogram_[std::clamp(bin, 0, kBins - 1)];
  }
}

float RangeCollector::BinEdge(int bin) const {
  return static_cast<float>(lo_ + (static_cast<double>(hi_) - lo_) * bin / kBins);
}

Range RangeCollector::Compute(CalibrationMethod method, double percentile) const {
  if (histogram_.empty() || method == CalibrationMethod::kMinMax) return min_max();
  if (method == CalibrationMethod::kPercentile) return Percentile(percentile);
  return Entropy();
}

Range RangeCollector::Percentile(double percentile) const {
  uint64_t total = 0;
  for (uint64_t c : histogram_) total += c;
  const double tail = total * (100.0 - percentile) / 100.0;
  int lo_bin = 0, hi_bin = kBins - 1;
  double seen = 0;
  while (lo_bin < kBins - 1 && seen + histogram_[lo_bin] <= tail) seen += histogram_[lo_bin++];
  seen = 0;
  while (hi_bin > lo_bin && seen + histogram_[hi_bin] <= tail) seen += histogram_[hi_bin--];
  return {lo_bin == 0 ? lo_ : BinEdge(lo_bin), hi_bin == kBins - 1 ? hi_ : BinEdge(hi_bin + 1)};
}

// Entropy calibration clips the side with the larger magnitude: for a one-signed tensor (after
// ReLU) all 256 levels cover [0, T]; a two-signed one is treated as |x| with 128 levels a side.
Range RangeCollector::Entropy() const {
  if (lo_ >= 0 || hi_ <= 0) {
    const bool positive = lo_ >= 0;
    std::vector<uint64_t> bins(histogram_);
    if (!positive) std::reverse(bins.begin(), bins.end());
    // The bin at zero holds ReLU's exact zeros, which every range represents exactly; left in,
    // that spike makes any merging of bins look costly and drives the threshold far too low.
    if ((positive ? lo_ : hi_) == 0) bins[0] = 0;
    const int end = EntropyThresholdBin(bins, 256);
    if (positive) return {lo_, BinEdge(end)};
    return {BinEdge(kBins - end), hi_};
  }
  // |x| histogram with the same bin width, folded at zero.
  const float width = (hi_ - lo_) / kBins;
  const float abs_max = std::max(-lo_, hi_);
  const int abs_bins = std::max(1, static_cast<int>(std::ceil(abs_max / width)));
  std::vector<uint64_t> folded(abs_bins, 0);
  for (int b = 0; b < kBins; ++b) {
    const float center = lo_ + (b + 0.5f) * width;
    const int fb = std::min(abs_bins - 1, static_cast<int>(std::fabs(center) / width));
    folded[fb] += histogram_[b];
  }
  const int end = EntropyThresholdBin(folded, 128);
  const float t = end * width;
  return {std::max(lo_, -t), std::min(hi_, t)};
}

namespace {

double KlDivergence(const std::vector<double>& p, const std::vector<double>& q) {
  double psum = 0, qsum = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    psum += p[i];
    qsum += q[i];
  }
  if (psum <= 0 || qsum <= 0) return std::numeric_limits<double>::infinity();
  double kl = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] <= 0) continue;
    // A bin Q leaves empty (only the clipped tail landed there) is smoothed, not infinite.
    const double qi = std::max(q[i] / qsum, 1e-12);
    kl += (p[i] / psum) * std::log((p[i] / psum) / qi);
  }
  return kl;
}

// Q: P's first `end` bins merged into `levels` groups, each group's mass spread evenly over the
// group's nonzero bins (zero bins stay zero, so Q is absolutely continuous w.r.t. P).
std::vector<double> QuantizeDistribution(const std::vector<double>& p, int levels) {
  const int end = static_cast<int>(p.size());
  std::vector<double> q(end, 0);
  for (int l = 0; l < levels; ++l) {
    const int start = static_cast<int>(static_cast<int64_t>(l) * end / levels);
    const int stop = static_cast<int>(static_cast<int64_t>(l + 1) * end / levels);
    double mass = 0;
    int nonzero = 0;
    for (int i = start; i < stop; ++i) {
      mass += p[i];
      nonzero += p[i] > 0;
    }
    for (int i = start; i < stop; ++i)
      if (p[i] > 0) q[i] = mass / nonzero;
  }
  return q;
}

}  // namespace

int EntropyThresholdBin(const std::vector<uint64_t>& bins, int levels) {
  const int n = static_cast<int>(bins.size());
  if (n <= levels) return n;
  int best = n;
  double best_kl = std::numeric_limits<double>::infinity();
  const int step = std::max(1, (n - levels) / 128);
  for (int end = levels; end <= n; end += step) {
    // As TensorRT: P is the clipped distribution (the tail moved into the last kept bin), Q the
    // kept bins alone quantized to `levels` levels.
    std::vector<double> kept(bins.begin(), bins.begin() + end);
    std::vector<double> p = kept;
    for (int i = end; i < n; ++i) p[end - 1] += static_cast<double>(bins[i]);
    const double kl = KlDivergence(p, QuantizeDistribution(kept, levels));
    if (kl < best_kl) {
      best_kl = kl;
      best = end;
    }
  }
  return best;
}

}  // namespace mota::quantizer
