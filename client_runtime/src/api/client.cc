// mota_client_*: the C face of client::Client (delivery/client/client.h): config setters, check,
// a blocking update with progress and cancel, the active version, and mota_model_open.
#include "delivery/client/client.h"

#include <atomic>
#include <limits>

#include "api/handles.h"
#include "device/profiler.h"

struct mota_client_config_t {
  mota::client::ClientConfig config;
  std::string soc;  // applied over the detected device facts in mota_client_create
  mota_network_policy_fn policy = nullptr;
  void* policy_user_data = nullptr;
};

struct mota_client_t {
  std::unique_ptr<mota::client::Client> client;
  std::atomic<bool> cancel{false};
  mota::api::ErrorSlot error;
  std::string report;  // mota_client_last_report
  // Strings the last call lent out (check's reason, active's variant and backend).
  std::string reason, variant, backend;
};

namespace mota::api {
namespace {

struct OptionBounds {
  mota_client_option_t option;
  const char* name;
  int64_t min, max;
};

constexpr int64_t kMaxI64 = std::numeric_limits<int64_t>::max();
constexpr OptionBounds kOptions[] = {
    {MOTA_CLIENT_OPT_MAX_IN_FLIGHT, "MOTA_CLIENT_OPT_MAX_IN_FLIGHT", 1, 64},
    {MOTA_CLIENT_OPT_MAX_ATTEMPTS, "MOTA_CLIENT_OPT_MAX_ATTEMPTS", 1, 100},
    {MOTA_CLIENT_OPT_DISK_BUDGET_BYTES, "MOTA_CLIENT_OPT_DISK_BUDGET_BYTES", 0, kMaxI64},
    {MOTA_CLIENT_OPT_TELEMETRY, "MOTA_CLIENT_OPT_TELEMETRY", 0, 1},
    {MOTA_CLIENT_OPT_CONNECT_TIMEOUT_MS, "MOTA_CLIENT_OPT_CONNECT_TIMEOUT_MS", 1, 3600000},
    {MOTA_CLIENT_OPT_REQUEST_TIMEOUT_MS, "MOTA_CLIENT_OPT_REQUEST_TIMEOUT_MS", 0, 86400000},
    {MOTA_CLIENT_OPT_STALL_BYTES_PER_SECOND, "MOTA_CLIENT_OPT_STALL_BYTES_PER_SECOND", 0,
     int64_t{1} << 40},
    {MOTA_CLIENT_OPT_STALL_SECONDS, "MOTA_CLIENT_OPT_STALL_SECONDS", 1, 86400},
};

Result<const OptionBounds*> FindOption(mota_client_option_t option, const char* function) {
  for (const OptionBounds& b : kOptions) {
    if (b.option == option) return &b;
  }
  return InvalidArgument(function, ": option ", static_cast<int>(option),
                         " is not a mota_client_option_t (expected 1..8)");
}

void Apply(client::ClientConfig& c, mota_client_option_t option, int64_t v) {
  switch (option) {
    case MOTA_CLIENT_OPT_MAX_IN_FLIGHT:
      c.max_in_flight = static_cast<int>(v);
      break;
    case MOTA_CLIENT_OPT_MAX_ATTEMPTS:
      c.max_attempts = static_cast<int>(v);
      break;
    case MOTA_CLIENT_OPT_DISK_BUDGET_BYTES:
      c.disk_budget_bytes = static_cast<uint64_t>(v);
      break;
    case MOTA_CLIENT_OPT_TELEMETRY:
      c.telemetry = v != 0;
      break;
    case MOTA_CLIENT_OPT_CONNECT_TIMEOUT_MS:
      c.http.connect_timeout = std::chrono::milliseconds(v);
      break;
    case MOTA_CLIENT_OPT_REQUEST_TIMEOUT_MS:
      c.http.request_timeout = std::chrono::milliseconds(v);
      break;
    case MOTA_CLIENT_OPT_STALL_BYTES_PER_SECOND:
      c.http.stall_bytes_per_second = v;
      break;
    case MOTA_CLIENT_OPT_STALL_SECONDS:
      c.http.stall_time = std::chrono::seconds(v);
      break;
  }
}

// Sets one string field of the config: NULL and "" are refused (every string setting has a
// meaning only when given).
mota_status_t SetString(mota_client_config_t* config, const char* value, const char* function,
                        std::string mota_client_config_t::*field_of_wrapper,
                        std::string client::ClientConfig::*field) {
  MOTA_C_CHECK(config, function, nullptr);
  MOTA_C_CHECK(value, function, nullptr);
  if (*value == '\0') return Report(InvalidArgument(function, ": the value is empty"));
  if (field_of_wrapper != nullptr) config->*field_of_wrapper = value;
  if (field != nullptr) config->config.*field = value;
  return Report(Status::Ok());
}

Result<client::ClientConfig> BuildConfig(const mota_client_config_t& c) {
  client::ClientConfig config = c.config;
  if (!c.soc.empty()) {
    device::Profiler profiler;
    MOTA_RETURN_IF_ERROR(profiler.SetSoc(c.soc));
    config.device = profiler.Facts();
  }
  if (c.policy != nullptr) {
    const mota_network_policy_fn policy = c.policy;
    void* user = c.policy_user_data;
    config.policy = [policy, user](uint64_t bytes) -> Status {
      if (policy(user, bytes) != 0) return Status::Ok();
      return FailedPrecondition("the app's network policy refused downloading ", bytes,
                                " bytes now");
    };
  }
  return config;
}

// NULL or "": said as such, before any network access (an empty name must never surface as a
// confusing server or trust error).
Status CheckModelName(const char* model, const char* function) {
  if (model == nullptr) return InvalidArgument(function, ": model is NULL");
  if (*model == '\0') {
    return InvalidArgument(function,
                           ": the model name is empty: give the name the model is published "
                           "under (deploy.yaml `model:`)");
  }
  return Status::Ok();
}

mota_status_t ReportClient(mota_client_t* c, const Status& status) {
  return Report(status, &c->error);
}

std::string CheckReport(const client::CheckResult& r) {
  std::string s = r.selection.status;
  if (r.active) {
    s += StrCat("; active: release ", r.active->release, " variant ", r.active->variant);
  } else {
    s += "; nothing active yet";
  }
  return s;
}

std::string UpdateReport(const client::UpdateResult& r) {
  std::string s = StrCat(r.model, ": release ", r.release, " variant ", r.variant, " on ",
                         r.backend, r.changed ? " (new)" : " (already active)", "; ", r.why,
                         "; downloaded ", r.bytes_downloaded, " of ", r.bytes_total, " bytes (",
                         r.blobs_downloaded, " chunks, ", r.blobs_present, " already stored)");
  for (const client::Attempt& a : r.attempts) {
    s += StrCat("\n  tried ", a.release, "-", a.variant, " on ", a.backend, ": ", a.outcome);
    if (!a.reason.empty()) s += " (" + a.reason + ")";
  }
  return s;
}

Status Check(mota_client_t& c, const char* model, int* out_available, const char** out_reason) {
  MOTA_RETURN_IF_ERROR(CheckModelName(model, "mota_client_check"));
  MOTA_ASSIGN_OR_RETURN(client::CheckResult r, c.client->Check(model));
  c.report = CheckReport(r);
  if (!r.selection.found) {
    return Status(StatusCode::kIncompatible,
                  StrCat("mota_client_check: model '", model, "': ", r.selection.status));
  }
  c.reason = r.selection.status;
  if (out_available != nullptr) *out_available = r.update_available ? 1 : 0;
  if (out_reason != nullptr) *out_reason = c.reason.c_str();
  return Status::Ok();
}

Status Update(mota_client_t& c, const char* model, mota_progress_fn progress, void* user,
              int* out_changed) {
  MOTA_RETURN_IF_ERROR(CheckModelName(model, "mota_client_update"));
  client::UpdateOptions options;
  options.cancel = &c.cancel;
  if (progress != nullptr) {
    options.progress = [progress, user](const client::UpdateProgress& p) {
      progress(user, p.model.c_str(), p.variant.c_str(), p.bytes_done, p.bytes_total);
    };
  }
  MOTA_ASSIGN_OR_RETURN(client::UpdateResult r, c.client->Update(model, options));
  c.report = UpdateReport(r);
  if (out_changed != nullptr) *out_changed = r.changed ? 1 : 0;
  return Status::Ok();
}

}  // namespace
}  // namespace mota::api

