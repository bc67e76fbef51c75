#include "manifests/lib/rollout/rollout.h"

#include <limits>
#include <set>

#include "manifests/lib/rollout/bucket.h"
#include "manifests/lib/tuf/canonical_json.h"
#include "manifests/lib/tuf/target_custom.h"

namespace mota::rollout {
namespace {

std::string Describe(const Json& value) {
  Result<std::string> text = tuf::CanonicalJson(value);
  std::string s = text.ok() ? text.value() : std::string(value.type_name());
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

// Reads the fields of one object, checked, and keeps the ones it did not read.
class Reader {
 public:
  Reader(const Json& obj, std::string path) : obj_(obj), path_(std::move(path)) {}
  std::string Path(const char* name) const { return path_ + "." + name; }

  Result<const Json*> Get(const char* name) {
    auto it = obj_.find(name);
    if (it == obj_.end()) return InvalidArgument(Path(name), ": missing (required field)");
    used_.insert(name);
    return &*it;
  }
  Status String(const char* name, size_t max_bytes, std::string* out) {
    MOTA_ASSIGN_OR_RETURN(const Json* v, Get(name));
    if (!v->is_string())
      return InvalidArgument(Path(name), ": expected a string, got ", Describe(*v));
    if (v->get_ref<const std::string&>().size() > max_bytes) {
      return InvalidArgument(Path(name), ": ", v->get_ref<const std::string&>().size(),
                             " bytes long, expected at most ", max_bytes);
    }
    *out = v->get_ref<const std::string&>();
    return Status::Ok();
  }
  Status Int(const char* name, int64_t min, int64_t max, int64_t* out) {
    MOTA_ASSIGN_OR_RETURN(const Json* v, Get(name));
    const bool fits = v->is_number_integer() &&
                      (!v->is_number_unsigned() ||
                       v->get<uint64_t>() <= uint64_t{std::numeric_limits<int64_t>::max()});
    if (!fits || v->get<int64_t>() < min || v->get<int64_t>() > max) {
      return InvalidArgument(Path(name), ": expected an integer from ", min, " to ", max, ", got ",
                             Describe(*v));
    }
    *out = v->get<int64_t>();
    return Status::Ok();
  }
  Json Unread() const {
    Json rest = Json::object();
    for (auto it = obj_.begin(); it != obj_.end(); ++it) {
      if (!used_.count(it.key())) rest[it.key()] = it.value();
    }
    return rest;
  }

 private:
  const Json& obj_;
  std::string path_;
  std::set<std::string> used_;
};

Result<State> ParseState(const std::string& text, const std::string& path) {
  if (text == "active") return State::kActive;
  if (text == "halted") return State::kHalted;
  if (text == "revoked") return State::kRevoked;
  return InvalidArgument(path, ": '", text,
                         "' is not a state (expected active, halted or revoked)");
}

Result<ReleaseRollout> ParseRelease(const Json& obj, const std::string& path) {
  if (!obj.is_object()) return InvalidArgument(path, ": expected an object, got ", Describe(obj));
  Reader r(obj, path);
  ReleaseRollout out;
  MOTA_RETURN_IF_ERROR(r.Int("release", 1, std::numeric_limits<int64_t>::max(), &out.release));
  MOTA_RETURN_IF_ERROR(r.Int("basis_points", 0, kBuckets, &out.basis_points));
  std::string state;
  MOTA_RETURN_IF_ERROR(r.String("state", 16, &state));
  MOTA_ASSIGN_OR_RETURN(out.state, ParseState(state, r.Path("state")));
  MOTA_RETURN_IF_ERROR(r.String("reason", kMaxReasonBytes, &out.reason));
  if (obj.contains("when")) {
    MOTA_ASSIGN_OR_RETURN(const Json* when, r.Get("when"));
    if (!when->is_object())
      return InvalidArgument(r.Path("when"), ": expected an object, got ", Describe(*when));
    MOTA_ASSIGN_OR_RETURN(out.when, conditions::ParseConditions(*when, r.Path("when")));
    out.when_json = *when;
  }
  out.unrecognized = r.Unread();
  return out;
}

Status ParseCommon(Reader& r, tuf::Common* common) {
  MOTA_RETURN_IF_ERROR(r.String("spec_version", 32, &common->spec_version));
  if (common->spec_version.rfind("1.", 0) != 0) {
    return InvalidArgument(r.Path("spec_version"), ": '", common->spec_version,
                           "' is not a 1.x.y version");
  }
  MOTA_RETURN_IF_ERROR(r.Int("version", 1, std::numeric_limits<int64_t>::max(), &common->version));
  std::string expires;
  MOTA_RETURN_IF_ERROR(r.String("expires", 32, &expires));
  Result<int64_t> t = tuf::ParseUtcTime(expires);
  if (!t.ok()) return t.status().WithContext(r.Path("expires"));
  common->expires = t.value();
  return Status::Ok();
}

Status ParseReleases(Reader& r, std::vector<ReleaseRollout>* out) {
  MOTA_ASSIGN_OR_RETURN(const Json* list, r.Get("releases"));
  const std::string path = r.Path("releases");
  if (!list->is_array()) return InvalidArgument(path, ": expected an array, got ", Describe(*list));
  if (list->size() > kMaxReleases) {
    return InvalidArgument(path, ": ", list->size(), " entries, expected at most ", kMaxReleases);
  }
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string item = StrCat(path, "[", i, "]");
    MOTA_ASSIGN_OR_RETURN(ReleaseRollout rel, ParseRelease((*list)[i], item));
    if (!out->empty() && rel.release <= out->back().release) {
      return InvalidArgument(item, ".release: ", rel.release, " after release ",
                             out->back().release, " (expected strictly increasing releases)");
    }
    out->push_back(std::move(rel));
  }
  return Status::Ok();
}

}  // namespace

const char* StateName(State state) {
  switch (state) {
    case State::kActive:
      return "active";
    case State::kHalted:
      return "halted";
    case State::kRevoked:
      return "revoked";
  }
  return "?";
}

const char* UnlistedName(Unlisted unlisted) {
  return unlisted == Unlisted::kHold ? "hold" : "offer";
}

const ReleaseRollout* Rollout::Find(int64_t release) const {
  for (const ReleaseRollout& r : releases) {
    if (r.release == release) return &r;
  }
  return nullptr;
}

ReleaseRollout* Rollout::Find(int64_t release) {
  return const_cast<ReleaseRollout*>(static_cast<const Rollout*>(this)->Find(release));
}

Result<Rollout> ParseRollout(const Json& signed_json, std::string_view what) {
  const std::string path = StrCat(what, ".signed");
  if (!signed_json.is_object())
    return InvalidArgument(path, ": expected an object, got ", Describe(signed_json));
  Reader r(signed_json, path);
  std::string type;
  MOTA_RETURN_IF_ERROR(r.String("_type", 32, &type));
  if (type != kRolloutType) {
    return InvalidArgument(r.Path("_type"), ": '", type, "', expected '", kRolloutType, "'");
  }
  Rollout out;
  MOTA_RETURN_IF_ERROR(ParseCommon(r, &out));
  MOTA_RETURN_IF_ERROR(r.String("model", 64, &out.model));
  MOTA_RETURN_IF_ERROR(tuf::CheckModelName(out.model, r.Path("model")));
  std::string unlisted;
  MOTA_RETURN_IF_ERROR(r.String("unlisted", 16, &unlisted));
  if (unlisted == "hold") {
    out.unlisted = Unlisted::kHold;
  } else if (unlisted == "offer") {
    out.unlisted = Unlisted::kOffer;
  } else {
    return InvalidArgument(r.Path("unlisted"), ": '", unlisted, "', expected 'hold' or 'offer'");
  }
  MOTA_RETURN_IF_ERROR(ParseReleases(r, &out.releases));
  out.unrecognized = r.Unread();
  return out;
}

Json ToJson(const Rollout& rollout) {
  Json out = rollout.unrecognized;
  out["_type"] = kRolloutType;
  out["spec_version"] = rollout.spec_version;
  out["version"] = rollout.version;
  out["expires"] = tuf::FormatUtcTime(rollout.expires);
  out["model"] = rollout.model;
  out["unlisted"] = UnlistedName(rollout.unlisted);
  Json list = Json::array();
  for (const ReleaseRollout& r : rollout.releases) {
    Json item = r.unrecognized;
    item["release"] = r.release;
    item["basis_points"] = r.basis_points;
    item["state"] = StateName(r.state);
    item["reason"] = r.reason;
    if (r.when_json) item["when"] = *r.when_json;
    list.push_back(std::move(item));
  }
  out["releases"] = std::move(list);
  return out;
}

std::string RolloutMetaName(std::string_view model) { return StrCat(model, ".rollout.json"); }

std::string RolloutFileName(std::string_view model, int64_t version) {
  return StrCat(version, ".", model, ".rollout.json");
}

}  // namespace mota::rollout
