// Error metrics between a reference (fp32) value and a quantized model's value, accumulated over
// samples: cosine similarity, SQNR in dB and the largest absolute difference.
#pragma once

#include <cstdint>

namespace mota::quantizer {

// SQNR of a result with no error at all; JSON has no infinity.
constexpr double kExactSqnrDb = 200.0;

struct ErrorMetrics {
  double cosine = 1;
  double sqnr_db = kExactSqnrDb;
  double max_abs = 0;
};

class ErrorAccumulator {
 public:
  void Add(const float* reference, const float* value, int64_t count);
  ErrorMetrics Get() const;
  bool empty() const { return count_ == 0; }

 private:
  double dot_ = 0, ref_sq_ = 0, value_sq_ = 0, err_sq_ = 0, max_abs_ = 0;
  int64_t count_ = 0;
};

}  // namespace mota::quantizer
