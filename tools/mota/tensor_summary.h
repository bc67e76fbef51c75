// What `mota run` prints about a tensor: statistics over its values and the first few of them.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "exec/tensor.h"

namespace mota::cli {

struct TensorSummary {
  int64_t count = 0;
  // Over finite values only; all zero when there are none.
  double min = 0, max = 0, mean = 0;
  int64_t nan_count = 0, inf_count = 0;
  std::vector<double> first;  // up to `max_first` values in row-major order
};

TensorSummary Summarize(const exec::TensorView& tensor, size_t max_first = 8);

// "min -0.98 max 0.97 mean 0.0012 [0.1, -0.5, ...]" (+ "nan 3 inf 1" when present).
std::string SummaryToText(const TensorSummary& summary);
// {"min":..,"max":..,"mean":..,"nan_count":..,"inf_count":..,"first":[..]}.
nlohmann::json SummaryToJson(const TensorSummary& summary);

}  // namespace mota::cli
