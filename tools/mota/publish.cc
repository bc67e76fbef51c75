// `mota publish STAGING --server URL --token-file F --key TEAM.key [--targets-key T.key]
//  [--root root.json] [--next-release] [--now UNIX_SECONDS]`: publishes a `mota package` staging
// folder through an update server (manifests/spec/repository.md "Publishing through the server").
//
// 1. Reads the server's metadata (GET /metadata/...) and verifies it from the trusted root
//    (--root, else the server's root.json on first use) down to the model's delegated role.
// 2. Signs the model's next role version locally with the team's offline key (and, for a model
//    the repository does not delegate yet, a new targets.json with --targets-key). Keys never
//    leave this machine.
// 3. Asks which chunks the server lacks (POST /v1/admin/blobs/missing), uploads only those
//    (PUT /v1/admin/blobs/<sha256>), then sends the metadata and variant indexes
//    (POST /v1/admin/publish). The server checks everything and switches atomically.
#include <curl/curl.h>

#include <cctype>
#include <cstdio>
#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/file.h"
#include "packager/src/keys.h"
#include "packager/src/repo.h"
#include "server/repository/publish_request.h"
#include "tools/mota/commands.h"

namespace mota::cli {
namespace {

using Json = nlohmann::json;

struct PublishArgs {
  std::string staging, server, token_file, key, targets_key, root;
  bool next_release = false;
  int64_t now = -1;
};

struct HttpResult {
  long status = 0;
  std::string body;
};

size_t Append(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// One connection to the server, kept alive across requests (curl_easy_reset keeps the
// connection cache): the blob uploads of a release reuse it instead of one TCP handshake each.
class Http {
 public:
  Http() : curl_(curl_easy_init(), curl_easy_cleanup) {}

  // `token` empty: no Authorization header. Transport failures are Unavailable.
  Result<HttpResult> Request(const std::string& method, const std::string& url,
                             const std::string& body, const std::string& token,
                             const std::string& content_type) {
    CURL* curl = curl_.get();
    if (!curl) return Internal("curl_easy_init failed");
    curl_easy_reset(curl);
    HttpResult result;
    struct curl_slist* headers = nullptr;
    const std::string auth = "Authorization: Bearer " + token;
    if (!token.empty()) headers = curl_slist_append(headers, auth.c_str());
    const std::string type = "Content-Type: " + content_type;
    if (!content_type.empty()) headers = curl_slist_append(headers, type.c_str());
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
    if (method != "GET") {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Append);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &result.body);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 600L);
    const CURLcode rc = curl_easy_perform(curl);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK) {
      return Status(StatusCode::kUnavailable,
                    StrCat(method, " ", url, " failed: ", curl_easy_strerror(rc)));
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result.status);
    return result;
  }

 private:
  std::unique_ptr<CURL, void (*)(CURL*)> curl_;
};

// The server's {"error": "..."} text, or the raw body.
std::string ErrorText(const HttpResult& r) {
  const Json j = Json::parse(r.body, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_string()) {
    return j["error"].get<std::string>();
  }
  return r.body.substr(0, 500);
}

Status Refused(const std::string& what, const HttpResult& r) {
  return FailedPrecondition(what, ": the server answered ", r.status, ": ", ErrorText(r));
}

Result<std::string> ReadText(const std::string& path) {
  MOTA_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFile(path));
  return std::string(bytes.begin(), bytes.end());
}

// Blob names the server lacks among `names`.
Result<std::vector<std::string>> Missing(Http& http, const PublishArgs& a, const std::string& token,
                                         const std::vector<std::string>& names) {
  MOTA_ASSIGN_OR_RETURN(HttpResult r,
                        http.Request("POST", a.server + "/v1/admin/blobs/missing",
                                     Json({{"blobs", names}}).dump(), token, "application/json"));
  if (r.status != 200) return Refused("asking which blobs the server lacks", r);
  const Json j = Json::parse(r.body, nullptr, false);
  if (!j.is_object() || !j.contains("missing") || !j["missing"].is_array()) {
    return DataLoss("the server's answer to blobs/missing is not {\"missing\": [...]}: ",
                    r.body.substr(0, 200));
  }
  std::vector<std::string> missing;
  for (const Json& name : j["missing"]) {
    if (name.is_string()) missing.push_back(name.get<std::string>());
  }
  return missing;
}

