#include "tools/mota/cli_util.h"

#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <numeric>

namespace mota::cli {

Result<std::pair<std::string, std::string>> SplitNameValue(const std::string& text,
                                                           const std::string& flag,
                                                           const std::string& value_hint) {
  const size_t eq = text.rfind('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
    return InvalidArgument(flag, " '", text, "' is not NAME=", value_hint, " (e.g. ", flag,
                           " input=", value_hint, ")");
  }
  return std::make_pair(text.substr(0, eq), text.substr(eq + 1));
}

Result<Shape> ParseDims(const std::string& text) {
  Shape shape;
  if (text.empty()) return shape;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find_first_of(",x", pos);
    if (end == std::string::npos) end = text.size();
    const std::string part = text.substr(pos, end - pos);
    if (part.empty() || part.size() > 18 ||
        !std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return InvalidArgument("dims '", text, "': '", part,
                             "' is not a non-negative integer (expected e.g. 1,3,224,224)");
    }
    shape.push_back(std::stoll(part));
    pos = end + 1;
  }
  return shape;
}

std::string DimsToString(const model::TensorInfo& tensor) {
  if (!tensor.has_shape) return "[?...]";
  std::string s = "[";
  for (size_t i = 0; i < tensor.dims.size(); ++i) {
    if (i > 0) s += ",";
    const model::Dim& d = tensor.dims[i];
    s += d.is_static() ? std::to_string(d.value) : (d.symbol.empty() ? "?" : d.symbol);
  }
  return s + "]";
}

std::string SafeFileName(const std::string& tensor_name, std::vector<std::string>* used) {
  std::string base;
  for (char c : tensor_name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    base += ok ? c : '_';
  }
  // No empty, hidden (".x") or "../" names: the file must land inside the output directory.
  if (base.empty() || base[0] == '.') base = "tensor_" + base;
  if (base.size() > 200) base.resize(200);
  std::string name = base;
  for (int i = 1; std::find(used->begin(), used->end(), name) != used->end(); ++i) {
    name = base + "_" + std::to_string(i);
  }
  used->push_back(name);
  return name;
}

uint64_t PeakRssBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      return std::strtoull(line.c_str() + 6, nullptr, 10) * 1024;  // reported in kB
    }
  }
  struct rusage usage {};
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  return static_cast<uint64_t>(usage.ru_maxrss) * 1024;  // kilobytes on Linux
}

std::string HumanBytes(uint64_t bytes) {
  char buf[64];
  if (bytes < 1024) {
    std::snprintf(buf, sizeof(buf), "%llu B", static_cast<unsigned long long>(bytes));
  } else if (bytes < 1024 * 1024) {
    std::snprintf(buf, sizeof(buf), "%.1f KiB", bytes / 1024.0);
  } else {
    std::snprintf(buf, sizeof(buf), "%.1f MiB", bytes / (1024.0 * 1024.0));
  }
  return buf;
}

LatencyStats ComputeLatencyStats(std::vector<double> samples_ms) {
  LatencyStats s;
  if (samples_ms.empty()) return s;
  std::sort(samples_ms.begin(), samples_ms.end());
  const size_t n = samples_ms.size();
  auto rank = [&](double p) {
    const size_t r = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(n)));
    return samples_ms[std::clamp<size_t>(r, 1, n) - 1];
  };
  s.runs = static_cast<int>(n);
  s.min_ms = samples_ms.front();
  s.max_ms = samples_ms.back();
  s.mean_ms = std::accumulate(samples_ms.begin(), samples_ms.end(), 0.0) / static_cast<double>(n);
  s.median_ms = n % 2 ? samples_ms[n / 2] : (samples_ms[n / 2 - 1] + samples_ms[n / 2]) / 2;
  s.p90_ms = rank(90);
  s.p99_ms = rank(99);
  return s;
}

}  // namespace mota::cli
