// The rollout half of the admin API and the device telemetry endpoint, registered on the HTTP
// router (server/http/router.h). Rules: manifests/spec/repository.md "Rollouts and telemetry".
//
//   POST /v1/admin/rollouts/<model>   change a release's rollout, body:
//        {"release": 4, "action": "percent", "basis_points": 1000,
//         "when": {"os": ["android"]}, "reset": false, "reason": "..."}
//        action: "percent" (basis_points 0..10000 required) | "halt" | "resume" | "revoke"
//        -> 200 {"model", "release", "action", "rollout": <signed part>, "rollout_version",
//                "snapshot_version", "timestamp_version"}
//   GET  /v1/admin/rollouts/<model>   -> 200 {"model", "rollout": <signed part> | null,
//        "releases": [{"release", "publisher_revoked", "state", "percent", "basis_points",
//                      "when", "reason", "classes": [per device class statistics],
//                      "variants": [per variant and class]}], "policy": {...}}
//   POST /v1/telemetry                a device batch (telemetry_api.h), no token
//
// Admin calls need "Authorization: Bearer <token>" (AdminToken, constant-time; 401 otherwise,
// nothing read). Errors are {"error": "..."} naming what was wrong: 400 malformed body or field,
// 404 unknown model, 409 a change the rollout's state refuses (repository/rollout.h), 422 a
// repository whose signatures do not hold. Every admin call, refused ones included, is logged:
// one JSON line to the admin log and one row in the SQLite audit table (never the token).
//
//   MOTA_ASSIGN_OR_RETURN(auto admin, RolloutAdmin::Create({.repo = dir, .token_file = f,
//       .snapshot_key = s, .timestamp_key = t, .database = state + "/server.db"}));
//   admin->Register(router);                 // before http::Server starts
//   admin->AttachMetrics(server.metrics());
#pragma once

#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "server/admin/publish_api.h"
#include "server/admin/telemetry_api.h"
#include "server/http/metrics.h"
#include "server/http/router.h"
#include "server/repository/rollout.h"
#include "server/repository/telemetry_store.h"

namespace mota::server::admin {

inline constexpr size_t kMaxRolloutBody = 64 * 1024;
inline constexpr char kRolloutsPrefix[] = "/v1/admin/rollouts/";

struct RolloutApiOptions {
  FILE* log = nullptr;               // admin log (JSON lines); null: none
  std::function<int64_t()> clock;    // seconds since the Unix epoch; default: the system clock
  repository::FailurePolicy policy;  // shown by GET
};

class RolloutApi {
 public:
  RolloutApi(repository::RolloutManager* manager, repository::TelemetryStore* store,
             AdminToken token, RolloutApiOptions options = {});

  void AttachMetrics(http::MetricsRegistry& metrics);

  http::Response Change(const http::Request& request);
  http::Response Show(const http::Request& request);

 private:
  bool Authorized(const http::Request& request, std::string_view action, http::Response* out);
  void Log(const http::Request& request, std::string_view action, const http::Response& response,
           std::string_view detail);
  int64_t Now() const;

  repository::RolloutManager* manager_;
  repository::TelemetryStore* store_;
  AdminToken token_;
  RolloutApiOptions options_;
  std::mutex log_mutex_;
  http::MetricsRegistry* metrics_ = nullptr;
};

// Registers GET and POST /v1/admin/rollouts/<model>; `api` must outlive the server.
void RegisterRolloutRoutes(http::Router& router, RolloutApi* api);

// What `mota serve` needs to offer rollouts and telemetry, from its flags:
//   --token-file F --snapshot-key S.key --timestamp-key T.key --database FILE
//   [--max-failure-rate 0.05 --min-devices 50]
struct RolloutAdminFlags {
  std::string repo, token_file, snapshot_key, timestamp_key, database;
  repository::FailurePolicy policy;
  repository::TelemetryLimits limits;
  FILE* log = stderr;
  // Background refresh of the online metadata (RolloutManager::RefreshExpiring): checked at
  // start and every interval; anything expiring within the margin is re-signed. 0: off.
  int64_t refresh_interval_seconds = 600;
  int64_t refresh_margin_seconds = 6 * 3600;
};

class RolloutAdmin {
 public:
  // Also starts the background refresh (see RolloutAdminFlags), stopped by the destructor.
  static Result<std::unique_ptr<RolloutAdmin>> Create(const RolloutAdminFlags& flags);
  ~RolloutAdmin();
  // Registers the rollout routes and POST /v1/telemetry.
  void Register(http::Router& router);
  void AttachMetrics(http::MetricsRegistry& metrics);

 private:
  std::unique_ptr<repository::RolloutManager> manager_;
  std::unique_ptr<repository::TelemetryStore> store_;
  std::unique_ptr<RolloutApi> rollouts_;
  std::unique_ptr<TelemetryApi> telemetry_;

  void RefreshLoop(int64_t interval_seconds, int64_t margin_seconds, FILE* log);
  std::mutex refresh_mutex_;
  std::condition_variable refresh_wake_;
  bool stopping_ = false;
  std::thread refresher_;
};

}  // namespace mota::server::admin
