// mota.hpp: a header-only C++17 convenience layer over mota.h, outside the ABI (nothing here is
// compiled into libmota; it only calls the C functions).
//
// - RAII: Model, Tensor, Client and ClientConfig own their C handle (move-only) and release it in
//   their destructor. `get()` gives the C handle for calls this layer does not wrap.
// - Errors without exceptions (the default): every fallible call returns mota::cxx::Expected<T>,
//   holding a value or an Error {status, message}. Check `ok()` (or `if (result)`) before
//   `value()`; `value()` on an error calls std::abort (a bug in the caller, never silent).
// - Exceptions, opt-in: define MOTA_HPP_EXCEPTIONS before including this header and `value()` on
//   an error throws mota::cxx::Exception (a std::runtime_error with the status) instead.
// Borrowed pointers (a model's input and output tensors) follow mota.h's lifetimes.
//
//   auto model = mota::cxx::Model::OpenFile("mlp.mota");
//   if (!model) { std::cerr << model.error().message; return 1; }
//   auto x = model->Input("input");
//   if (x) mota_tensor_copy_from_buffer(*x, pixels.data(), pixels.size() * sizeof(float));
//   if (auto run = model->Run(); !run) std::cerr << run.error().message;
//   auto y = model->Output(0);
//   const float* scores = static_cast<const float*>(mota_tensor_data(*y));
#ifndef MOTA_MOTA_HPP_
#define MOTA_MOTA_HPP_

#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#ifdef MOTA_HPP_EXCEPTIONS
#include <stdexcept>
#endif

#include "mota/mota.h"

