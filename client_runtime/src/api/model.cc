// mota_model_*: a .mota file loaded, bound to a backend through exec::Session, with the app's
// input tensors and the outputs of the last run.
#include <cstring>
#include <filesystem>

#include "api/handles.h"
#include "delivery/install/install_store.h"
#include "exec/backend.h"

namespace mota::api {
namespace {

// The model's declared dims as the input tensor reports them: -1 for symbolic ones. An input
// with no recorded shape is rank 0 with unknown data until it is resized or set.
Shape DeclaredDims(const model::TensorInfo& info) {
  Shape dims;
  for (const model::Dim& d : info.dims) dims.push_back(d.is_static() ? d.value : -1);
  return dims;
}

Status InitInputs(mota_model_t& m) {
  const model::Graph& g = m.model->graph();
  for (int32_t id : g.inputs) {
    const model::TensorInfo& info = g.tensors[id];
    mota_tensor_t t;
    t.role = TensorRole::kModelInput;
    t.dtype = info.dtype;
    t.name = info.name;
    t.dims = DeclaredDims(info);
    if (info.has_shape && info.IsStaticShape()) {
      MOTA_RETURN_IF_ERROR(AllocateTensor(t, info.StaticShape(), "input '" + info.name + "'"));
    }
    m.inputs.push_back(std::move(t));
  }
  for (int32_t id : g.outputs) {
    mota_tensor_t t;
    t.role = TensorRole::kModelOutput;
    t.dtype = g.tensors[id].dtype;
    t.name = g.tensors[id].name;
    m.outputs.push_back(std::move(t));
  }
  return Status::Ok();
}

std::string NameList(const std::vector<std::string>& names) {
  std::string list;
  for (const std::string& n : names) list += (list.empty() ? "'" : ", '") + n + "'";
  return list.empty() ? "none" : list;
}

std::vector<std::string> Names(const std::vector<mota_tensor_t>& tensors) {
  std::vector<std::string> names;
  for (const mota_tensor_t& t : tensors) names.push_back(t.name);
  return names;
}

Result<size_t> FindInput(const mota_model_t& m, const char* name, const char* function) {
  if (name == nullptr) return InvalidArgument(function, ": name is NULL");
  for (size_t i = 0; i < m.inputs.size(); ++i) {
    if (m.inputs[i].name == name) return i;
  }
  return NotFound(function, ": the model has no input named '", name,
                  "' (its inputs: ", NameList(Names(m.inputs)), ")");
}

Status CheckIndex(size_t index, size_t count, const char* function, const char* what) {
  if (index < count) return Status::Ok();
  return OutOfRange(function, ": ", what, " index ", index, " is out of range: the model has ",
                    count, " ", what, count == 1 ? "" : "s");
}

// Whether `dims` fits input `t`'s declared dims (symbolic ones take any size).
Status CheckFits(const model::TensorInfo& info, const Shape& dims, const char* function) {
  for (int64_t d : dims) {
    if (d < 0)
      return InvalidArgument(function, ": shape ", ShapeToString(dims), " has a negative dim");
  }
  if (!info.has_shape) return Status::Ok();
  if (dims.size() != info.dims.size()) {
    return InvalidArgument(function, ": input '", info.name, "' has rank ", info.dims.size(),
                           ", got shape ", ShapeToString(dims));
  }
  for (size_t i = 0; i < dims.size(); ++i) {
    if (info.dims[i].is_static() && info.dims[i].value != dims[i]) {
      return InvalidArgument(function, ": input '", info.name, "' dim ", i, " is fixed at ",
                             info.dims[i].value, ", got ", dims[i], " (shape ", ShapeToString(dims),
                             ")");
    }
  }
  return Status::Ok();
}

const model::TensorInfo& InputInfo(const mota_model_t& m, size_t index) {
  const model::Graph& g = m.model->graph();
  return g.tensors[g.inputs[index]];
}

Status Resize(mota_model_t& m, size_t index, Shape dims, const char* function) {
  MOTA_RETURN_IF_ERROR(CheckFits(InputInfo(m, index), dims, function));
  mota_tensor_t& t = m.inputs[index];
  m.views_valid = false;  // the buffer moves
  return AllocateTensor(t, std::move(dims), StrCat(function, ": input '", t.name, "'"));
}

Status SetInput(mota_model_t& m, size_t index, const mota_tensor_t& value) {
  mota_tensor_t& t = m.inputs[index];
  if (value.dtype != t.dtype) {
    return InvalidArgument("mota_model_set_input: input '", t.name, "' has dtype ",
                           DTypeName(t.dtype), ", the value is ", DTypeName(value.dtype));
  }
  if (!value.has_data()) {
    return FailedPrecondition("mota_model_set_input: the value for input '", t.name,
                              "' has dims not known yet ", ShapeToString(value.dims));
  }
  if (t.dims != value.dims || !t.has_data()) {
    MOTA_RETURN_IF_ERROR(Resize(m, index, value.dims, "mota_model_set_input"));
  }
  if (value.buffer.nbytes() > 0) {
    std::memcpy(t.buffer.data(), value.buffer.data(), value.buffer.nbytes());
  }
  return Status::Ok();
}

// The input views handed to the session, rebuilt only after an input changed shape (its buffer
// moved): a run with unchanged shapes allocates nothing here.
Status RefreshViews(mota_model_t& m) {
  if (m.views_valid) return Status::Ok();
  m.views.clear();
  for (const mota_tensor_t& t : m.inputs) {
    if (!t.has_data()) {
      return FailedPrecondition("mota_model_run: input '", t.name, "' has shape ",
                                ShapeToString(t.dims),
                                " with dims not known yet: call mota_model_resize_input or "
                                "mota_model_set_input first");
    }
    m.views.push_back(t.view());
  }
  m.views_valid = true;
  return Status::Ok();
}

Status Run(mota_model_t& m) {
  m.has_outputs = false;
  MOTA_RETURN_IF_ERROR(RefreshViews(m));
  MOTA_ASSIGN_OR_RETURN(std::vector<exec::HostTensor> results, m.session->Run(m.views));
  // A device fault may have moved the session to its CPU backend (exec/session.h "Fallback").
  const char* now = m.session->backend().name();
  if (m.backend != now) m.backend = now;
  if (results.size() != m.outputs.size()) {
    return Internal("mota_model_run: the session returned ", results.size(),
                    " outputs, the model has ", m.outputs.size());
  }
  for (size_t i = 0; i < results.size(); ++i) {
    mota_tensor_t& t = m.outputs[i];
    t.dtype = results[i].dtype();
    if (t.dims != results[i].shape()) t.dims = results[i].shape();
    t.buffer = std::move(results[i]);
  }
  m.has_outputs = true;
  return Status::Ok();
}

Result<const mota_tensor_t*> Output(const mota_model_t& m, size_t index, const char* function) {
  MOTA_RETURN_IF_ERROR(CheckIndex(index, m.outputs.size(), function, "output"));
  if (!m.has_outputs) {
    return FailedPrecondition(function, ": output '", m.outputs[index].name,
                              "' has no value: the model has not run successfully since it was "
                              "opened or since its last failed run (call mota_model_run)");
  }
  return &m.outputs[index];
}

Result<const mota_tensor_t*> OutputByName(const mota_model_t& m, const char* name) {
  if (name == nullptr) return InvalidArgument("mota_model_output_by_name: name is NULL");
  for (size_t i = 0; i < m.outputs.size(); ++i) {
    if (m.outputs[i].name == name) return Output(m, i, "mota_model_output_by_name");
  }
  return NotFound("mota_model_output_by_name: the model has no output named '", name,
                  "' (its outputs: ", NameList(Names(m.outputs)), ")");
}

}  // namespace

namespace {

Result<std::unique_ptr<exec::Session>> MakeSession(const model::Graph& graph,
                                                   const std::string& backend, Fallback fallback,
                                                   const exec::BackendOptions& options) {
  if (fallback == Fallback::kToCpu) {
    return exec::Session::CreatePreferred(graph, {backend}, options);
  }
  MOTA_ASSIGN_OR_RETURN(std::unique_ptr<exec::Backend> b, exec::CreateBackend(backend, options));
  return exec::Session::Create(graph, std::move(b));
}

}  // namespace

Result<std::unique_ptr<mota_model_t>> OpenModel(const std::string& path, const std::string& backend,
                                                Fallback fallback,
                                                const exec::BackendOptions& options) {
  auto m = std::make_unique<mota_model_t>();
  MOTA_ASSIGN_OR_RETURN(m->model, model::Model::Load(path));
  Result<std::unique_ptr<exec::Session>> session =
      MakeSession(m->model->graph(), backend, fallback, options);
  if (!session.ok()) return session.status().WithContext(path);
  m->session = std::move(session).value();
  m->backend = m->session->backend().name();
  m->file = path;
  MOTA_RETURN_IF_ERROR(InitInputs(*m));
  return m;
}

Result<std::unique_ptr<mota_model_t>> OpenInstalled(const std::string& data_dir,
                                                    const std::string& name, const char* backend) {
  // Checked first so that a read never creates folders (InstallStore::Open makes them).
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::path(data_dir) / "models" / name, ec)) {
    return NotFound("no version of model '", name, "' is installed in ", data_dir, " (no models/",
                    name, " folder): run an update first");
  }
  MOTA_ASSIGN_OR_RETURN(install::InstallStore store, install::InstallStore::Open(data_dir, name));
  if (!store.active()) {
    return NotFound("model '", name, "' has no active version in ", store.dir(),
                    ": run an update first");
  }
  const install::InstalledVariant& a = *store.active();
  const exec::BackendOptions options = install::ToBackendOptions(a.params);
  // Default: the backend the version passed its self-test on here.
  if (backend != nullptr) return OpenModel(store.PathOf(a), backend, Fallback::kNone, options);
  return OpenModel(store.PathOf(a), a.backend, Fallback::kToCpu, options);
}

}  // namespace mota::api

