#include "exec/session.h"

#include <algorithm>

#include "exec/materialize.h"
#include "exec/reference/reference_backend.h"

namespace mota::exec {
namespace {

constexpr int64_t kMaxValueKeyElements = 64;
constexpr size_t kMaxValueKeyedPlans = 32;

std::vector<Shape> ShapesOf(std::span<const TensorView> inputs) {
  std::vector<Shape> shapes;
  for (const TensorView& t : inputs) shapes.push_back(t.shape);
  return shapes;
}

// Faults of the device rather than of the model or the caller: another backend may succeed.
bool IsDeviceFault(const Status& s) {
  return s.code() == StatusCode::kUnavailable || s.code() == StatusCode::kOutOfMemory ||
         s.code() == StatusCode::kIncompatible;
}

std::vector<std::unique_ptr<Backend>> One(std::unique_ptr<Backend> backend) {
  std::vector<std::unique_ptr<Backend>> list;
  list.push_back(std::move(backend));
  return list;
}

// Output buffers for `exe`; `outputs` owns them, the views point into them.
Result<std::vector<TensorView>> AllocateOutputs(const Executable& exe,
                                                std::vector<HostTensor>* outputs) {
  std::vector<TensorView> views;
  for (size_t i = 0; i < exe.output_shapes().size(); ++i) {
    outputs->push_back(HostTensor::Allocate(exe.output_dtypes()[i], exe.output_shapes()[i]));
    if (outputs->back().dtype() == DType::kUndefined) {
      return OutOfMemory("cannot allocate output ", i, " of shape ",
                         ShapeToString(exe.output_shapes()[i]));
    }
    views.push_back(outputs->back().view());
  }
  return views;
}

// "[1,3,N]": the declared dims of a graph input, symbolic ones by name ("?" when unnamed).
std::string DeclaredDims(const model::TensorInfo& info) {
  std::string text = "[";
  for (size_t i = 0; i < info.dims.size(); ++i) {
    const model::Dim& d = info.dims[i];
    text += (i ? "," : "") +
            (d.is_static() ? std::to_string(d.value) : (d.symbol.empty() ? "?" : d.symbol));
  }
  return text + "]";
}

// Whether `shape` fits the declared dims (symbolic dims take any size).
bool FitsDeclared(const model::TensorInfo& info, const Shape& shape) {
  if (!info.has_shape) return true;
  if (shape.size() != info.dims.size()) return false;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (info.dims[i].is_static() && info.dims[i].value != shape[i]) return false;
  }
  return true;
}

}  // namespace

Session::Session(const model::Graph& graph, std::unique_ptr<Backend> backend)
    : Session(graph, One(std::move(backend))) {}

Session::Session(const model::Graph& graph, std::vector<std::unique_ptr<Backend>> backends)
    : graph_(&graph), backends_(std::move(backends)) {
  const auto null = std::find(backends_.begin(), backends_.end(), nullptr);
  if (backends_.empty() || null != backends_.end()) {
    init_status_ = backends_.empty()
                       ? InvalidArgument("a session needs at least one backend; got none")
                       : InvalidArgument("backend ", null - backends_.begin(), " of ",
                                         backends_.size(), " given to the session is null");
    backends_.clear();
    backends_.push_back(CreateReferenceBackend({}));  // backend() stays valid
    return;
  }
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
  return Create(graph, One(std::move(backend)));
}

Result<std::unique_ptr<Session>> Session::Create(const model::Graph& graph,
                                                 std::vector<std::unique_ptr<Backend>> backends) {
  auto session = std::make_unique<Session>(graph, std::move(backends));
  if (!session->init_status_.ok()) return session->init_status_;
  return session;
}

Result<std::unique_ptr<Session>> Session::Create(const model::Graph& graph,
                                                 std::unique_ptr<Backend> backend,
                                                 PreparedExecutable prepared) {
  return Create(graph, One(std::move(backend)), std::move(prepared));
}

Result<std::unique_ptr<Session>> Session::Create(const model::Graph& graph,
                                                 std::vector<std::unique_ptr<Backend>> backends,
                                                 PreparedExecutable prepared) {
  auto session = std::make_unique<Session>(graph, std::move(backends));
  // Adopt destroys a refused executable before it returns, so before `session` goes.
  MOTA_RETURN_IF_ERROR(session->Adopt(std::move(prepared)));
  return session;
}

Result<std::unique_ptr<Session>> Session::CreatePreferred(const model::Graph& graph,
                                                          std::vector<std::string> names,
                                                          const BackendOptions& options) {
  if (names.empty() || (names.back() != "auto" && names.back() != "reference")) {
    names.push_back("auto");
  }
  std::vector<std::unique_ptr<Backend>> backends;
  std::vector<std::string> skipped;
  for (const std::string& name : names) {
    Result<std::unique_ptr<Backend>> b = CreateBackend(name, options);
    if (!b.ok() && b.status().code() == StatusCode::kNotFound) {
      skipped.push_back(StrCat(name, ": ", b.status().ToString()));
      continue;
    }
    if (!b.ok()) return b.status();
    backends.push_back(std::move(b).value());
  }
  MOTA_ASSIGN_OR_RETURN(std::unique_ptr<Session> session, Create(graph, std::move(backends)));
  session->fallbacks_ = std::move(skipped);
  return session;
}

