#include "server/admin/rollout_api.h"

#include <ctime>

#include "manifests/lib/rollout/bucket.h"
#include "manifests/lib/tuf/canonical_json.h"
#include "manifests/lib/tuf/target_custom.h"
#include "server/admin/json_response.h"

namespace mota::server::admin {
namespace {

namespace repo = mota::server::repository;
using Json = nlohmann::json;

// The <model> of /v1/admin/rollouts/<model>, checked before it is used or echoed.
Result<std::string> ModelFromPath(std::string_view path) {
  std::string_view rest = path.substr(std::string_view(kRolloutsPrefix).size());
  if (tuf::CheckModelName(rest, "model").ok()) return std::string(rest);
  std::string shown;
  for (char c : rest.substr(0, 64)) shown += (c >= 0x20 && c < 0x7f) ? c : '?';
  return InvalidArgument("path: '", shown, "' is not a model name ([a-z0-9][a-z0-9_-]{0,63})");
}

Result<repo::RolloutAction> ParseAction(const std::string& text) {
  using A = repo::RolloutAction;
  for (A a : {A::kSetPercent, A::kHalt, A::kResume, A::kRevoke}) {
    if (text == repo::RolloutActionName(a)) return a;
  }
  return InvalidArgument("action: '", text, "', expected percent, halt, resume or revoke");
}

Result<int64_t> IntField(const Json& body, const char* name, int64_t min, int64_t max) {
  auto it = body.find(name);
  if (it == body.end()) return InvalidArgument(name, ": missing (required field)");
  if (!it->is_number_integer() || it->get<int64_t>() < min || it->get<int64_t>() > max ||
      (it->is_number_unsigned() && it->get<uint64_t>() > uint64_t(max))) {
    return InvalidArgument(name, ": expected an integer from ", min, " to ", max, ", got ",
                           Dump(*it));
  }
  return it->get<int64_t>();
}

// The request body of POST /v1/admin/rollouts/<model> (see rollout_api.h).
Result<repo::RolloutChange> ParseChange(std::string_view body, const std::string& model) {
  MOTA_ASSIGN_OR_RETURN(Json j, tuf::ParseJson(body, "request body"));
  if (!j.is_object()) return InvalidArgument("request body: expected a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    static const char* const kKnown[] = {"release", "action", "basis_points",
                                         "when",    "reset",  "reason"};
    bool known = false;
    for (const char* k : kKnown) known = known || it.key() == k;
    if (!known) return InvalidArgument(it.key(), ": unknown field");
  }
  repo::RolloutChange c;
  c.model = model;
  MOTA_ASSIGN_OR_RETURN(c.release, IntField(j, "release", 1, INT64_MAX));
  if (!j.contains("action") || !j["action"].is_string()) {
    return InvalidArgument("action: expected a string (percent, halt, resume or revoke)");
  }
  MOTA_ASSIGN_OR_RETURN(c.action, ParseAction(j["action"].get<std::string>()));
  if (c.action == repo::RolloutAction::kSetPercent) {
    MOTA_ASSIGN_OR_RETURN(c.basis_points, IntField(j, "basis_points", 0, rollout::kBuckets));
  } else if (j.contains("basis_points") || j.contains("when") || j.contains("reset")) {
    return InvalidArgument("basis_points, when and reset go with action 'percent' only");
  }
  if (j.contains("when")) {
    if (!j["when"].is_object()) return InvalidArgument("when: expected an object of conditions");
    c.when = j["when"];
  }
  if (j.contains("reset")) {
    if (!j["reset"].is_boolean()) return InvalidArgument("reset: expected true or false");
    c.reset = j["reset"].get<bool>();
  }
  if (j.contains("reason")) {
    if (!j["reason"].is_string()) return InvalidArgument("reason: expected a string");
    c.reason = j["reason"].get<std::string>();
  }
  return c;
}

Json StatsJson(const repo::GroupStats& g, const repo::FailurePolicy& policy) {
  Json j = {{"device_class", g.device_class},
            {"devices", g.devices},
            {"failed_devices", g.failed_devices},
            {"failure_rate", g.FailureRate()},
            {"successes", g.successes},
            {"failures", g.failures},
            {"selftest_failures", g.selftest_failures},
            {"fallbacks", g.fallbacks},
            {"latency_reports", g.latency_reports},
            {"max_p99_us", g.max_p99_us},
            {"over_threshold",
             g.devices >= policy.min_devices && g.FailureRate() > policy.max_failure_rate}};
  if (!g.variant.empty()) j["variant"] = g.variant;
  return j;
}

// One release's line in GET: its rollout entry (or what applies without one) and statistics.
Json ReleaseJson(const repo::PublishedRelease& r, const std::optional<rollout::Rollout>& doc) {
  Json j = {{"release", r.release}, {"publisher_revoked", r.revoked}};
  const rollout::ReleaseRollout* e = doc ? doc->Find(r.release) : nullptr;
  if (e != nullptr) {
    j["state"] = rollout::StateName(e->state);
    j["basis_points"] = e->basis_points;
    j["reason"] = e->reason;
    j["when"] = e->when_json ? *e->when_json : Json(nullptr);
  } else {
    const bool offered = !doc || doc->unlisted == rollout::Unlisted::kOffer;
    j["state"] = offered ? "active" : "held";
    j["basis_points"] = offered ? rollout::kBuckets : 0;
    j["reason"] = doc ? "not listed in the rollout document (unlisted: " +
                            std::string(rollout::UnlistedName(doc->unlisted)) + ")"
                      : "no rollout document: offered to every device";
    j["when"] = nullptr;
  }
  j["percent"] = rollout::FormatBasisPoints(j["basis_points"].get<int64_t>());
  j["classes"] = Json::array();
  j["variants"] = Json::array();
  return j;
}

}  // namespace

