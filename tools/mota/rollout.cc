// `mota rollout MODEL ...`: staged rollouts through the update server's admin API
// (manifests/spec/repository.md "Rollouts and telemetry"; server/admin/rollout_api.h).
//
//   mota rollout MODEL --release N --percent P [--when JSON] [--reset] [--reason TEXT]
//   mota rollout MODEL --release N --halt|--resume|--revoke [--reason TEXT]
//   mota rollout MODEL                      the state of every release, why, and the telemetry
// each with --server URL --token-file F [--json]. The server checks the change (only
// publisher-signed releases, percentages only grow unless --reset, revocation is final, ...)
// and signs the new rollout document with its online key; this command only asks.
#include <curl/curl.h>

#include <cctype>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/file.h"
#include "manifests/lib/rollout/bucket.h"
#include "manifests/lib/tuf/target_custom.h"
#include "tools/mota/commands.h"

namespace mota::cli {
namespace {

using Json = nlohmann::json;

struct RolloutArgs {
  std::string model, server, token_file, percent, when, reason;
  int64_t release = 0;
  bool halt = false, resume = false, revoke = false, reset = false, json = false;
};

struct HttpReply {
  long status = 0;
  std::string body;
};

size_t AppendBody(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// One request with the bearer token; transport failures are Unavailable.
Result<HttpReply> Call(const std::string& method, const std::string& url, const std::string& body,
                       const std::string& token) {
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return Internal("curl_easy_init failed");
  HttpReply reply;
  const std::string auth = "Authorization: Bearer " + token;
  struct curl_slist* headers = curl_slist_append(nullptr, auth.c_str());
  headers = curl_slist_append(headers, "Content-Type: application/json");
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method == "POST") {
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, 60L);
  const CURLcode rc = curl_easy_perform(curl.get());
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    return Status(StatusCode::kUnavailable,
                  StrCat(method, " ", url, " failed: ", curl_easy_strerror(rc)));
  }
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

Status Refused(const std::string& what, const HttpReply& r) {
  const Json j = Json::parse(r.body, nullptr, false);
  const std::string text = j.is_object() && j.contains("error") && j["error"].is_string()
                               ? j["error"].get<std::string>()
                               : r.body.substr(0, 500);
  return FailedPrecondition(what, ": the server answered ", r.status, ": ", text);
}

Result<std::string> ReadToken(const std::string& path) {
  if (path.empty()) return InvalidArgument("--token-file is required");
  MOTA_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFile(path));
  std::string token(bytes.begin(), bytes.end());
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
  if (token.empty()) return InvalidArgument("token file ", path, " is empty");
  return token;
}

// The POST body for a change, from the flags; InvalidArgument for flags that do not go together.
Result<Json> ChangeBody(const RolloutArgs& a) {
  const int actions = int(!a.percent.empty()) + a.halt + a.resume + a.revoke;
  if (actions != 1) {
    return InvalidArgument("give exactly one of --percent, --halt, --resume, --revoke (got ",
                           actions, ")");
  }
  if (a.release < 1) return InvalidArgument("--release N (N >= 1) is required for a change");
  Json body = {{"release", a.release}};
  if (!a.reason.empty()) body["reason"] = a.reason;
  if (a.percent.empty()) {
    if (!a.when.empty() || a.reset) return InvalidArgument("--when and --reset go with --percent");
    body["action"] = a.halt ? "halt" : a.resume ? "resume" : "revoke";
    return body;
  }
  MOTA_ASSIGN_OR_RETURN(int64_t bp, rollout::ParsePercent(a.percent));
  body["action"] = "percent";
  body["basis_points"] = bp;
  if (a.reset) body["reset"] = true;
  if (!a.when.empty()) {
    Json when = Json::parse(a.when, nullptr, false);
    if (!when.is_object()) {
      return InvalidArgument("--when '", a.when,
                             "': expected a JSON object of device conditions, e.g. "
                             "'{\"os\":[\"android\"],\"min_ram_mb\":3072}' ('{}' clears them)");
    }
    body["when"] = when;
  }
  return body;
}

std::string Text(const Json& j) { return j.is_string() ? j.get<std::string>() : j.dump(); }

void PrintRelease(const Json& r) {
  std::printf("  release %-4s %-8s %-6s", Text(r["release"]).c_str(), Text(r["state"]).c_str(),
              Text(r["percent"]).c_str());
  if (!r["when"].is_null()) std::printf(" when %s", r["when"].dump().c_str());
  if (r["publisher_revoked"] == true) std::printf(" (revoked by its publisher)");
  if (!Text(r["reason"]).empty()) std::printf("\n      why: %s", Text(r["reason"]).c_str());
  std::printf("\n");
  for (const Json& c : r["classes"]) {
    std::printf("      %-24s %s of %s devices failed (%.1f%%)%s\n", Text(c["device_class"]).c_str(),
                Text(c["failed_devices"]).c_str(), Text(c["devices"]).c_str(),
                c["failure_rate"].get<double>() * 100,
                c["over_threshold"] == true ? "  OVER THRESHOLD" : "");
  }
}

void PrintStatus(const Json& s) {
  const Json& doc = s["rollout"];
  if (doc.is_null()) {
    std::printf("%s: no rollout document (every signed release is offered to every device)\n",
                Text(s["model"]).c_str());
  } else {
    std::printf("%s: rollout version %s, expires %s, unlisted releases: %s\n",
                Text(s["model"]).c_str(), Text(doc["version"]).c_str(),
                Text(doc["expires"]).c_str(), Text(doc["unlisted"]).c_str());
  }
  for (const Json& r : s["releases"]) PrintRelease(r);
  std::printf("auto-halt above %.1f%% failed devices per device class (from %s devices)\n",
              s["policy"]["max_failure_rate"].get<double>() * 100,
              Text(s["policy"]["min_devices"]).c_str());
}

Status Rollout(const RolloutArgs& a) {
  MOTA_RETURN_IF_ERROR(tuf::CheckModelName(a.model, "MODEL"));
  if (a.server.empty()) return InvalidArgument("--server URL is required");
  MOTA_ASSIGN_OR_RETURN(std::string token, ReadToken(a.token_file));
  std::string base = a.server;
  while (!base.empty() && base.back() == '/') base.pop_back();
  const std::string url = base + "/v1/admin/rollouts/" + a.model;
  const bool change = !a.percent.empty() || a.halt || a.resume || a.revoke;
  if (!change && (a.release != 0 || !a.when.empty() || a.reset || !a.reason.empty())) {
    return InvalidArgument(
        "--release, --when, --reset and --reason need --percent, --halt, "
        "--resume or --revoke");
  }
  Json body;
  if (change) {
    MOTA_ASSIGN_OR_RETURN(body, ChangeBody(a));
  }
  MOTA_ASSIGN_OR_RETURN(HttpReply reply,
                        Call(change ? "POST" : "GET", url, change ? body.dump() : "", token));
  if (reply.status != 200) return Refused(StrCat(a.model, " rollout"), reply);
  const Json j = Json::parse(reply.body, nullptr, false);
  if (!j.is_object()) return DataLoss("the server's answer is not a JSON object: ", reply.body);
  if (a.json) {
    std::printf("%s\n", j.dump(2).c_str());
  } else if (change) {
    const Json& doc = j["rollout"];
    for (const Json& e : doc["releases"]) {
      if (e["release"] != a.release) continue;
      std::printf("%s release %lld: %s at %s (rollout version %s, snapshot %s, timestamp %s)\n",
                  a.model.c_str(), static_cast<long long>(a.release), Text(e["state"]).c_str(),
                  rollout::FormatBasisPoints(e["basis_points"].get<int64_t>()).c_str(),
                  Text(j["rollout_version"]).c_str(), Text(j["snapshot_version"]).c_str(),
                  Text(j["timestamp_version"]).c_str());
    }
  } else {
    PrintStatus(j);
  }
  return Status::Ok();
}

}  // namespace

