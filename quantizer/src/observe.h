// Runs a model on samples through the device runtime and hands chosen intermediate values to a
// visitor: the measurement primitive behind calibration and every error metric.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "exec/tensor.h"
#include "model/graph.h"
#include "quantizer/src/samples.h"

namespace mota::quantizer {

struct RunConfig {
  std::string backend = "auto";
  int threads = 1;
};

// values[i] is the value of tensors[i] for this sample.
using TensorVisitor =
    std::function<Status(size_t sample, std::span<const exec::HostTensor> values)>;

// Runs `graph` once per sample with every id in `tensors` exposed as an output (graph inputs are
// handed over as given; constants are not allowed). Stops at the first error.
Status ObserveTensors(const model::Graph& graph, std::span<const int32_t> tensors,
                      const SampleSet& samples, const RunConfig& config, const TensorVisitor& visit);

// The ids of every f32 tensor a node produces, in node order.
std::vector<int32_t> FloatNodeOutputs(const model::Graph& graph);

}  // namespace mota::quantizer
