// The structs behind mota.h's opaque handles and the error plumbing every C entry point shares.
// Internal to src/api/: nothing here is visible to apps.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "exec/session.h"
#include "exec/tensor.h"
#include "model/loader.h"
#include "mota/mota.h"

namespace mota::api {

// Where a failed call leaves its message: the handle's slot (when the call has a handle) and the
// calling thread's slot (always). A successful call clears both.
class ErrorSlot {
 public:
  const char* c_str() const { return message_.c_str(); }
  void Set(const std::string& message) { message_ = message; }
  void Clear() { message_.clear(); }

 private:
  std::string message_;
};

// The thread's slot (mota_last_error).
ErrorSlot& ThreadError();

// mota::StatusCode -> mota_status_t (the numbers are the same; checked by static_asserts).
mota_status_t ToC(StatusCode code);

// Records `status` in the thread's slot and `handle` (when non-null); returns its C code.
// An OK status clears both.
mota_status_t Report(const Status& status, ErrorSlot* handle = nullptr);

// mota_tensor_t's role decides what may change it.
enum class TensorRole { kUser, kModelInput, kModelOutput };

}  // namespace mota::api

struct mota_tensor_t {
  mota::api::TensorRole role = mota::api::TensorRole::kUser;
  mota::DType dtype = mota::DType::kUndefined;
  mota::Shape dims;               // -1 for a model input's dim not known yet
  mota::exec::HostTensor buffer;  // allocated once every dim is known
  std::string name;               // the model's tensor name; "" for user tensors

  bool has_data() const { return buffer.dtype() != mota::DType::kUndefined; }
  mota::exec::TensorView view() const {
    return {dtype, dims, has_data() ? const_cast<uint8_t*>(buffer.data()) : nullptr};
  }
};

struct mota_model_t {
  std::unique_ptr<mota::model::Model> model;
  std::unique_ptr<mota::exec::Session> session;
  std::string backend;
  std::string file;                    // the path it was opened from
  std::vector<mota_tensor_t> inputs;   // graph.inputs order
  std::vector<mota_tensor_t> outputs;  // graph.outputs order; values of the last successful run
  bool has_outputs = false;
  std::vector<mota::exec::TensorView> views;  // of `inputs`, valid while views_valid
  bool views_valid = false;
  mutable mota::api::ErrorSlot error;
};

namespace mota::api {

// Gives `t` the shape `dims` (every dim >= 0) and a zero-filled buffer. OUT_OF_MEMORY names
// `what` and the size when allocation fails.
Status AllocateTensor(mota_tensor_t& t, Shape dims, const std::string& what);

// kToCpu: a device fault of `backend` (e.g. the GPU lost) moves the model to the best CPU
// backend (exec::Session::CreatePreferred); kNone: the app named the backend, its errors are
// returned.
enum class Fallback { kNone, kToCpu };
// Opens a .mota file on `backend`, created with `options` (for an installed version: its
// variant's parameters, install::ToBackendOptions), into a new handle. Shared by
// mota_model_open_file and the client's mota_model_open.
Result<std::unique_ptr<mota_model_t>> OpenModel(const std::string& path, const std::string& backend,
                                                Fallback fallback,
                                                const exec::BackendOptions& options = {});
// The active version of `name` installed in `data_dir` (install::InstallStore), on `backend` or,
// when null, the backend it passed its self-test on; either way with the variant's parameters
// its install record keeps (precision, tuning, vulkan_quirks), as its self-test ran.
// Creates nothing when none is installed.
Result<std::unique_ptr<mota_model_t>> OpenInstalled(const std::string& data_dir,
                                                    const std::string& name, const char* backend);

}  // namespace mota::api

// In a C entry point: returns INVALID_ARGUMENT "<function>: <arg> is NULL" (recorded in the
// thread's slot and `slot`, when not null) when `arg` is NULL.
#define MOTA_C_CHECK(arg, function, slot)                                                        \
  do {                                                                                           \
    if ((arg) == nullptr) {                                                                      \
      return ::mota::api::Report(::mota::InvalidArgument(function, ": " #arg " is NULL"), slot); \
    }                                                                                            \
  } while (0)