Command AddRolloutCommand(CLI::App& app) {
  auto a = std::make_shared<RolloutArgs>();
  CLI::App* sub = app.add_subcommand(
      "rollout", "Stage, halt, resume or revoke a model's release on an update server");
  sub->add_option("MODEL", a->model, "The model (its delegated role's name)")->required();
  sub->add_option("--server", a->server, "The update server's URL (http://host:port)");
  sub->add_option("--token-file", a->token_file, "File holding the admin bearer token");
  sub->add_option("--release", a->release, "The release to change");
  sub->add_option("--percent", a->percent,
                  "Offer the release to this share of devices (0..100, two decimals)");
  sub->add_option("--when", a->when, "Device conditions as JSON ('{\"os\":[\"android\"]}')");
  sub->add_flag("--reset", a->reset, "Allow a lower percentage (devices keep what they run)");
  sub->add_flag("--halt", a->halt, "Stop offering the release (devices on it keep it)");
  sub->add_flag("--resume", a->resume, "Offer a halted release again");
  sub->add_flag("--revoke", a->revoke, "Never offer the release again (final)");
  sub->add_option("--reason", a->reason, "Why (recorded in the signed rollout document)");
  sub->add_flag("--json", a->json, "Print the server's JSON answer");
  sub->footer(
      "Without --percent/--halt/--resume/--revoke: prints every release's state, why, and the\n"
      "per-device-class failure rates. Examples:\n"
      "  mota rollout mobilenet_v2 --release 4 --percent 10 --server http://s:8080 "
      "--token-file admin.token\n"
      "  mota rollout mobilenet_v2 --release 4 --halt --reason 'crashes on Mali G52' ...");
  return {sub, [a] {
            Status st = Rollout(*a);
            return st.ok() ? 0 : ReportError("rollout", st);
          }};
}

}  // namespace mota::cli
