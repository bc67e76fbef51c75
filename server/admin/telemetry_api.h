// POST /v1/telemetry: device telemetry batches (manifests/spec/repository.md "Telemetry";
// format: server/repository/telemetry_event.h). No token: devices send it, so the endpoint
// trusts nothing it receives: the body is size-limited before it is read (the router refuses a
// larger one with 413), validated whole (400 naming the field; 413 over the event count),
// stored in one transaction, and then judged: a release whose failure rate on some device class
// passes the policy has its rollout halted (repository/telemetry_store.h HaltOnBreach).
//
//   -> 200 {"stored": 12, "halted": [{"model", "release", "device_class", "reason"}]}
#pragma once

#include <cstdint>
#include <functional>

#include "server/http/metrics.h"
#include "server/http/router.h"
#include "server/repository/rollout.h"
#include "server/repository/telemetry_store.h"

namespace mota::server::admin {

inline constexpr char kTelemetryPath[] = "/v1/telemetry";

struct TelemetryApiOptions {
  repository::FailurePolicy policy;
  repository::TelemetryLimits limits;
  std::function<int64_t()> clock;  // default: the system clock
  FILE* log = nullptr;             // automatic halts are logged here (JSON lines)
};

class TelemetryApi {
 public:
  TelemetryApi(repository::TelemetryStore* store, repository::RolloutManager* manager,
               TelemetryApiOptions options = {});
  void AttachMetrics(http::MetricsRegistry& metrics);
  http::Response Receive(const http::Request& request);
  const TelemetryApiOptions& options() const { return options_; }

 private:
  repository::TelemetryStore* store_;
  repository::RolloutManager* manager_;
  TelemetryApiOptions options_;
  http::Counter* events_ = nullptr;
  http::Counter* refused_ = nullptr;
  http::Counter* auto_halts_ = nullptr;
};

// Registers POST /v1/telemetry with the body limit of options().limits.
void RegisterTelemetryRoute(http::Router& router, TelemetryApi* api);

}  // namespace mota::server::admin
