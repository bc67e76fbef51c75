// Prometheus metrics: counters, gauges and histograms, rendered at GET /metrics in the text
// exposition format (version 0.0.4). Thread-safe; updates are lock-free atomics.
//
//   http::MetricsRegistry& metrics = server.metrics();
//   http::Counter* rollouts = metrics.GetCounter("mota_rollout_events_total",
//                                                "Rollout state changes.", {{"event", "halt"}});
//   rollouts->Increment();
//
// Get each metric once (at registration) and keep the pointer: it stays valid as long as the
// registry. The same name and labels give the same metric. Names must match
// [a-zA-Z_:][a-zA-Z0-9_:]*; label values are escaped when rendered.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace mota::server::http {

using Labels = std::map<std::string, std::string>;

class Counter {
 public:
  void Increment(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void Set(int64_t v) { value_.store(v, std::memory_order_relaxed); }
  void Add(int64_t d) { value_.fetch_add(d, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

// Cumulative buckets with fixed upper bounds (plus +Inf), a sum and a count.
class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void Observe(double value);
  const std::vector<double>& upper_bounds() const { return bounds_; }
  // Per-bucket counts (not cumulative), the last one is +Inf.
  std::vector<uint64_t> bucket_counts() const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micro_{0};  // sum in millionths, so it can be an atomic integer
};

class MetricsRegistry {
 public:
  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  Counter* GetCounter(std::string_view name, std::string_view help, const Labels& labels = {});
  Gauge* GetGauge(std::string_view name, std::string_view help, const Labels& labels = {});
  // Bounds are used on first creation of the name; later calls reuse them.
  Histogram* GetHistogram(std::string_view name, std::string_view help,
                          std::vector<double> upper_bounds, const Labels& labels = {});

  // The whole registry in Prometheus text format, families sorted by name.
  std::string RenderText() const;

 private:
  struct Family;
  Family& GetFamily(std::string_view name, std::string_view help, const char* type);
  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Family>, std::less<>> families_;
};

// Default latency buckets in seconds: 100 us .. 10 s.
std::vector<double> DefaultLatencyBuckets();

}  // namespace mota::server::http
