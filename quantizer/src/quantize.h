// `mota quantize`: fp32 .mota -> fp16, int8-weights or int8 .mota, measured against the fp32
// model and gated on accuracy (manifests/spec/quantization.md).
//
// int8 pipeline: calibrate activation ranges on the calibration samples -> measure every
// quantizable layer in isolation (its int8 form on fp32 inputs) -> quantize every layer, and
// while the whole model misses the gate, keep the layers with the lowest SQNR in fp32 -> write.
// Deterministic: the same model, samples and options give byte-identical output.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "model/graph.h"
#include "quantizer/src/observe.h"
#include "quantizer/src/ranges.h"
#include "quantizer/src/report.h"
#include "quantizer/src/samples.h"

namespace mota::quantizer {

struct QuantizeOptions {
  std::string precision;  // "fp16", "int8", "int8-weights"
  std::string calibration_dir;
  int calibration_random = 0;  // seeded random samples when no directory is given
  uint64_t seed = 0;
  std::string eval_dir;        // held-out samples for the gate; the calibration samples if empty
  CalibrationMethod method = CalibrationMethod::kMinMax;
  double percentile = 99.99;
  // Gate; negative means the precision's default (int8 0.995, int8-weights 0.999, fp16 0.9999;
  // SQNR 0 dB: no SQNR gate).
  double min_cosine = -1;
  double min_sqnr_db = -1;
  RunConfig run;
  std::function<void(const std::string&)> progress;  // optional
};

struct QuantizeResult {
  model::Graph graph;
  Report report;
  std::vector<uint8_t> bytes;  // the serialized .mota, report embedded
};

// `fp32_bytes` is the size of the input .mota file (for the report). A model that misses the
// gate is still returned (report.passed false) so the caller can show why; do not write it.
Result<QuantizeResult> Quantize(const model::Graph& fp32, uint64_t fp32_bytes,
                                const QuantizeOptions& options);

// An error when the graph is not an fp32 model (quantized already, or f16 / i8 weights).
Status CheckFp32Model(const model::Graph& graph);

}  // namespace mota::quantizer
