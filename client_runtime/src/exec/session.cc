#include "exec/session.h"

#include "exec/materialize.h"

namespace mota::exec {
namespace {

constexpr int64_t kMaxValueKeyElements = 64;
constexpr size_t kMaxValueKeyedPlans = 32;

std::vector<Shape> ShapesOf(std::span<const TensorView> inputs) {
  std::vector<Shape> shapes;
  for (const TensorView& t : inputs) shapes.push_back(t.shape);
  return shapes;
}

}  // namespace

Session::Session(const model::Graph& graph, std::unique_ptr<Backend> backend)
    : graph_(&graph), backend_(std::move(backend)) {
  if (!HasMaterializableNodes(graph)) return;
  Result<std::unique_ptr<model::Graph>> materialized = MaterializeConstantNodes(graph);
  if (!materialized.ok()) {
    init_status_ = materialized.status().WithContext("while materializing constant weights");
    return;
  }
  materialized_ = std::move(materialized).value();
  graph_ = materialized_.get();
}

Result<std::unique_ptr<Session>> Session::Create(const model::Graph& graph,
                                                 std::unique_ptr<Backend> backend) {
  auto session = std::make_unique<Session>(graph, std::move(backend));
  if (!session->init_status_.ok()) return session->init_status_;
  return session;
}

bool Session::IsValueKeyCandidate(size_t input, const TensorView& view) const {
  const DType dtype = graph_->tensors[graph_->inputs[input]].dtype;
  return dtype != DType::kBool && view.dtype == dtype && view.data != nullptr &&
         view.numel() <= kMaxValueKeyElements;
}

Session::PlanKey Session::MakeKey(std::span<const TensorView> inputs) const {
  PlanKey key{ShapesOf(inputs), {}};
  if (!value_keyed_) return key;
  for (size_t i = 0; i < inputs.size() && i < graph_->inputs.size(); ++i) {
    if (!IsValueKeyCandidate(i, inputs[i])) continue;
    key.second += std::to_string(i) + ":";
    key.second.append(static_cast<const char*>(inputs[i].data), inputs[i].nbytes());
  }
  return key;
}

Result<Executable*> Session::Prepare(std::span<const Shape> input_shapes) {
  if (!init_status_.ok()) return init_status_;
  PlanKey key{std::vector<Shape>(input_shapes.begin(), input_shapes.end()), {}};
  auto it = plans_.find(key);
  if (it != plans_.end()) return it->second.get();
  MOTA_ASSIGN_OR_RETURN(std::unique_ptr<Executable> exe,
                        backend_->Prepare(*graph_, input_shapes, {}));
  Executable* raw = exe.get();
  plans_.emplace(std::move(key), std::move(exe));
  return raw;
}

Result<Executable*> Session::PrepareFor(std::span<const TensorView> inputs) {
  PlanKey key = MakeKey(inputs);
  auto it = plans_.find(key);
  if (it != plans_.end()) return it->second.get();
  std::vector<TensorView> known;
  if (value_keyed_) {
    for (size_t i = 0; i < inputs.size(); ++i) {
      known.push_back(i < graph_->inputs.size() && IsValueKeyCandidate(i, inputs[i])
                          ? inputs[i]
                          : TensorView{});
    }
  }
  Result<std::unique_ptr<Executable>> exe = backend_->Prepare(*graph_, key.first, known);
  if (!exe.ok() && !value_keyed_ && exe.status().code() == StatusCode::kUnimplemented) {
    // A shape-like value comes from an input: plan with the small integer inputs' values.
    bool any = false;
    for (size_t i = 0; i < inputs.size() && i < graph_->inputs.size(); ++i)
      any |= IsValueKeyCandidate(i, inputs[i]);
    if (!any) return exe.status();
    value_keyed_ = true;
    return PrepareFor(inputs);
  }
  if (!exe.ok()) return exe.status();
  if (value_keyed_ && plans_.size() >= kMaxValueKeyedPlans) plans_.clear();
  Executable* raw = exe->get();
  plans_.emplace(std::move(key), std::move(exe).value());
  return raw;
}

Result<std::vector<HostTensor>> Session::Run(std::span<const TensorView> inputs) {
  if (!init_status_.ok()) return init_status_;
  if (inputs.size() != graph_->inputs.size()) {
    return InvalidArgument("got ", inputs.size(), " inputs but the model has ",
                           graph_->inputs.size());
  }
  MOTA_ASSIGN_OR_RETURN(Executable * exe, PrepareFor(inputs));
  std::vector<HostTensor> outputs;
  std::vector<TensorView> views;
  for (size_t i = 0; i < exe->output_shapes().size(); ++i) {
    outputs.push_back(HostTensor::Allocate(exe->output_dtypes()[i], exe->output_shapes()[i]));
    if (outputs.back().dtype() == DType::kUndefined) {
      return OutOfMemory("cannot allocate output ", i, " of shape ",
                         ShapeToString(exe->output_shapes()[i]));
    }
    views.push_back(outputs.back().view());
  }
  MOTA_RETURN_IF_ERROR(exe->Run(inputs, views));
  return outputs;
}

}  // namespace mota::exec