namespace mota::cxx {
// The two error modes are different types (an inline namespace each), so translation units built
// with and without MOTA_HPP_EXCEPTIONS can be linked into one program without an ODR clash.
#ifdef MOTA_HPP_EXCEPTIONS
inline namespace throwing {
#else
inline namespace aborting {
#endif

struct Error {
  mota_status_t status = MOTA_ERR_INTERNAL;
  std::string message;
  // "NOT_FOUND: the model has no input named 'x' ...".
  std::string ToString() const { return std::string(mota_status_string(status)) + ": " + message; }
};

#ifdef MOTA_HPP_EXCEPTIONS
class Exception : public std::runtime_error {
 public:
  explicit Exception(Error error)
      : std::runtime_error(error.ToString()), error_(std::move(error)) {}
  const Error& error() const { return error_; }

 private:
  Error error_;
};
#endif

namespace detail {
[[noreturn]] inline void OnBadAccess(const Error& error) {
#ifdef MOTA_HPP_EXCEPTIONS
  throw Exception(error);
#else
  (void)error;
  std::abort();  // value() on an error: check ok() first
#endif
}
}  // namespace detail

// A value or an Error (std::expected's shape, for C++17/20).
template <typename T>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : data_(std::move(value)) {}      // NOLINT: implicit by design
  Expected(Error error) : data_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & {
    if (!ok()) detail::OnBadAccess(error());
    return std::get<0>(data_);
  }
  T&& value() && {
    if (!ok()) detail::OnBadAccess(error());
    return std::get<0>(std::move(data_));
  }
  T& operator*() & { return value(); }
  T* operator->() { return &value(); }
  // The error; an OK status with an empty message when ok().
  const Error& error() const {
    static const Error kNone{MOTA_OK, ""};
    return ok() ? kNone : std::get<1>(data_);
  }
  mota_status_t status() const { return error().status; }

 private:
  std::variant<T, Error> data_;
};

// Expected<void>: only a status.
template <>
class [[nodiscard]] Expected<void> {
 public:
  Expected() = default;
  Expected(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design
  bool ok() const { return error_.status == MOTA_OK; }
  explicit operator bool() const { return ok(); }
  void value() const {
    if (!ok()) detail::OnBadAccess(error_);
  }
  const Error& error() const { return error_; }
  mota_status_t status() const { return error_.status; }

 private:
  Error error_{MOTA_OK, ""};
};

namespace detail {
// The error of a failed call: the handle's message when it has one, else the thread's.
inline Error MakeError(mota_status_t status, const char* handle_message = nullptr) {
  const char* m =
      handle_message != nullptr && *handle_message != '\0' ? handle_message : mota_last_error();
  return Error{status, m};
}
inline Expected<void> Check(mota_status_t status) {
  if (status == MOTA_OK) return {};
  return MakeError(status);
}
}  // namespace detail

// unique_ptr deleters for code that keeps raw C handles.
struct TensorDeleter {
  void operator()(mota_tensor_t* t) const { mota_tensor_destroy(t); }
};
struct ModelDeleter {
  void operator()(mota_model_t* m) const { mota_model_close(m); }
};
struct ClientDeleter {
  void operator()(mota_client_t* c) const { mota_client_destroy(c); }
};
struct ClientConfigDeleter {
  void operator()(mota_client_config_t* c) const { mota_client_config_destroy(c); }
};
using TensorPtr = std::unique_ptr<mota_tensor_t, TensorDeleter>;
using ModelPtr = std::unique_ptr<mota_model_t, ModelDeleter>;
using ClientPtr = std::unique_ptr<mota_client_t, ClientDeleter>;
using ClientConfigPtr = std::unique_ptr<mota_client_config_t, ClientConfigDeleter>;

// A tensor's dims as a vector (empty for a scalar).
inline std::vector<int64_t> Dims(const mota_tensor_t* t) {
  const int64_t* d = mota_tensor_dims(t);
  return d == nullptr ? std::vector<int64_t>{} : std::vector<int64_t>(d, d + mota_tensor_rank(t));
}

// A caller-owned tensor.
class Tensor {
 public:
  static Expected<Tensor> Create(mota_dtype_t dtype, const std::vector<int64_t>& dims) {
    mota_tensor_t* t = nullptr;
    const mota_status_t s = mota_tensor_create(dtype, dims.data(), dims.size(), &t);
    if (s != MOTA_OK) return detail::MakeError(s);
    return Tensor(t);
  }
  static Expected<Tensor> FromNpy(const std::string& path) {
    mota_tensor_t* t = nullptr;
    const mota_status_t s = mota_tensor_create_from_npy(path.c_str(), &t);
    if (s != MOTA_OK) return detail::MakeError(s);
    return Tensor(t);
  }
  mota_tensor_t* get() const { return ptr_.get(); }

 private:
  explicit Tensor(mota_tensor_t* t) : ptr_(t) {}
  TensorPtr ptr_;
};

class Client;

class Model {
 public:
  // mota_model_open_file.
  static Expected<Model> OpenFile(const std::string& path, const std::string& backend = "auto") {
    mota_model_t* m = nullptr;
    const mota_status_t s = mota_model_open_file(path.c_str(), backend.c_str(), &m);
    if (s != MOTA_OK) return detail::MakeError(s);
    return Model(m);
  }
  // mota_model_open: the active version of `name`.
  static Expected<Model> Open(Client& client, const std::string& name);

  size_t input_count() const { return mota_model_input_count(get()); }
  size_t output_count() const { return mota_model_output_count(get()); }
  std::string backend() const { return mota_model_backend(get()); }

  Expected<mota_tensor_t*> Input(size_t index) {
    mota_tensor_t* t = nullptr;
    const mota_status_t s = mota_model_input(get(), index, &t);
    return Wrap(s, t);
  }
  Expected<mota_tensor_t*> Input(const std::string& name) {
    mota_tensor_t* t = nullptr;
    const mota_status_t s = mota_model_input_by_name(get(), name.c_str(), &t);
    return Wrap(s, t);
  }
  Expected<void> ResizeInput(size_t index, const std::vector<int64_t>& dims) {
    return Void(mota_model_resize_input(get(), index, dims.data(), dims.size()));
  }
  Expected<void> SetInput(size_t index, const Tensor& value) {
    return Void(mota_model_set_input(get(), index, value.get()));
  }
  Expected<void> Run() { return Void(mota_model_run(get())); }
  Expected<const mota_tensor_t*> Output(size_t index) const {
    const mota_tensor_t* t = nullptr;
    const mota_status_t s = mota_model_output(get(), index, &t);
    return Wrap(s, t);
  }
  Expected<const mota_tensor_t*> Output(const std::string& name) const {
    const mota_tensor_t* t = nullptr;
    const mota_status_t s = mota_model_output_by_name(get(), name.c_str(), &t);
    return Wrap(s, t);
  }

  mota_model_t* get() const { return ptr_.get(); }

 private:
  explicit Model(mota_model_t* m) : ptr_(m) {}
  // (Called after the C call: argument order would be unspecified with the call inside.)
  template <typename T>
  Expected<T> Wrap(mota_status_t s, T value) const {
    if (s != MOTA_OK) return detail::MakeError(s, mota_model_last_error(get()));
    return value;
  }
  Expected<void> Void(mota_status_t s) const {
    if (s != MOTA_OK) return detail::MakeError(s, mota_model_last_error(get()));
    return {};
  }
  ModelPtr ptr_;
};

// Client settings (mota_client_config_*). Setters return Expected<void>.
class ClientConfig {
 public:
  static Expected<ClientConfig> Create() {
    mota_client_config_t* c = nullptr;
    const mota_status_t s = mota_client_config_create(&c);
    if (s != MOTA_OK) return detail::MakeError(s);
    return ClientConfig(c);
  }
  Expected<void> SetDataDir(const std::string& v) {
    return detail::Check(mota_client_config_set_data_dir(get(), v.c_str()));
  }
  Expected<void> SetServerUrl(const std::string& v) {
    return detail::Check(mota_client_config_set_server_url(get(), v.c_str()));
  }
  Expected<void> SetTrustedRoot(const std::string& v) {
    return detail::Check(mota_client_config_set_trusted_root(get(), v.c_str()));
  }
  Expected<void> SetInstallId(const std::string& v) {
    return detail::Check(mota_client_config_set_install_id(get(), v.c_str()));
  }
  Expected<void> SetInt(mota_client_option_t option, int64_t value) {
    return detail::Check(mota_client_config_set_int(get(), option, value));
  }
  mota_client_config_t* get() const { return ptr_.get(); }

 private:
  explicit ClientConfig(mota_client_config_t* c) : ptr_(c) {}
  ClientConfigPtr ptr_;
};

struct CheckResult {
  bool update_available = false;
  std::string reason;
};

// Progress of an update: (model, variant, bytes_done, bytes_total).
using ProgressFn = std::function<void(const char*, const char*, uint64_t, uint64_t)>;

class Client {
 public:
  static Expected<Client> Create(const ClientConfig& config) {
    mota_client_t* c = nullptr;
    const mota_status_t s = mota_client_create(config.get(), &c);
    if (s != MOTA_OK) return detail::MakeError(s);
    return Client(c);
  }
  Expected<CheckResult> Check(const std::string& model) {
    int available = 0;
    const char* reason = nullptr;
    const mota_status_t s = mota_client_check(get(), model.c_str(), &available, &reason);
    if (s != MOTA_OK) return Fail(s);
    return CheckResult{available != 0, reason};
  }
  // Blocking; true when a new version became active. Cancel() from another thread stops it.
  // `progress` runs inside libmota's C code: it must not throw.
  Expected<bool> Update(const std::string& model, const ProgressFn& progress = nullptr) {
    int changed = 0;
    const mota_status_t s =
        mota_client_update(get(), model.c_str(), progress ? &Trampoline : nullptr,
                           const_cast<ProgressFn*>(&progress), &changed);
    if (s != MOTA_OK) return Fail(s);
    return changed != 0;
  }
  void Cancel() { mota_client_cancel(get()); }
  std::string last_report() const { return mota_client_last_report(get()); }
  mota_client_t* get() const { return ptr_.get(); }

 private:
  explicit Client(mota_client_t* c) : ptr_(c) {}
  static void Trampoline(void* user, const char* model, const char* variant, uint64_t done,
                         uint64_t total) {
    (*static_cast<ProgressFn*>(user))(model, variant, done, total);
  }
  Error Fail(mota_status_t s) const { return detail::MakeError(s, mota_client_last_error(get())); }
  ClientPtr ptr_;
};

inline Expected<Model> Model::Open(Client& client, const std::string& name) {
  mota_model_t* m = nullptr;
  const mota_status_t s = mota_model_open(client.get(), name.c_str(), &m);
  if (s != MOTA_OK) return detail::MakeError(s, mota_client_last_error(client.get()));
  return Model(m);
}

}  // inline namespace
}  // namespace mota::cxx

#endif  // MOTA_MOTA_HPP_
