#include "server/admin/telemetry_api.h"

#include <ctime>

#include "server/admin/json_response.h"

namespace mota::server::admin {
namespace {

namespace repo = mota::server::repository;
using Json = nlohmann::json;

}  // namespace

TelemetryApi::TelemetryApi(repo::TelemetryStore* store, repo::RolloutManager* manager,
                           TelemetryApiOptions options)
    : store_(store), manager_(manager), options_(std::move(options)) {}

void TelemetryApi::AttachMetrics(http::MetricsRegistry& metrics) {
  events_ = metrics.GetCounter("mota_telemetry_events_total", "Telemetry events stored.");
  refused_ = metrics.GetCounter("mota_telemetry_batches_refused_total",
                                "Telemetry batches refused (malformed or over a limit).");
  auto_halts_ = metrics.GetCounter("mota_rollout_events_total", "Rollout changes by event.",
                                   {{"event", "auto_halt"}});
}

http::Response TelemetryApi::Receive(const http::Request& request) {
  const int64_t now = options_.clock ? options_.clock() : static_cast<int64_t>(std::time(nullptr));
  Result<std::vector<repo::TelemetryEvent>> events =
      repo::ParseTelemetryBatch(request.body, options_.limits);
  if (!events.ok()) {
    if (refused_) refused_->Increment();
    const bool too_big = events.status().code() == StatusCode::kOutOfRange;
    return JsonError(too_big ? 413 : 400, events.status().message());
  }
  Status stored = store_->Insert(*events, now);
  if (!stored.ok()) {
    return JsonError(stored.code() == StatusCode::kUnavailable ? 503 : 500, stored.message());
  }
  if (events_) events_->Increment(events->size());
  Json body = {{"stored", events->size()}, {"halted", Json::array()}};
  Result<std::vector<repo::HaltAction>> halted =
      repo::HaltOnBreach(*store_, *manager_, *events, options_.policy, now);
  if (!halted.ok()) {
    // The batch is stored; the halt is retried with the next batch about the release.
    body["halt_error"] = halted.status().message();
    return http::Response::Json(200, Dump(body) + "\n");
  }
  for (const repo::HaltAction& h : *halted) {
    body["halted"].push_back({{"model", h.model},
                              {"release", h.breach.release},
                              {"device_class", h.breach.device_class},
                              {"reason", h.breach.reason}});
    if (auto_halts_) auto_halts_->Increment();
    if (options_.log) {
      const std::string line = Dump({{"time", now},
                                     {"admin", "rollout_auto_halt"},
                                     {"model", h.model},
                                     {"release", h.breach.release},
                                     {"rollout_version", h.rollout_version},
                                     {"detail", h.breach.reason}}) +
                               "\n";
      std::fwrite(line.data(), 1, line.size(), options_.log);
      std::fflush(options_.log);
    }
  }
  return http::Response::Json(200, Dump(body) + "\n");
}

void RegisterTelemetryRoute(http::Router& router, TelemetryApi* api) {
  router.Handle(
      "POST", kTelemetryPath, [api](const http::Request& r) { return api->Receive(r); },
      {.route_class = "telemetry", .max_body_bytes = api->options().limits.max_body_bytes});
}

}  // namespace mota::server::admin