RolloutApi::RolloutApi(repo::RolloutManager* manager, repo::TelemetryStore* store, AdminToken token,
                       RolloutApiOptions options)
    : manager_(manager), store_(store), token_(std::move(token)), options_(std::move(options)) {}

void RolloutApi::AttachMetrics(http::MetricsRegistry& metrics) { metrics_ = &metrics; }

int64_t RolloutApi::Now() const {
  return options_.clock ? options_.clock() : static_cast<int64_t>(std::time(nullptr));
}

void RolloutApi::Log(const http::Request& request, std::string_view action,
                     const http::Response& response, std::string_view detail) {
  repo::AuditEntry a{.time = Now(),
                     .remote = request.remote_address,
                     .method = std::string(request.method),
                     .path = std::string(request.path),
                     .action = std::string(action),
                     .detail = std::string(detail),
                     .status = response.status};
  Status audited = store_ ? store_->Audit(a) : Status::Ok();
  if (!options_.log) return;
  Json line = {{"time", a.time},     {"admin", "rollout_" + a.action},
               {"method", a.method}, {"path", a.path},
               {"remote", a.remote}, {"status", a.status},
               {"detail", a.detail}};
  if (!audited.ok()) line["audit_error"] = audited.message();
  const std::string text = Dump(line) + "\n";
  std::lock_guard<std::mutex> guard(log_mutex_);
  std::fwrite(text.data(), 1, text.size(), options_.log);
  std::fflush(options_.log);
}

bool RolloutApi::Authorized(const http::Request& request, std::string_view action,
                            http::Response* out) {
  if (token_.Matches(request.BearerToken())) return true;
  *out = JsonError(401, request.BearerToken().empty()
                            ? "missing \"Authorization: Bearer <token>\" header"
                            : "wrong bearer token");
  Log(request, action, *out, "refused: token");
  return false;
}

