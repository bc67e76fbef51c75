#include "exec/session.h"

namespace mota::exec {

Session::Session(const model::Graph& graph, std::unique_ptr<Backend> backend)
    : graph_(graph), backend_(std::move(backend)) {}

Result<Executable*> Session::Prepare(std::span<const Shape> input_shapes) {
  std::vector<Shape> key(input_shapes.begin(), input_shapes.end());
  auto it = plans_.find(key);
  if (it != plans_.end()) return it->second.get();
  MOTA_ASSIGN_OR_RETURN(std::unique_ptr<Executable> exe, backend_->Prepare(graph_, input_shapes));
  Executable* raw = exe.get();
  plans_.emplace(std::move(key), std::move(exe));
  return raw;
}

Result<std::vector<HostTensor>> Session::Run(std::span<const TensorView> inputs) {
  std::vector<Shape> shapes;
  for (const TensorView& t : inputs) shapes.push_back(t.shape);
  MOTA_ASSIGN_OR_RETURN(Executable * exe, Prepare(shapes));
  std::vector<HostTensor> outputs;
  std::vector<TensorView> views;
  for (size_t i = 0; i < exe->output_shapes().size(); ++i) {
    outputs.push_back(HostTensor::Allocate(exe->output_dtypes()[i], exe->output_shapes()[i]));
    if (outputs.back().dtype() == DType::kUndefined) {
      return OutOfMemory("cannot allocate output ", i, " of shape ", ShapeToString(exe->output_shapes()[i]));
    }
    views.push_back(outputs.back().view());
  }
  MOTA_RETURN_IF_ERROR(exe->Run(inputs, views));
  return outputs;
}

}  // namespace mota::exec
