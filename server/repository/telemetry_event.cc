#include "server/repository/telemetry_event.h"

#include <limits>
#include <set>

#include "manifests/lib/tuf/canonical_json.h"
#include "manifests/lib/tuf/target_custom.h"

namespace mota::server::repository {
namespace {

using Json = nlohmann::json;

constexpr int64_t kMaxInt = std::numeric_limits<int64_t>::max();
const char* const kStages[] = {"download", "verify", "install", "selftest", "activate"};

std::string Describe(const Json& v) {
  std::string s = v.is_string() ? "\"" + v.get<std::string>() + "\"" : v.dump();
  return s.size() > 40 ? s.substr(0, 37) + "..." : s;
}

bool IsDeviceClass(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    (i > 0 && (c == '_' || c == '-' || c == '.'));
    if (!ok) return false;
  }
  return true;
}

bool IsSha256Hex(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// One event object: reads each field once and refuses the ones left over.
class EventReader {
 public:
  EventReader(const Json& obj, std::string path) : obj_(obj), path_(std::move(path)) {}
  std::string Path(const char* name) const { return path_ + "." + name; }

  Status String(const char* name, bool required, size_t max, std::string* out) {
    auto it = obj_.find(name);
    if (it == obj_.end()) {
      return required ? InvalidArgument(Path(name), ": missing (required field)") : Status::Ok();
    }
    seen_.insert(name);
    if (!it->is_string())
      return InvalidArgument(Path(name), ": expected a string, got ", Describe(*it));
    if (it->get_ref<const std::string&>().size() > max) {
      return InvalidArgument(Path(name), ": ", it->get_ref<const std::string&>().size(),
                             " bytes, expected at most ", max);
    }
    *out = it->get<std::string>();
    return Status::Ok();
  }
  Status Int(const char* name, int64_t min, int64_t* out) {
    auto it = obj_.find(name);
    if (it == obj_.end()) return InvalidArgument(Path(name), ": missing (required field)");
    seen_.insert(name);
    const bool fits = it->is_number_integer() &&
                      (!it->is_number_unsigned() || it->get<uint64_t>() <= uint64_t(kMaxInt));
    if (!fits || it->get<int64_t>() < min) {
      return InvalidArgument(Path(name), ": expected an integer >= ", min, ", got ", Describe(*it));
    }
    *out = it->get<int64_t>();
    return Status::Ok();
  }
  Status NoOthers() const {
    for (auto it = obj_.begin(); it != obj_.end(); ++it) {
      if (!seen_.count(it.key())) {
        return InvalidArgument(path_, ".", it.key(), ": unknown field for an event of this type");
      }
    }
    return Status::Ok();
  }

 private:
  const Json& obj_;
  std::string path_;
  std::set<std::string> seen_;
};

Result<EventType> ParseType(EventReader& r) {
  std::string type;
  MOTA_RETURN_IF_ERROR(r.String("type", true, 32, &type));
  for (EventType t : {EventType::kUpdateOutcome, EventType::kSelfTestFailure, EventType::kFallback,
                      EventType::kLatency}) {
    if (type == EventTypeName(t)) return t;
  }
  return InvalidArgument(r.Path("type"), ": '", type,
                         "' is not an event type (expected update_outcome, selftest_failure, "
                         "fallback or latency)");
}

Status ParseCommonFields(EventReader& r, TelemetryEvent* e) {
  MOTA_RETURN_IF_ERROR(r.String("model", true, 64, &e->model));
  MOTA_RETURN_IF_ERROR(tuf::CheckModelName(e->model, r.Path("model")));
  MOTA_RETURN_IF_ERROR(r.Int("release", 1, &e->release));
  MOTA_RETURN_IF_ERROR(r.String("variant", true, 64, &e->variant));
  MOTA_RETURN_IF_ERROR(tuf::CheckVariantId(e->variant, r.Path("variant")));
  MOTA_RETURN_IF_ERROR(r.String("device_class", true, 64, &e->device_class));
  if (!IsDeviceClass(e->device_class)) {
    return InvalidArgument(r.Path("device_class"), ": '", e->device_class,
                           "' is not a device class ([a-z0-9][a-z0-9_.-]{0,63})");
  }
  MOTA_RETURN_IF_ERROR(r.String("install_id_hash", true, 64, &e->install_id_hash));
  if (!IsSha256Hex(e->install_id_hash)) {
    return InvalidArgument(r.Path("install_id_hash"),
                           ": expected 64 lowercase hex digits (the "
                           "sha256 of the install id), got '",
                           e->install_id_hash, "'");
  }
  return Status::Ok();
}

Status ParseOutcome(EventReader& r, TelemetryEvent* e) {
  MOTA_RETURN_IF_ERROR(r.String("outcome", true, 16, &e->outcome));
  if (e->outcome != "success" && e->outcome != "failure") {
    return InvalidArgument(r.Path("outcome"), ": '", e->outcome,
                           "', expected 'success' or 'failure'");
  }
  MOTA_RETURN_IF_ERROR(r.String("stage", e->outcome == "failure", 16, &e->stage));
  if (e->outcome == "success" && !e->stage.empty()) {
    return InvalidArgument(r.Path("stage"), ": only a failure has a stage");
  }
  if (e->outcome == "failure") {
    bool known = false;
    for (const char* s : kStages) known = known || e->stage == s;
    if (!known) {
      return InvalidArgument(r.Path("stage"), ": '", e->stage,
                             "', expected download, verify, install, selftest or activate");
    }
  }
  return Status::Ok();
}

Status ParseLatency(EventReader& r, TelemetryEvent* e) {
  MOTA_RETURN_IF_ERROR(r.Int("runs", 1, &e->runs));
  MOTA_RETURN_IF_ERROR(r.Int("p50_us", 0, &e->p50_us));
  MOTA_RETURN_IF_ERROR(r.Int("p90_us", e->p50_us, &e->p90_us));
  return r.Int("p99_us", e->p90_us, &e->p99_us);
}

Result<TelemetryEvent> ParseEvent(const Json& obj, const std::string& path, size_t max_detail) {
  if (!obj.is_object()) return InvalidArgument(path, ": expected an object, got ", Describe(obj));
  EventReader r(obj, path);
  TelemetryEvent e;
  MOTA_ASSIGN_OR_RETURN(e.type, ParseType(r));
  MOTA_RETURN_IF_ERROR(ParseCommonFields(r, &e));
  MOTA_RETURN_IF_ERROR(r.String("detail", false, max_detail, &e.detail));
  switch (e.type) {
    case EventType::kUpdateOutcome:
      MOTA_RETURN_IF_ERROR(ParseOutcome(r, &e));
      break;
    case EventType::kFallback:
      MOTA_RETURN_IF_ERROR(r.String("from_variant", true, 64, &e.from_variant));
      MOTA_RETURN_IF_ERROR(tuf::CheckVariantId(e.from_variant, r.Path("from_variant")));
      break;
    case EventType::kLatency:
      MOTA_RETURN_IF_ERROR(ParseLatency(r, &e));
      break;
    case EventType::kSelfTestFailure:
      break;
  }
  MOTA_RETURN_IF_ERROR(r.NoOthers());
  return e;
}

}  // namespace

const char* EventTypeName(EventType type) {
  switch (type) {
    case EventType::kUpdateOutcome:
      return "update_outcome";
    case EventType::kSelfTestFailure:
      return "selftest_failure";
    case EventType::kFallback:
      return "fallback";
    case EventType::kLatency:
      return "latency";
  }
  return "?";
}

Result<std::vector<TelemetryEvent>> ParseTelemetryBatch(std::string_view body,
                                                        const TelemetryLimits& limits) {
  if (body.size() > limits.max_body_bytes) {
    return OutOfRange("telemetry batch: ", body.size(), " bytes, the limit is ",
                      limits.max_body_bytes, " (send smaller batches)");
  }
  MOTA_ASSIGN_OR_RETURN(Json doc, tuf::ParseJson(body, "telemetry batch"));
  if (!doc.is_object())
    return InvalidArgument("telemetry batch: expected an object {\"events\": [...]}");
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    if (it.key() != "events")
      return InvalidArgument(it.key(), ": unknown field (expected only \"events\")");
  }
  auto events = doc.find("events");
  if (events == doc.end()) return InvalidArgument("events: missing (required field)");
  if (!events->is_array())
    return InvalidArgument("events: expected an array, got ", Describe(*events));
  if (events->size() > limits.max_events) {
    return OutOfRange("events: ", events->size(), " events, the limit is ", limits.max_events,
                      " per batch (send smaller batches)");
  }
  std::vector<TelemetryEvent> out;
  out.reserve(events->size());
  for (size_t i = 0; i < events->size(); ++i) {
    MOTA_ASSIGN_OR_RETURN(TelemetryEvent e, ParseEvent((*events)[i], StrCat("events[", i, "]"),
                                                       limits.max_detail_bytes));
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace mota::server::repository