http::Response RolloutApi::Change(const http::Request& request) {
  http::Response response;
  if (!Authorized(request, "change", &response)) return response;
  Result<std::string> model = ModelFromPath(request.path);
  Result<repo::RolloutChange> change =
      model.ok() ? ParseChange(request.body, *model) : Result<repo::RolloutChange>(model.status());
  if (!change.ok()) {
    response = JsonError(400, change.status().message());
    Log(request, "change", response, change.status().message());
    return response;
  }
  const char* action = repo::RolloutActionName(change->action);
  Result<repo::RolloutResult> r = manager_->Apply(*change, Now());
  if (!r.ok()) {
    response = JsonError(HttpStatusFor(r.status()), r.status().message());
    Log(request, action, response, r.status().message());
    return response;
  }
  if (change->action == repo::RolloutAction::kResume) {
    // Judge the release afresh; the resume itself is done, so a failure here is only logged.
    Status marked = store_->MarkResumed(change->model, change->release);
    if (!marked.ok()) Log(request, "resume_mark", response, marked.message());
  }
  Json body = {{"model", change->model},
               {"release", change->release},
               {"action", action},
               {"rollout", rollout::ToJson(r->rollout)},
               {"rollout_version", r->versions.rollout},
               {"snapshot_version", r->versions.snapshot},
               {"timestamp_version", r->versions.timestamp}};
  response = http::Response::Json(200, Dump(body) + "\n");
  if (metrics_) {
    metrics_
        ->GetCounter("mota_rollout_events_total", "Rollout changes by event.", {{"event", action}})
        ->Increment();
  }
  const rollout::ReleaseRollout* e = r->rollout.Find(change->release);
  Log(request, action, response,
      StrCat("release ", change->release, " now ", rollout::StateName(e->state), " at ",
             rollout::FormatBasisPoints(e->basis_points), ", rollout version ",
             r->versions.rollout));
  return response;
}

http::Response RolloutApi::Show(const http::Request& request) {
  http::Response response;
  if (!Authorized(request, "show", &response)) return response;
  Result<std::string> model = ModelFromPath(request.path);
  Result<repo::RolloutView> view =
      model.ok() ? manager_->View(*model) : Result<repo::RolloutView>(model.status());
  Result<std::vector<repo::GroupStats>> classes =
      view.ok() ? store_->Stats(*model, 0, false)
                : Result<std::vector<repo::GroupStats>>(view.status());
  Result<std::vector<repo::GroupStats>> variants =
      classes.ok() ? store_->Stats(*model, 0, true) : classes;
  if (!variants.ok()) {
    const Status& s = variants.status();
    response = JsonError(model.ok() ? HttpStatusFor(s) : 400, s.message());
    Log(request, "show", response, s.message());
    return response;
  }
  Json releases = Json::array();
  std::map<int64_t, size_t> index;
  for (auto it = view->releases.rbegin(); it != view->releases.rend(); ++it) {
    index[it->first] = releases.size();
    releases.push_back(ReleaseJson(it->second, view->rollout));
  }
  for (const auto* list : {&*classes, &*variants}) {
    for (const repo::GroupStats& g : *list) {
      auto at = index.find(g.release);
      if (at == index.end()) continue;  // telemetry about a release the model does not list
      releases[at->second][list == &*classes ? "classes" : "variants"].push_back(
          StatsJson(g, options_.policy));
    }
  }
  Json body = {{"model", *model},
               {"rollout", view->rollout ? rollout::ToJson(*view->rollout) : Json(nullptr)},
               {"releases", std::move(releases)},
               {"policy",
                {{"max_failure_rate", options_.policy.max_failure_rate},
                 {"min_devices", options_.policy.min_devices}}}};
  response = http::Response::Json(200, Dump(body) + "\n");
  Log(request, "show", response, "");
  return response;
}

void RegisterRolloutRoutes(http::Router& router, RolloutApi* api) {
  router.HandlePrefix("POST", kRolloutsPrefix,
                      [api](const http::Request& r) { return api->Change(r); },
                      {.route_class = "admin_rollout", .max_body_bytes = kMaxRolloutBody});
  router.HandlePrefix("GET", kRolloutsPrefix,
                      [api](const http::Request& r) { return api->Show(r); },
                      {.route_class = "admin_rollout"});
}

