// Small helpers shared by the `mota` subcommands: NAME=VALUE arguments, printing shapes with
// symbolic dims, safe output file names, timing and memory statistics.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "model/graph.h"

namespace mota::cli {

// Splits "NAME=VALUE" at the last '=' (tensor names may contain '=' but file names and dim
// lists rarely do). `flag` names the option in the error ("--input").
Result<std::pair<std::string, std::string>> SplitNameValue(const std::string& text,
                                                           const std::string& flag,
                                                           const std::string& value_hint);

// Parses "1,3,224,224" (or "1x3x224x224"); every dim >= 0. An empty string is a scalar.
Result<Shape> ParseDims(const std::string& text);

// "[1,3,224,224]", symbolic dims by name ("[N,3,?,?]"), "[?...]" when the rank is unknown.
std::string DimsToString(const model::TensorInfo& tensor);

// A file name for a tensor: characters outside [A-Za-z0-9._-] become '_', and names that
// would be empty or hidden are prefixed. Two outputs may still sanitize to the same name:
// callers pass `used` to get a unique one ("y", "y_1", ...).
std::string SafeFileName(const std::string& tensor_name, std::vector<std::string>* used);

// Peak resident set size of this process in bytes (VmHWM, else getrusage ru_maxrss).
uint64_t PeakRssBytes();

// "13.9 MiB".
std::string HumanBytes(uint64_t bytes);

class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double ElapsedMs() const {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_)
        .count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

// Latency statistics over a set of runs (milliseconds). Percentiles use the nearest-rank rule.
struct LatencyStats {
  int runs = 0;
  double min_ms = 0, mean_ms = 0, median_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0;
};
LatencyStats ComputeLatencyStats(std::vector<double> samples_ms);

}  // namespace mota::cli