using mota::api::Report;

extern "C" {

mota_status_t mota_client_config_create(mota_client_config_t** out_config) {
  MOTA_C_CHECK(out_config, "mota_client_config_create", nullptr);
  *out_config = new (std::nothrow) mota_client_config_t();
  if (*out_config == nullptr) {
    return Report(mota::OutOfMemory("mota_client_config_create: cannot allocate the config"));
  }
  return Report(mota::Status::Ok());
}

void mota_client_config_destroy(mota_client_config_t* config) { delete config; }

mota_status_t mota_client_config_set_data_dir(mota_client_config_t* config, const char* path) {
  return mota::api::SetString(config, path, "mota_client_config_set_data_dir", nullptr,
                              &mota::client::ClientConfig::data_dir);
}

mota_status_t mota_client_config_set_server_url(mota_client_config_t* config, const char* url) {
  return mota::api::SetString(config, url, "mota_client_config_set_server_url", nullptr,
                              &mota::client::ClientConfig::server_url);
}

mota_status_t mota_client_config_set_trusted_root(mota_client_config_t* config, const char* path) {
  return mota::api::SetString(config, path, "mota_client_config_set_trusted_root", nullptr,
                              &mota::client::ClientConfig::trusted_root);
}

mota_status_t mota_client_config_set_install_id(mota_client_config_t* config,
                                                const char* install_id) {
  return mota::api::SetString(config, install_id, "mota_client_config_set_install_id", nullptr,
                              &mota::client::ClientConfig::install_id);
}

mota_status_t mota_client_config_set_device_class(mota_client_config_t* config,
                                                  const char* device_class) {
  return mota::api::SetString(config, device_class, "mota_client_config_set_device_class", nullptr,
                              &mota::client::ClientConfig::device_class);
}

mota_status_t mota_client_config_set_soc(mota_client_config_t* config, const char* soc) {
  return mota::api::SetString(config, soc, "mota_client_config_set_soc", &mota_client_config_t::soc,
                              nullptr);
}

mota_status_t mota_client_config_set_ca_file(mota_client_config_t* config, const char* path) {
  MOTA_C_CHECK(config, "mota_client_config_set_ca_file", nullptr);
  MOTA_C_CHECK(path, "mota_client_config_set_ca_file", nullptr);
  config->config.http.ca_file = path;
  return Report(mota::Status::Ok());
}

mota_status_t mota_client_option_bounds(mota_client_option_t option, int64_t* out_min,
                                        int64_t* out_max) {
  MOTA_C_CHECK(out_min, "mota_client_option_bounds", nullptr);
  MOTA_C_CHECK(out_max, "mota_client_option_bounds", nullptr);
  auto b = mota::api::FindOption(option, "mota_client_option_bounds");
  if (!b.ok()) return Report(b.status());
  *out_min = (*b)->min;
  *out_max = (*b)->max;
  return Report(mota::Status::Ok());
}

mota_status_t mota_client_config_set_int(mota_client_config_t* config, mota_client_option_t option,
                                         int64_t value) {
  MOTA_C_CHECK(config, "mota_client_config_set_int", nullptr);
  auto b = mota::api::FindOption(option, "mota_client_config_set_int");
  if (!b.ok()) return Report(b.status());
  if (value < (*b)->min || value > (*b)->max) {
    return Report(mota::OutOfRange("mota_client_config_set_int: ", (*b)->name, " is ", value,
                                   ", expected ", (*b)->min, "..", (*b)->max));
  }
  mota::api::Apply(config->config, option, value);
  return Report(mota::Status::Ok());
}

mota_status_t mota_client_config_set_network_policy(mota_client_config_t* config,
                                                    mota_network_policy_fn policy,
                                                    void* user_data) {
  MOTA_C_CHECK(config, "mota_client_config_set_network_policy", nullptr);
  config->policy = policy;
  config->policy_user_data = user_data;
  return Report(mota::Status::Ok());
}

mota_status_t mota_client_create(const mota_client_config_t* config, mota_client_t** out_client) {
  MOTA_C_CHECK(out_client, "mota_client_create", nullptr);
  *out_client = nullptr;
  MOTA_C_CHECK(config, "mota_client_create", nullptr);
  auto built = mota::api::BuildConfig(*config);
  if (!built.ok()) return Report(built.status().WithContext("mota_client_create"));
  auto client = mota::client::Client::Create(std::move(built).value());
  if (!client.ok()) return Report(client.status().WithContext("mota_client_create"));
  auto c = std::make_unique<mota_client_t>();
  c->client = std::move(client).value();
  *out_client = c.release();
  return Report(mota::Status::Ok());
}

void mota_client_destroy(mota_client_t* client) { delete client; }

const char* mota_client_last_error(const mota_client_t* client) {
  return client == nullptr ? "" : client->error.c_str();
}

const char* mota_client_last_report(const mota_client_t* client) {
  return client == nullptr ? "" : client->report.c_str();
}

mota_status_t mota_client_check(mota_client_t* client, const char* model, int* out_update_available,
                                const char** out_reason) {
  if (out_update_available != nullptr) *out_update_available = 0;
  if (out_reason != nullptr) *out_reason = nullptr;
  MOTA_C_CHECK(client, "mota_client_check", nullptr);
  MOTA_C_CHECK(out_update_available, "mota_client_check", &client->error);
  return mota::api::ReportClient(
      client, mota::api::Check(*client, model, out_update_available, out_reason));
}

mota_status_t mota_client_update(mota_client_t* client, const char* model,
                                 mota_progress_fn progress, void* user_data, int* out_changed) {
  if (out_changed != nullptr) *out_changed = 0;
  MOTA_C_CHECK(client, "mota_client_update", nullptr);
  // A cancel from before this call belonged to an earlier update (mota.h: no effect).
  client->cancel.store(false);
  const mota::Status st = mota::api::Update(*client, model, progress, user_data, out_changed);
  return mota::api::ReportClient(client, st);
}

void mota_client_cancel(mota_client_t* client) {
  if (client != nullptr) client->cancel.store(true);
}

mota_status_t mota_client_active(mota_client_t* client, const char* model, int64_t* out_release,
                                 const char** out_variant, const char** out_backend) {
  if (out_release != nullptr) *out_release = 0;
  if (out_variant != nullptr) *out_variant = nullptr;
  if (out_backend != nullptr) *out_backend = nullptr;
  MOTA_C_CHECK(client, "mota_client_active", nullptr);
  MOTA_C_CHECK(model, "mota_client_active", &client->error);
  if (model[0] == '\0') {
    return Report(mota::api::CheckModelName(model, "mota_client_active"), &client->error);
  }
  auto active = client->client->Active(model);
  if (!active.ok()) return Report(active.status(), &client->error);
  client->variant = active->variant;
  client->backend = active->backend;
  if (out_release != nullptr) *out_release = active->release;
  if (out_variant != nullptr) *out_variant = client->variant.c_str();
  if (out_backend != nullptr) *out_backend = client->backend.c_str();
  return Report(mota::Status::Ok(), &client->error);
}

mota_status_t mota_client_rollback(mota_client_t* client, const char* model, const char* reason) {
  MOTA_C_CHECK(client, "mota_client_rollback", nullptr);
  MOTA_C_CHECK(model, "mota_client_rollback", &client->error);
  if (model[0] == '\0') {
    return Report(mota::api::CheckModelName(model, "mota_client_rollback"), &client->error);
  }
  MOTA_C_CHECK(reason, "mota_client_rollback", &client->error);
  return Report(client->client->RollBack(model, reason), &client->error);
}

mota_status_t mota_client_flush_telemetry(mota_client_t* client) {
  MOTA_C_CHECK(client, "mota_client_flush_telemetry", nullptr);
  auto r = client->client->FlushTelemetry();
  if (r.ok()) {
    client->report = mota::StrCat("telemetry: ", r->sent, " sent, ", r->queued, " queued, ",
                                  r->dropped, " dropped");
  }
  return Report(r.status(), &client->error);
}

mota_status_t mota_model_open(mota_client_t* client, const char* model_name,
                              mota_model_t** out_model) {
  if (out_model != nullptr) *out_model = nullptr;
  MOTA_C_CHECK(client, "mota_model_open", nullptr);
  MOTA_C_CHECK(model_name, "mota_model_open", &client->error);
  if (model_name[0] == '\0') {
    return Report(mota::api::CheckModelName(model_name, "mota_model_open"), &client->error);
  }
  MOTA_C_CHECK(out_model, "mota_model_open", &client->error);
  auto active = client->client->Active(model_name);
  if (!active.ok()) return Report(active.status().WithContext("mota_model_open"), &client->error);
  auto m = mota::api::OpenModel(active->path, active->backend, mota::api::Fallback::kToCpu,
                                mota::install::ToBackendOptions(active->params));
  if (!m.ok()) {
    return Report(
        m.status().WithContext(mota::StrCat("mota_model_open: model '", model_name, "' release ",
                                            active->release, " variant ", active->variant)),
        &client->error);
  }
  *out_model = std::move(m).value().release();
  return Report(mota::Status::Ok(), &client->error);
}

}  // extern "C"
