#include "tools/mota/tensor_summary.h"

#include <cmath>
#include <cstdio>
#include <limits>

namespace mota::cli {

TensorSummary Summarize(const exec::TensorView& tensor, size_t max_first) {
  TensorSummary s;
  const std::vector<double> values = exec::ReadAsDouble(tensor);
  s.count = static_cast<int64_t>(values.size());
  double lo = std::numeric_limits<double>::infinity();
  double hi = -lo;
  double sum = 0;
  int64_t finite = 0;
  for (double v : values) {
    if (std::isnan(v)) {
      ++s.nan_count;
    } else if (std::isinf(v)) {
      ++s.inf_count;
    } else {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
      sum += v;
      ++finite;
    }
  }
  if (finite > 0) {
    s.min = lo;
    s.max = hi;
    s.mean = sum / static_cast<double>(finite);
  }
  for (size_t i = 0; i < values.size() && i < max_first; ++i) s.first.push_back(values[i]);
  return s;
}

namespace {
std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  return buf;
}
}  // namespace

std::string SummaryToText(const TensorSummary& s) {
  std::string text = "min " + Num(s.min) + " max " + Num(s.max) + " mean " + Num(s.mean);
  if (s.nan_count > 0) text += " nan " + std::to_string(s.nan_count);
  if (s.inf_count > 0) text += " inf " + std::to_string(s.inf_count);
  text += " [";
  for (size_t i = 0; i < s.first.size(); ++i) text += (i ? ", " : "") + Num(s.first[i]);
  if (static_cast<int64_t>(s.first.size()) < s.count) text += ", ...";
  return text + "]";
}

nlohmann::json SummaryToJson(const TensorSummary& s) {
  // JSON has no NaN/Inf; first-values that are not finite become null.
  nlohmann::json first = nlohmann::json::array();
  for (double v : s.first) first.push_back(std::isfinite(v) ? nlohmann::json(v) : nlohmann::json());
  return {{"min", s.min},
          {"max", s.max},
          {"mean", s.mean},
          {"nan_count", s.nan_count},
          {"inf_count", s.inf_count},
          {"first", first}};
}

}  // namespace mota::cli
