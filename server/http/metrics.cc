#include "server/http/metrics.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace mota::server::http {

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)),
      buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::Observe(double value) {
  size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  double micro = value * 1e6;
  if (micro > 0) sum_micro_.fetch_add(static_cast<uint64_t>(std::llround(micro)),
                                       std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::bucket_counts() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  for (size_t i = 0; i < out.size(); ++i) out[i] = buckets_[i].load(std::memory_order_relaxed);
  return out;
}

double Histogram::sum() const {
  return static_cast<double>(sum_micro_.load(std::memory_order_relaxed)) / 1e6;
}

std::vector<double> DefaultLatencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
          1,      2.5,     5,      10};
}

struct MetricsRegistry::Family {
  std::string help;
  const char* type = "";
  std::vector<double> bounds;  // histograms only
  // One series per label set; unique_ptr so pointers stay valid as the map grows.
  std::map<Labels, std::unique_ptr<Counter>> counters;
  std::map<Labels, std::unique_ptr<Gauge>> gauges;
  std::map<Labels, std::unique_ptr<Histogram>> histograms;
};

MetricsRegistry::MetricsRegistry() = default;
MetricsRegistry::~MetricsRegistry() = default;

MetricsRegistry::Family& MetricsRegistry::GetFamily(std::string_view name, std::string_view help,
                                                    const char* type) {
  auto it = families_.find(name);
  if (it == families_.end()) {
    auto family = std::make_unique<Family>();
    family->help = std::string(help);
    family->type = type;
    it = families_.emplace(std::string(name), std::move(family)).first;
  }
  return *it->second;
}

Counter* MetricsRegistry::GetCounter(std::string_view name, std::string_view help,
                                     const Labels& labels) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& slot = GetFamily(name, help, "counter").counters[labels];
  if (!slot) slot = std::make_unique<Counter>();
  return slot.get();
}

Gauge* MetricsRegistry::GetGauge(std::string_view name, std::string_view help,
                                 const Labels& labels) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& slot = GetFamily(name, help, "gauge").gauges[labels];
  if (!slot) slot = std::make_unique<Gauge>();
  return slot.get();
}

Histogram* MetricsRegistry::GetHistogram(std::string_view name, std::string_view help,
                                         std::vector<double> upper_bounds, const Labels& labels) {
  std::lock_guard<std::mutex> lock(mutex_);
  Family& family = GetFamily(name, help, "histogram");
  if (family.bounds.empty()) family.bounds = std::move(upper_bounds);
  auto& slot = family.histograms[labels];
  if (!slot) slot = std::make_unique<Histogram>(family.bounds);
  return slot.get();
}

namespace {

// Label values escape backslash, double quote and newline (exposition format).
std::string Escape(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string FormatLabels(const Labels& labels, const std::string& extra_key = "",
                         const std::string& extra_value = "") {
  if (labels.empty() && extra_key.empty()) return "";
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ",";
    first = false;
    out += k + "=\"" + Escape(v) + "\"";
  }
  if (!extra_key.empty()) {
    if (!first) out += ",";
    out += extra_key + "=\"" + extra_value + "\"";
  }
  return out + "}";
}

std::string FormatDouble(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  // Shortest form that round-trips is nicer to read; %.17g is exact but noisy, so try %g first.
  char shortbuf[64];
  std::snprintf(shortbuf, sizeof(shortbuf), "%g", v);
  return std::strtod(shortbuf, nullptr) == v ? shortbuf : buf;
}

}  // namespace

std::string MetricsRegistry::RenderText() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string out;
  for (const auto& [name, family] : families_) {
    out += "# HELP " + name + " " + family->help + "\n";
    out += "# TYPE " + name + " " + family->type + "\n";
    for (const auto& [labels, c] : family->counters)
      out += name + FormatLabels(labels) + " " + std::to_string(c->value()) + "\n";
    for (const auto& [labels, g] : family->gauges)
      out += name + FormatLabels(labels) + " " + std::to_string(g->value()) + "\n";
    for (const auto& [labels, h] : family->histograms) {
      std::vector<uint64_t> counts = h->bucket_counts();
      uint64_t cumulative = 0;
      for (size_t i = 0; i < counts.size(); ++i) {
        cumulative += counts[i];
        std::string le = i < h->upper_bounds().size() ? FormatDouble(h->upper_bounds()[i]) : "+Inf";
        out += name + "_bucket" + FormatLabels(labels, "le", le) + " " +
               std::to_string(cumulative) + "\n";
      }
      out += name + "_sum" + FormatLabels(labels) + " " + FormatDouble(h->sum()) + "\n";
      out += name + "_count" + FormatLabels(labels) + " " + std::to_string(cumulative) + "\n";
    }
  }
  return out;
}

}  // namespace mota::server::http
