// Calibration and evaluation samples: one value per graph input, in graph.inputs order.
//
// A calibration directory holds one subdirectory per sample (sorted by name), each with
// `<input name>.npy` for every model input (calib/0001/x.npy). Names that are not valid file
// names may use the sanitized form mota run writes (characters outside [A-Za-z0-9._-] -> '_').
// Every file is checked: dtype and shape against the model's input (symbolic dims accept any
// size), finite values, no missing or unexpected files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "exec/tensor.h"
#include "model/graph.h"

namespace mota::quantizer {

struct SampleSet {
  std::vector<std::vector<exec::HostTensor>> samples;  // [sample][graph input]
  std::string source;  // "dir" or "random"
  std::string sha256;  // of the concatenated sha256 digests of every file (or random tensor), in order
  std::vector<std::string> names;  // sample subdirectory names (or "random-<i>")
};

Result<SampleSet> LoadSampleDir(const model::Graph& graph, const std::string& dir);

// `count` seeded samples, N(0, 1) per element (the usual normalized-image range). Inputs must
// have static shapes and float dtypes; otherwise the error says to use a calibration directory.
Result<SampleSet> RandomSamples(const model::Graph& graph, int count, uint64_t seed);

}  // namespace mota::quantizer
