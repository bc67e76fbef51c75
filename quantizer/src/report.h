// The quantization report (schema: manifests/spec/quantization.md): built as JSON, embedded in
// the model's metadata as canonical JSON, and printed as a table for the terminal.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "quantizer/src/metrics.h"

namespace mota::quantizer {

struct LayerReport {
  std::string node, op, precision;  // precision: "int8", "fp32", "fp16", "int8-weights"
  ErrorMetrics metrics;
  bool measured = false;
  std::string reason;
};

struct OutputReport {
  std::string name;
  ErrorMetrics metrics;
};

struct Report {
  std::string precision, method;
  std::string calibration_source;  // "dir", "random" or "" (none used)
  int calibration_samples = 0;
  std::string calibration_sha256;
  std::string evaluation_source;   // where the gate's metrics come from
  int evaluation_samples = 0;
  uint64_t size_before = 0, size_after = 0;
  double min_cosine = 0, min_sqnr_db = 0;
  bool passed = false;
  ErrorMetrics model;  // worst over outputs
  std::vector<OutputReport> outputs;
  std::vector<LayerReport> layers;
  std::vector<std::string> notes;
};

nlohmann::json ReportToJson(const Report& report);
// `v` with `digits` decimals ("0.995000"), for messages and the table.
std::string Fixed(double v, int digits);
// Canonical JSON: sorted keys, no spaces (what goes into the metadata).
std::string CanonicalJson(const nlohmann::json& value);
// A readable summary and per-layer table (kept-in-fp32 layers first).
std::string ReportToText(const Report& report);

}  // namespace mota::quantizer