using mota::api::Report;

extern "C" {

mota_status_t mota_model_open_file(const char* path, const char* backend,
                                   mota_model_t** out_model) {
  if (out_model == nullptr) {
    return Report(mota::InvalidArgument("mota_model_open_file: out_model is NULL"));
  }
  *out_model = nullptr;
  if (path == nullptr) return Report(mota::InvalidArgument("mota_model_open_file: path is NULL"));
  auto m =
      mota::api::OpenModel(path, backend == nullptr ? "auto" : backend, mota::api::Fallback::kNone);
  if (!m.ok()) return Report(m.status().WithContext("mota_model_open_file"));
  *out_model = std::move(m).value().release();
  return Report(mota::Status::Ok());
}

mota_status_t mota_model_open_installed(const char* data_dir, const char* model_name,
                                        const char* backend, mota_model_t** out_model) {
  MOTA_C_CHECK(out_model, "mota_model_open_installed", nullptr);
  *out_model = nullptr;
  MOTA_C_CHECK(data_dir, "mota_model_open_installed", nullptr);
  MOTA_C_CHECK(model_name, "mota_model_open_installed", nullptr);
  auto m = mota::api::OpenInstalled(data_dir, model_name, backend);
  if (!m.ok()) return Report(m.status().WithContext("mota_model_open_installed"));
  *out_model = std::move(m).value().release();
  return Report(mota::Status::Ok());
}

void mota_model_close(mota_model_t* model) { delete model; }

const char* mota_model_backend(const mota_model_t* model) {
  return model == nullptr ? "" : model->backend.c_str();
}

const char* mota_model_file(const mota_model_t* model) {
  return model == nullptr ? "" : model->file.c_str();
}

const char* mota_model_last_error(const mota_model_t* model) {
  return model == nullptr ? "" : model->error.c_str();
}

size_t mota_model_input_count(const mota_model_t* model) {
  return model == nullptr ? 0 : model->inputs.size();
}

size_t mota_model_output_count(const mota_model_t* model) {
  return model == nullptr ? 0 : model->outputs.size();
}

mota_status_t mota_model_input(mota_model_t* model, size_t index, mota_tensor_t** out_tensor) {
  if (out_tensor != nullptr) *out_tensor = nullptr;
  MOTA_C_CHECK(model, "mota_model_input", nullptr);
  MOTA_C_CHECK(out_tensor, "mota_model_input", &model->error);
  mota::Status st = mota::api::CheckIndex(index, model->inputs.size(), "mota_model_input", "input");
  if (st.ok()) *out_tensor = &model->inputs[index];
  return Report(st, &model->error);
}

mota_status_t mota_model_input_by_name(mota_model_t* model, const char* name,
                                       mota_tensor_t** out_tensor) {
  if (out_tensor != nullptr) *out_tensor = nullptr;
  MOTA_C_CHECK(model, "mota_model_input_by_name", nullptr);
  MOTA_C_CHECK(out_tensor, "mota_model_input_by_name", &model->error);
  auto index = mota::api::FindInput(*model, name, "mota_model_input_by_name");
  if (!index.ok()) return Report(index.status(), &model->error);
  *out_tensor = &model->inputs[*index];
  return Report(mota::Status::Ok(), &model->error);
}

mota_status_t mota_model_input_index(const mota_model_t* model, const char* name,
                                     size_t* out_index) {
  if (out_index != nullptr) *out_index = 0;
  MOTA_C_CHECK(model, "mota_model_input_index", nullptr);
  MOTA_C_CHECK(out_index, "mota_model_input_index", &model->error);
  auto index = mota::api::FindInput(*model, name, "mota_model_input_index");
  if (!index.ok()) return Report(index.status(), &model->error);
  *out_index = *index;
  return Report(mota::Status::Ok(), &model->error);
}

mota_status_t mota_model_resize_input(mota_model_t* model, size_t index, const int64_t* dims,
                                      size_t rank) {
  MOTA_C_CHECK(model, "mota_model_resize_input", nullptr);
  mota::Status st =
      mota::api::CheckIndex(index, model->inputs.size(), "mota_model_resize_input", "input");
  if (st.ok() && rank > MOTA_MAX_RANK) {
    st = mota::InvalidArgument("mota_model_resize_input: rank is ", rank, ", expected at most ",
                               MOTA_MAX_RANK);
  }
  if (st.ok() && rank > 0 && dims == nullptr) {
    st = mota::InvalidArgument("mota_model_resize_input: dims is NULL with rank ", rank);
  }
  if (st.ok()) {
    st =
        mota::api::Resize(*model, index, mota::Shape(dims, dims + rank), "mota_model_resize_input");
  }
  return Report(st, &model->error);
}

mota_status_t mota_model_set_input(mota_model_t* model, size_t index, const mota_tensor_t* value) {
  MOTA_C_CHECK(model, "mota_model_set_input", nullptr);
  MOTA_C_CHECK(value, "mota_model_set_input", &model->error);
  mota::Status st =
      mota::api::CheckIndex(index, model->inputs.size(), "mota_model_set_input", "input");
  if (st.ok() && value == &model->inputs[index]) return Report(st, &model->error);
  if (st.ok()) st = mota::api::SetInput(*model, index, *value);
  return Report(st, &model->error);
}

mota_status_t mota_model_run(mota_model_t* model) {
  MOTA_C_CHECK(model, "mota_model_run", nullptr);
  return Report(mota::api::Run(*model), &model->error);
}

mota_status_t mota_model_output(const mota_model_t* model, size_t index,
                                const mota_tensor_t** out_tensor) {
  if (out_tensor != nullptr) *out_tensor = nullptr;
  MOTA_C_CHECK(model, "mota_model_output", nullptr);
  MOTA_C_CHECK(out_tensor, "mota_model_output", &model->error);
  auto t = mota::api::Output(*model, index, "mota_model_output");
  if (!t.ok()) return Report(t.status(), &model->error);
  *out_tensor = *t;
  return Report(mota::Status::Ok(), &model->error);
}

mota_status_t mota_model_output_by_name(const mota_model_t* model, const char* name,
                                        const mota_tensor_t** out_tensor) {
  if (out_tensor != nullptr) *out_tensor = nullptr;
  MOTA_C_CHECK(model, "mota_model_output_by_name", nullptr);
  MOTA_C_CHECK(out_tensor, "mota_model_output_by_name", &model->error);
  auto t = mota::api::OutputByName(*model, name);
  if (!t.ok()) return Report(t.status(), &model->error);
  *out_tensor = *t;
  return Report(mota::Status::Ok(), &model->error);
}

}  // extern "C"