bool Session::FallBack(const Status& why) {
  if (backends_.size() < 2 || !IsDeviceFault(why)) return false;
  fallbacks_.push_back(StrCat(backends_.front()->name(), ": ", why.ToString()));
  plans_.clear();  // executables before their backend
  backends_.erase(backends_.begin());
  return true;
}

Result<std::unique_ptr<Executable>> Session::PrepareOnBackend(std::span<const Shape> shapes,
                                                              std::span<const TensorView> known) {
  ++prepares_;
  return backend().Prepare(*graph_, shapes, known);
}

Status Session::CheckAdoptable(const PreparedExecutable& p) const {
  if (p.executable == nullptr) return InvalidArgument("Session::Adopt: the executable is null");
  const Backend& current = *backends_.front();
  if (p.backend != &current) {
    // Name the other backend only when the session holds it (else it may be gone).
    std::string other = "a backend this session does not hold";
    for (const auto& b : backends_) {
      if (b.get() == p.backend) other = StrCat("its backend '", b->name(), "' (not the current)");
    }
    return InvalidArgument("Session::Adopt: the executable was prepared by ", other,
                           "; expected one prepared by the backend the session runs on now ('",
                           current.name(), "', the object given to the session)");
  }
  if (p.graph != graph_) {
    return InvalidArgument(
        "Session::Adopt: the executable was prepared for another graph; "
        "expected the session's graph() (",
        materialized() ? "its materialized copy of the model" : "the graph given to the session",
        ")");
  }
  if (p.input_shapes.size() != graph_->inputs.size()) {
    return InvalidArgument("Session::Adopt: the executable was prepared for ",
                           p.input_shapes.size(), " input shapes; expected ", graph_->inputs.size(),
                           " (one per graph input)");
  }
  for (size_t i = 0; i < p.input_shapes.size(); ++i) {
    const model::TensorInfo& info = graph_->tensors[graph_->inputs[i]];
    if (!FitsDeclared(info, p.input_shapes[i])) {
      return InvalidArgument("Session::Adopt: input ", i, " ('", info.name,
                             "') was prepared with shape ", ShapeToString(p.input_shapes[i]),
                             "; expected a shape fitting its declared dims ", DeclaredDims(info));
    }
  }
  const Executable& exe = *p.executable;
  if (exe.output_shapes().size() != graph_->outputs.size() ||
      exe.output_dtypes().size() != graph_->outputs.size()) {
    return InvalidArgument("Session::Adopt: the executable has ", exe.output_shapes().size(),
                           " output shapes and ", exe.output_dtypes().size(),
                           " output dtypes; expected ", graph_->outputs.size(),
                           " (one per graph output)");
  }
  if (value_keyed_) {
    return FailedPrecondition(
        "Session::Adopt: the session plans this model per input value "
        "(value_keyed()); an executable prepared by shapes alone is not "
        "one of its plans");
  }
  if (plans_.count(PlanKey{p.input_shapes, {}}) != 0) {
    std::string shapes;
    for (const Shape& s : p.input_shapes) shapes += (shapes.empty() ? "" : " ") + ShapeToString(s);
    return FailedPrecondition("Session::Adopt: the session has a plan for input shapes ", shapes,
                              " already; expected shapes it has not planned");
  }
  return Status();
}

Status Session::Adopt(PreparedExecutable prepared) {
  Status adoptable = init_status_.ok() ? CheckAdoptable(prepared) : init_status_;
  if (!adoptable.ok()) {
    prepared.executable.reset();  // now, while its backend surely lives
    return adoptable;
  }
  plans_.emplace(PlanKey{std::move(prepared.input_shapes), {}}, std::move(prepared.executable));
  return Status();
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
  Result<std::unique_ptr<Executable>> prepared = PrepareOnBackend(input_shapes, {});
  while (!prepared.ok() && FallBack(prepared.status())) {
    prepared = PrepareOnBackend(input_shapes, {});
  }
  MOTA_ASSIGN_OR_RETURN(std::unique_ptr<Executable> exe, std::move(prepared));
  Executable* raw = exe.get();
  plans_.emplace(std::move(key), std::move(exe));
  return raw;
}

Result<Executable*> Session::PrepareFor(std::span<const TensorView> inputs) {
  Result<Executable*> exe = PrepareOnce(inputs);
  while (!exe.ok() && FallBack(exe.status())) exe = PrepareOnce(inputs);
  return exe;
}

Result<Executable*> Session::PrepareOnce(std::span<const TensorView> inputs) {
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
  Result<std::unique_ptr<Executable>> exe = PrepareOnBackend(key.first, known);
  if (!exe.ok() && !value_keyed_ && exe.status().code() == StatusCode::kUnimplemented) {
    // A shape-like value comes from an input: plan with the small integer inputs' values.
    bool any = false;
    for (size_t i = 0; i < inputs.size() && i < graph_->inputs.size(); ++i)
      any |= IsValueKeyCandidate(i, inputs[i]);
    if (!any) return exe.status();
    value_keyed_ = true;
    return PrepareOnce(inputs);
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
  for (;;) {
    MOTA_ASSIGN_OR_RETURN(Executable * exe, PrepareFor(inputs));
    std::vector<HostTensor> outputs;
    MOTA_ASSIGN_OR_RETURN(std::vector<TensorView> views, AllocateOutputs(*exe, &outputs));
    Status run = exe->Run(inputs, views);
    if (run.ok()) return outputs;
    // A device lost mid-run: the same inputs again on the next backend.
    if (!FallBack(run)) return run;
  }
}

}  // namespace mota::exec