Status Publish(PublishArgs a) {
  while (!a.server.empty() && a.server.back() == '/') a.server.pop_back();
  MOTA_ASSIGN_OR_RETURN(std::string token, ReadText(a.token_file));
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) {
    token.pop_back();
  }
  Http http;
  MOTA_ASSIGN_OR_RETURN(packager::SigningKey team, packager::SigningKey::LoadPrivate(a.key));
  std::unique_ptr<packager::SigningKey> targets_key;
  if (!a.targets_key.empty()) {
    MOTA_ASSIGN_OR_RETURN(packager::SigningKey k, packager::SigningKey::LoadPrivate(a.targets_key));
    targets_key = std::make_unique<packager::SigningKey>(std::move(k));
  }
  packager::PublishPlanOptions o{
      .staging = a.staging,
      .team_key = &team,
      .targets_key = targets_key.get(),
      .next_release = a.next_release,
      .now = a.now >= 0 ? a.now : static_cast<int64_t>(std::time(nullptr))};
  if (!a.root.empty()) {
    MOTA_ASSIGN_OR_RETURN(o.trusted_root, ReadText(a.root));
  }
  auto fetch = [&](const std::string& file) -> Result<std::string> {
    MOTA_ASSIGN_OR_RETURN(HttpResult r,
                          http.Request("GET", a.server + "/metadata/" + file, "", "", ""));
    if (r.status == 404) return NotFound("the server has no metadata/", file);
    if (r.status != 200) return Refused("GET metadata/" + file, r);
    return r.body;
  };
  MOTA_ASSIGN_OR_RETURN(packager::PublishPlan plan, packager::PlanPublish(fetch, o));

  MOTA_ASSIGN_OR_RETURN(std::vector<std::string> missing, Missing(http, a, token, plan.blobs));
  uint64_t uploaded_bytes = 0;
  for (const std::string& name : missing) {
    MOTA_ASSIGN_OR_RETURN(std::string bytes, ReadText(a.staging + "/blobs/" + name));
    MOTA_ASSIGN_OR_RETURN(HttpResult r, http.Request("PUT", a.server + "/v1/admin/blobs/" + name,
                                                     bytes, token, "application/octet-stream"));
    if (r.status != 200 && r.status != 201) return Refused("uploading blob " + name, r);
    uploaded_bytes += bytes.size();
  }
  server::repository::PublishRequest req{.model = plan.model,
                                         .role_metadata = plan.role_metadata,
                                         .targets_metadata = plan.targets_metadata,
                                         .target_files = plan.target_files};
  MOTA_ASSIGN_OR_RETURN(HttpResult r, http.Request("POST", a.server + "/v1/admin/publish",
                                                   server::repository::PublishRequestToJson(req),
                                                   token, "application/json"));
  if (r.status != 200) return Refused("publishing " + plan.model, r);
  const Json done = Json::parse(r.body, nullptr, false);
  std::printf("published %s release %lld: %zu target(s), %zu of %zu blob(s) uploaded (%llu bytes)",
              plan.model.c_str(), static_cast<long long>(plan.release), plan.target_files.size(),
              missing.size(), plan.blobs.size(), static_cast<unsigned long long>(uploaded_bytes));
  if (done.is_object() && done.contains("timestamp_version")) {
    std::printf(", timestamp version %s", done["timestamp_version"].dump().c_str());
  }
  std::printf("\n");
  return Status::Ok();
}

}  // namespace

Command AddPublishCommand(CLI::App& app) {
  auto args = std::make_shared<PublishArgs>();
  CLI::App* sub =
      app.add_subcommand("publish", "Publish a staging folder through an update server");
  sub->add_option("staging", args->staging, "The output folder of `mota package`")->required();
  sub->add_option("--server", args->server, "Server URL, e.g. http://origin:8080")->required();
  sub->add_option("--token-file", args->token_file, "File holding the admin bearer token")
      ->required();
  sub->add_option("--key", args->key, "The model team's private key (signs the model's role)")
      ->required();
  sub->add_option("--targets-key", args->targets_key,
                  "The targets key: only for the first publish of a model (delegates it)");
  sub->add_option("--root", args->root,
                  "Trusted root.json (default: the server's, trusted on first use)");
  sub->add_flag("--next-release", args->next_release,
                "Publish as the server's newest release of the model + 1");
  sub->add_option("--now", args->now, "Clock in Unix seconds (default: system clock)");
  return {sub, [args] {
            Status st = Publish(*args);
            return st.ok() ? 0 : ReportError("publish", st);
          }};
}

}  // namespace mota::cli
