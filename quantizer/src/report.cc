#include "quantizer/src/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace mota::quantizer {
namespace {

// Six significant digits: enough to read, and stable text for identical inputs.
double Round6(double v) {
  if (v == 0 || !std::isfinite(v)) return v;
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  return std::strtod(buf, nullptr);
}

nlohmann::json MetricsJson(const ErrorMetrics& m) {
  return {{"cosine", Round6(m.cosine)}, {"sqnr_db", Round6(m.sqnr_db)}, {"max_abs", Round6(m.max_abs)}};
}

}  // namespace

std::string Fixed(double v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

nlohmann::json ReportToJson(const Report& r) {
  nlohmann::json j;
  j["format"] = 1;
  j["precision"] = r.precision;
  if (!r.method.empty()) j["method"] = r.method;
  if (!r.calibration_source.empty())
    j["calibration"] = {{"source", r.calibration_source},
                        {"samples", r.calibration_samples},
                        {"sha256", r.calibration_sha256}};
  j["evaluation"] = {{"source", r.evaluation_source}, {"samples", r.evaluation_samples}};
  j["size"] = {{"before", r.size_before}, {"after", r.size_after}};
  j["gate"] = {{"min_cosine", Round6(r.min_cosine)}, {"min_sqnr_db", Round6(r.min_sqnr_db)},
               {"passed", r.passed}};
  nlohmann::json model = MetricsJson(r.model);
  model["outputs"] = nlohmann::json::array();
  for (const OutputReport& o : r.outputs) {
    nlohmann::json out = MetricsJson(o.metrics);
    out["name"] = o.name;
    model["outputs"].push_back(out);
  }
  j["model"] = model;
  j["layers"] = nlohmann::json::array();
  for (const LayerReport& l : r.layers) {
    nlohmann::json layer = l.measured ? MetricsJson(l.metrics) : nlohmann::json::object();
    layer["node"] = l.node;
    layer["op"] = l.op;
    layer["precision"] = l.precision;
    if (!l.reason.empty()) layer["reason"] = l.reason;
    j["layers"].push_back(layer);
  }
  if (!r.notes.empty()) j["notes"] = r.notes;
  return j;
}

std::string CanonicalJson(const nlohmann::json& value) { return value.dump(); }

std::string ReportToText(const Report& r) {
  std::string s;
  s += "precision " + r.precision + (r.method.empty() ? "" : ", calibration " + r.method);
  if (!r.calibration_source.empty())
    s += " on " + std::to_string(r.calibration_samples) + " " + r.calibration_source + " samples";
  s += "\n";
  const double ratio = r.size_before ? static_cast<double>(r.size_after) / r.size_before : 0;
  s += "size " + std::to_string(r.size_before) + " -> " + std::to_string(r.size_after) + " bytes (" +
       Fixed(ratio, 3) + "x)\n";
  s += "model vs fp32 on " + std::to_string(r.evaluation_samples) + " " + r.evaluation_source +
       " samples: cosine " + Fixed(r.model.cosine, 6) + ", SQNR " + Fixed(r.model.sqnr_db, 2) +
       " dB, max abs " + Fixed(r.model.max_abs, 6) + "\n";
  s += "gate (cosine >= " + Fixed(r.min_cosine, 6) + ", SQNR >= " + Fixed(r.min_sqnr_db, 2) +
       " dB): " + (r.passed ? "passed" : "FAILED") + "\n";
  for (const std::string& note : r.notes) s += "note: " + note + "\n";
  if (r.layers.empty()) return s;
  std::vector<const LayerReport*> order;
  for (const LayerReport& l : r.layers) order.push_back(&l);
  std::stable_sort(order.begin(), order.end(), [](const LayerReport* a, const LayerReport* b) {
    return (a->precision == "fp32") > (b->precision == "fp32");
  });
  char line[512];
  std::snprintf(line, sizeof(line), "%-40s %-18s %-6s %9s %10s %10s  %s\n", "layer", "op", "prec",
                "SQNR dB", "cosine", "max abs", "reason");
  s += line;
  for (const LayerReport* l : order) {
    std::string name = l->node.size() > 40 ? "..." + l->node.substr(l->node.size() - 37) : l->node;
    if (l->measured)
      std::snprintf(line, sizeof(line), "%-40s %-18s %-6s %9.2f %10.6f %10.4g  %s\n", name.c_str(),
                    l->op.c_str(), l->precision.c_str(), l->metrics.sqnr_db, l->metrics.cosine,
                    l->metrics.max_abs, l->reason.c_str());
    else
      std::snprintf(line, sizeof(line), "%-40s %-18s %-6s %9s %10s %10s  %s\n", name.c_str(),
                    l->op.c_str(), l->precision.c_str(), "-", "-", "-", l->reason.c_str());
    s += line;
  }
  return s;
}

}  // namespace mota::quantizer