Result<std::unique_ptr<RolloutAdmin>> RolloutAdmin::Create(const RolloutAdminFlags& flags) {
  if (flags.token_file.empty() || flags.snapshot_key.empty() || flags.timestamp_key.empty() ||
      flags.database.empty()) {
    return InvalidArgument(
        "rollouts need --token-file, --snapshot-key, --timestamp-key and --database together");
  }
  if (!(flags.policy.max_failure_rate >= 0 && flags.policy.max_failure_rate < 1) ||
      flags.policy.min_devices < 1) {
    return InvalidArgument("failure policy: max failure rate ", flags.policy.max_failure_rate,
                           " must be in [0, 1) and min devices ", flags.policy.min_devices,
                           " at least 1");
  }
  MOTA_ASSIGN_OR_RETURN(AdminToken token, AdminToken::FromFile(flags.token_file));
  MOTA_ASSIGN_OR_RETURN(tuf::SigningKey snapshot, tuf::SigningKey::LoadPrivate(flags.snapshot_key));
  MOTA_ASSIGN_OR_RETURN(tuf::SigningKey timestamp,
                        tuf::SigningKey::LoadPrivate(flags.timestamp_key));
  auto admin = std::unique_ptr<RolloutAdmin>(new RolloutAdmin());
  admin->manager_ = std::make_unique<repo::RolloutManager>(
      repo::RolloutConfig{.repo = flags.repo, .keys = {std::move(snapshot), std::move(timestamp)}});
  MOTA_ASSIGN_OR_RETURN(admin->store_, repo::TelemetryStore::Open(flags.database));
  admin->rollouts_ =
      std::make_unique<RolloutApi>(admin->manager_.get(), admin->store_.get(), std::move(token),
                                   RolloutApiOptions{.log = flags.log, .policy = flags.policy});
  admin->telemetry_ = std::make_unique<TelemetryApi>(
      admin->store_.get(), admin->manager_.get(),
      TelemetryApiOptions{.policy = flags.policy, .limits = flags.limits, .log = flags.log});
  if (flags.refresh_interval_seconds > 0) {
    RolloutAdmin* self = admin.get();
    admin->refresher_ = std::thread([self, flags] {
      self->RefreshLoop(flags.refresh_interval_seconds, flags.refresh_margin_seconds, flags.log);
    });
  }
  return admin;
}

RolloutAdmin::~RolloutAdmin() {
  {
    std::lock_guard<std::mutex> lock(refresh_mutex_);
    stopping_ = true;
  }
  refresh_wake_.notify_all();
  if (refresher_.joinable()) refresher_.join();
}

void RolloutAdmin::RefreshLoop(int64_t interval_seconds, int64_t margin_seconds, FILE* log) {
  std::unique_lock<std::mutex> lock(refresh_mutex_);
  while (!stopping_) {
    lock.unlock();
    const int64_t now = static_cast<int64_t>(std::time(nullptr));
    Result<repo::RolloutManager::Refreshed> r = manager_->RefreshExpiring(now, margin_seconds);
    if (log && (!r.ok() || r->wrote)) {
      Json line = {{"time", now}, {"admin", "refresh"}};
      if (r.ok()) {
        line["rollouts"] = r->models;
        line["snapshot_version"] = r->versions.snapshot;
        line["timestamp_version"] = r->versions.timestamp;
      } else {
        line["error"] = r.status().message();
      }
      const std::string text = Dump(line) + "\n";
      std::fwrite(text.data(), 1, text.size(), log);
      std::fflush(log);
    }
    lock.lock();
    refresh_wake_.wait_for(lock, std::chrono::seconds(interval_seconds),
                           [this] { return stopping_; });
  }
}

void RolloutAdmin::Register(http::Router& router) {
  RegisterRolloutRoutes(router, rollouts_.get());
  RegisterTelemetryRoute(router, telemetry_.get());
}

void RolloutAdmin::AttachMetrics(http::MetricsRegistry& metrics) {
  rollouts_->AttachMetrics(metrics);
  telemetry_->AttachMetrics(metrics);
}

}  // namespace mota::server::admin
