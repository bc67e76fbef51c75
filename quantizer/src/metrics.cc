#include "quantizer/src/metrics.h"

#include <algorithm>
#include <cmath>

namespace mota::quantizer {

void ErrorAccumulator::Add(const float* reference, const float* value, int64_t count) {
  for (int64_t i = 0; i < count; ++i) {
    const double r = reference[i], v = value[i], e = r - v;
    dot_ += r * v;
    ref_sq_ += r * r;
    value_sq_ += v * v;
    err_sq_ += e * e;
    max_abs_ = std::max(max_abs_, std::fabs(e));
  }
  count_ += count;
}

ErrorMetrics ErrorAccumulator::Get() const {
  ErrorMetrics m;
  m.max_abs = max_abs_;
  if (err_sq_ > 0) {
    m.sqnr_db = ref_sq_ > 0 ? std::min(kExactSqnrDb, 10.0 * std::log10(ref_sq_ / err_sq_)) : -kExactSqnrDb;
    m.sqnr_db = std::max(m.sqnr_db, -kExactSqnrDb);
  }
  if (ref_sq_ > 0 && value_sq_ > 0) {
    m.cosine = dot_ / (std::sqrt(ref_sq_) * std::sqrt(value_sq_));
  } else {
    m.cosine = (ref_sq_ == 0 && value_sq_ == 0) ? 1.0 : 0.0;  // one side all zeros
  }
  return m;
}

}  // namespace mota::quantizer
