#include "delivery/client/telemetry.h"

#include <curl/curl.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/file.h"

namespace mota::client {
namespace {

using nlohmann::json;

// Strings from our own queue file; a wrong type reads as empty (exception-free access).
std::string StringField(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int64_t IntField(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

// Cuts at a UTF-8 character boundary so the server's length limit holds and the text stays valid.
std::string CutDetail(std::string text) {
  if (text.size() <= kMaxDetailBytes) return text;
  size_t end = kMaxDetailBytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  text.resize(end);
  return text;
}

json EventJson(const TelemetryEvent& e, const std::string& device_class,
               const std::string& install_id_hash) {
  json j = {{"type", e.type},
            {"model", e.model},
            {"release", e.release},
            {"variant", e.variant},
            {"device_class", device_class},
            {"install_id_hash", install_id_hash}};
  // Each type carries only its own fields: the server refuses unknown or foreign ones.
  if (e.type == "update_outcome") {
    j["outcome"] = e.outcome;
    if (e.outcome == "failure") j["stage"] = e.stage;
  }
  if (e.type == "fallback") j["from_variant"] = e.from_variant;
  if (!e.detail.empty()) j["detail"] = e.detail;
  return j;
}

// Invalid UTF-8 (a reason quoting bytes) is replaced, never thrown on.
std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

size_t DiscardBody(char*, size_t size, size_t n, void*) { return size * n; }

}  // namespace

std::string SanitizeDeviceClass(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (out.size() == 64) break;
    const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    const bool alnum = (lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9');
    const bool punct = lower == '_' || lower == '.' || lower == '-';
    if (out.empty() && !alnum) continue;  // must start with [a-z0-9]
    out.push_back(alnum || punct ? lower : '-');
  }
  return out.empty() ? "unknown" : out;
}

Result<TelemetryQueue> TelemetryQueue::Open(std::string path, size_t limit,
                                            std::string device_class, std::string install_id_hash) {
  if (limit == 0) return InvalidArgument("telemetry queue limit: expected >= 1, got 0");
  TelemetryQueue q;
  q.path_ = std::move(path);
  q.limit_ = limit;
  q.device_class_ = std::move(device_class);
  q.install_id_hash_ = std::move(install_id_hash);
  Result<std::vector<uint8_t>> bytes = ReadFile(q.path_);
  if (!bytes.ok()) return q;  // none yet
  const json doc = json::parse(bytes->begin(), bytes->end(), nullptr, false);
  if (!doc.is_object() || !doc.contains("events") || !doc["events"].is_array()) return q;
  q.dropped_ = static_cast<uint64_t>(std::max<int64_t>(0, IntField(doc, "dropped")));
  for (const json& e : doc["events"]) {
    if (!e.is_object()) continue;
    q.events_.push_back({StringField(e, "type"), StringField(e, "model"), IntField(e, "release"),
                         StringField(e, "variant"), StringField(e, "outcome"),
                         StringField(e, "stage"), StringField(e, "from_variant"),
                         StringField(e, "detail")});
  }
  return q;
}

Status TelemetryQueue::Add(TelemetryEvent event) {
  if (event.release < 1 || event.model.empty() || event.variant.empty()) {
    return InvalidArgument("telemetry event ", event.type, " for model '", event.model,
                           "' needs a release >= 1 and a variant (got release ", event.release,
                           ", variant '", event.variant, "')");
  }
  event.detail = CutDetail(std::move(event.detail));
  events_.push_back(std::move(event));
  if (events_.size() > limit_) {
    const size_t over = events_.size() - limit_;
    events_.erase(events_.begin(), events_.begin() + static_cast<std::ptrdiff_t>(over));
    dropped_ += over;
  }
  return Save();
}

Status TelemetryQueue::Save() const {
  json events = json::array();
  for (const TelemetryEvent& e : events_) {
    events.push_back({{"type", e.type},
                      {"model", e.model},
                      {"release", e.release},
                      {"variant", e.variant},
                      {"outcome", e.outcome},
                      {"stage", e.stage},
                      {"from_variant", e.from_variant},
                      {"detail", e.detail}});
  }
  const json doc = {{"dropped", dropped_}, {"events", std::move(events)}};
  return WriteFileAtomic(path_, Dump(doc));
}

std::string TelemetryQueue::BatchBody(size_t begin, size_t end) const {
  json events = json::array();
  for (size_t i = begin; i < end && i < events_.size(); ++i) {
    events.push_back(EventJson(events_[i], device_class_, install_id_hash_));
  }
  return Dump(json{{"events", std::move(events)}});
}

Status TelemetryQueue::Flush(const std::string& url, size_t batch_size, const PostFunction& post,
                             size_t* sent) {
  *sent = 0;
  batch_size = std::clamp<size_t>(batch_size, 1, 500);  // the server takes at most 500
  while (!events_.empty()) {
    const size_t n = std::min(batch_size, events_.size());
    const Status s = post(url, BatchBody(0, n));
    if (!s.ok()) return s.WithContext("sending telemetry (kept queued)");
    events_.erase(events_.begin(), events_.begin() + static_cast<std::ptrdiff_t>(n));
    *sent += n;
    MOTA_RETURN_IF_ERROR(Save());
  }
  return Status::Ok();
}

Status CurlPost(const fetch::HttpOptions& options, const std::string& url,
                const std::string& body) {
  MOTA_RETURN_IF_ERROR(fetch::EnsureCurlInitialized());
  CURL* easy = curl_easy_init();
  if (easy == nullptr) return Internal("curl_easy_init failed for POST ", url);
  char error[CURL_ERROR_SIZE] = {0};
  Status s = fetch::ConfigureEasy(easy, options, error);
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  if (s.ok()) {
    curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, DiscardBody);
    const CURLcode code = curl_easy_perform(easy);
    long http_status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &http_status);
    if (code != CURLE_OK) {
      s = fetch::CurlFailure(code, error, url, options);
    } else if (http_status < 200 || http_status > 299) {
      s = Status(StatusCode::kUnavailable,
                 StrCat("POST ", url, ": HTTP ", http_status, ", expected 200 (", body.size(),
                        " bytes of telemetry)"));
    }
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(easy);
  return s;
}

}  // namespace mota::client
