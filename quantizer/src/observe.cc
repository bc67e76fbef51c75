#include "quantizer/src/observe.h"

#include <map>

#include "exec/backend.h"
#include "exec/session.h"

namespace mota::quantizer {

std::vector<int32_t> FloatNodeOutputs(const model::Graph& graph) {
  std::vector<int32_t> ids;
  for (const model::Node& node : graph.nodes)
    for (int32_t out : node.outputs)
      if (out >= 0 && graph.tensors[out].dtype == DType::kF32) ids.push_back(out);
  return ids;
}

Status ObserveTensors(const model::Graph& graph, std::span<const int32_t> tensors,
                      const SampleSet& samples, const RunConfig& config, const TensorVisitor& visit) {
  // A copy whose outputs are the observed node outputs; inputs are passed through directly.
  model::Graph observed = graph;
  observed.outputs.clear();
  std::map<int32_t, size_t> input_index;
  for (size_t i = 0; i < graph.inputs.size(); ++i) input_index[graph.inputs[i]] = i;
  std::vector<int32_t> produced;
  for (int32_t id : tensors) {
    if (id < 0 || id >= static_cast<int32_t>(graph.tensors.size()))
      return InvalidArgument("observed tensor id ", id, " is out of range");
    if (graph.tensors[id].is_constant)
      return InvalidArgument("tensor '", graph.tensors[id].name, "' is a constant; only computed "
                             "values can be observed");
    if (!input_index.count(id)) produced.push_back(id);
  }
  observed.outputs = produced;
  if (observed.outputs.empty() && !graph.outputs.empty()) observed.outputs = {graph.outputs[0]};
  exec::BackendOptions options;
  options.threads = config.threads;
  MOTA_ASSIGN_OR_RETURN(std::unique_ptr<exec::Backend> backend,
                        exec::CreateBackend(config.backend, options));
  exec::Session session(observed, std::move(backend));
  for (size_t s = 0; s < samples.samples.size(); ++s) {
    std::vector<exec::TensorView> inputs;
    for (const exec::HostTensor& t : samples.samples[s]) inputs.push_back(t.view());
    MOTA_ASSIGN_OR_RETURN(std::vector<exec::HostTensor> outputs, session.Run(inputs));
    std::vector<exec::HostTensor> values;
    values.reserve(tensors.size());
    size_t next = 0;
    for (int32_t id : tensors) {
      auto it = input_index.find(id);
      if (it != input_index.end()) {
        const exec::HostTensor& in = samples.samples[s][it->second];
        exec::HostTensor copy = exec::HostTensor::Allocate(in.dtype(), in.shape());
        std::copy(in.data(), in.data() + in.nbytes(), copy.data());
        values.push_back(std::move(copy));
      } else {
        values.push_back(std::move(outputs[next++]));
      }
    }
    MOTA_RETURN_IF_ERROR(visit(s, values).WithContext("sample '" + samples.names[s] + "'"));
  }
  return Status::Ok();
}

}  // namespace mota::quantizer
