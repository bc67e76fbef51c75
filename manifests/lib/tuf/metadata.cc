#include "manifests/lib/tuf/metadata.h"

#include <cstdio>
#include <limits>
#include <set>

#include "manifests/lib/tuf/canonical_json.h"

namespace mota::tuf {
namespace {

// A short rendering of a JSON value for error messages (never throws, unlike dump()).
std::string Describe(const Json& value) {
  Result<std::string> text = CanonicalJson(value);
  std::string s = text.ok() ? text.value() : std::string(value.type_name());
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

// Reads the fields of one JSON object, each checked, and collects the ones it did not read.
class Fields {
 public:
  Fields(const Json& obj, std::string path) : obj_(obj), path_(std::move(path)) {}

  static Status RequireObject(const Json& value, const std::string& path) {
    if (value.is_object()) return Status::Ok();
    return Invalid(path, ": expected an object, got ", Describe(value));
  }
  std::string Path(const std::string& name) const { return path_ + "." + name; }
  bool Has(const char* name) const { return obj_.contains(name); }

  Result<const Json*> Get(const char* name) {
    auto it = obj_.find(name);
    if (it == obj_.end()) return Invalid(Path(name), ": missing (required field)");
    used_.insert(name);
    return &*it;
  }
  Status String(const char* name, std::string* out) {
    MOTA_ASSIGN_OR_RETURN(const Json* v, Get(name));
    if (!v->is_string()) return Invalid(Path(name), ": expected a string, got ", Describe(*v));
    *out = v->get_ref<const std::string&>();
    return Status::Ok();
  }
  Status Int(const char* name, int64_t min, int64_t* out) {
    MOTA_ASSIGN_OR_RETURN(const Json* v, Get(name));
    const bool fits = v->is_number_integer() &&
                      (!v->is_number_unsigned() ||
                       v->get<uint64_t>() <= uint64_t{std::numeric_limits<int64_t>::max()});
    if (!fits || v->get<int64_t>() < min) {
      return Invalid(Path(name), ": expected an integer >= ", min, ", got ", Describe(*v));
    }
    *out = v->get<int64_t>();
    return Status::Ok();
  }
  Status Bool(const char* name, bool* out) {
    MOTA_ASSIGN_OR_RETURN(const Json* v, Get(name));
    if (!v->is_boolean())
      return Invalid(Path(name), ": expected true or false, got ", Describe(*v));
    *out = v->get<bool>();
    return Status::Ok();
  }
  Status Object(const char* name, const Json** out) {
    MOTA_ASSIGN_OR_RETURN(*out, Get(name));
    return RequireObject(**out, Path(name));
  }
  Status StringList(const char* name, std::vector<std::string>* out) {
    MOTA_ASSIGN_OR_RETURN(const Json* v, Get(name));
    if (!v->is_array())
      return Invalid(Path(name), ": expected an array of strings, got ", Describe(*v));
    out->clear();
    for (size_t i = 0; i < v->size(); ++i) {
      if (!(*v)[i].is_string()) {
        return Invalid(Path(name), "[", i, "]: expected a string, got ", Describe((*v)[i]));
      }
      out->push_back((*v)[i].get_ref<const std::string&>());
    }
    return Status::Ok();
  }
  // {"name": "string", ...} -> map.
  Status StringMap(const char* name, std::map<std::string, std::string>* out) {
    const Json* v = nullptr;
    MOTA_RETURN_IF_ERROR(Object(name, &v));
    for (const auto& [k, value] : v->items()) {
      if (!value.is_string()) {
        return Invalid(Path(name), ".", k, ": expected a string, got ", Describe(value));
      }
      (*out)[k] = value.get_ref<const std::string&>();
    }
    return Status::Ok();
  }
  // The fields nobody read, to be preserved.
  Json Rest() const {
    Json rest = Json::object();
    for (const auto& [k, v] : obj_.items()) {
      if (!used_.count(k)) rest[k] = v;
    }
    return rest;
  }

 private:
  const Json& obj_;
  std::string path_;
  std::set<std::string> used_;
};

void Merge(const Json& unrecognized, Json& out) {
  if (!unrecognized.is_object()) return;
  for (const auto& [k, v] : unrecognized.items()) {
    if (!out.contains(k)) out[k] = v;
  }
}

Status ParseCommon(Fields& f, std::string_view type, Common* c) {
  std::string got_type;
  MOTA_RETURN_IF_ERROR(f.String("_type", &got_type));
  if (got_type != type) {
    return Invalid(f.Path("_type"), ": expected \"", type, "\", got \"", got_type, "\"");
  }
  MOTA_RETURN_IF_ERROR(f.String("spec_version", &c->spec_version));
  if (c->spec_version.rfind("1.", 0) != 0) {
    return Invalid(f.Path("spec_version"), ": expected a 1.x.y version, got \"", c->spec_version,
                   "\"");
  }
  MOTA_RETURN_IF_ERROR(f.Int("version", 1, &c->version));
  std::string expires;
  MOTA_RETURN_IF_ERROR(f.String("expires", &expires));
  Result<int64_t> t = ParseUtcTime(expires);
  if (!t.ok()) return Invalid(f.Path("expires"), ": ", t.status().message());
  c->expires = t.value();
  return Status::Ok();
}

Json CommonJson(const Common& c, std::string_view type) {
  Json out = Json::object();
  out["_type"] = std::string(type);
  out["spec_version"] = c.spec_version;
  out["version"] = c.version;
  out["expires"] = FormatUtcTime(c.expires);
  return out;
}

// Key types whose "public" mota reads (signature_schemes.h): for these it is required.
bool IsVerifiableKeyType(std::string_view keytype) {
  return keytype == "ed25519" || keytype == "ecdsa" || keytype == "ecdsa-sha2-nistp256" ||
         keytype == "ecdsa-sha2-nistp384" ||
         keytype == "rsa";
}

Result<Key> ParseKeyAt(const Json& value, const std::string& path) {
  MOTA_RETURN_IF_ERROR(Fields::RequireObject(value, path));
  Fields f(value, path);
  Key key;
  MOTA_RETURN_IF_ERROR(f.String("keytype", &key.keytype));
  MOTA_RETURN_IF_ERROR(f.String("scheme", &key.scheme));
  const Json* keyval = nullptr;
  MOTA_RETURN_IF_ERROR(f.Object("keyval", &keyval));
  Fields kv(*keyval, f.Path("keyval"));
  key.has_public = kv.Has("public");
  if (key.has_public || IsVerifiableKeyType(key.keytype)) {
    MOTA_RETURN_IF_ERROR(kv.String("public", &key.public_key));
  }
  key.keyval_unrecognized = kv.Rest();
  key.unrecognized = f.Rest();
  return key;
}

Status ParseKeyMap(Fields& f, const char* name, std::map<std::string, Key>* out) {
  const Json* keys = nullptr;
  MOTA_RETURN_IF_ERROR(f.Object(name, &keys));
  for (const auto& [keyid, value] : keys->items()) {
    MOTA_ASSIGN_OR_RETURN((*out)[keyid], ParseKeyAt(value, f.Path(name) + "." + keyid));
  }
  return Status::Ok();
}

Json KeyMapJson(const std::map<std::string, Key>& keys) {
  Json out = Json::object();
  for (const auto& [keyid, key] : keys) out[keyid] = ToJson(key);
  return out;
}

Status ParseThreshold(Fields& f, std::vector<std::string>* keyids, int64_t* threshold) {
  MOTA_RETURN_IF_ERROR(f.StringList("keyids", keyids));
  return f.Int("threshold", 1, threshold);
}

Result<RoleKeys> ParseRoleKeys(const Json& value, const std::string& path) {
  MOTA_RETURN_IF_ERROR(Fields::RequireObject(value, path));
  Fields f(value, path);
  RoleKeys role;
  MOTA_RETURN_IF_ERROR(ParseThreshold(f, &role.keyids, &role.threshold));
  role.unrecognized = f.Rest();
  return role;
}

Result<TargetFile> ParseTargetFile(const Json& value, const std::string& path) {
  MOTA_RETURN_IF_ERROR(Fields::RequireObject(value, path));
  Fields f(value, path);
  TargetFile file;
  MOTA_RETURN_IF_ERROR(f.Int("length", 0, &file.length));
  MOTA_RETURN_IF_ERROR(f.StringMap("hashes", &file.hashes));
  if (file.hashes.empty()) return Invalid(f.Path("hashes"), ": expected at least one hash");
  if (f.Has("custom")) {
    const Json* custom = nullptr;
    MOTA_RETURN_IF_ERROR(f.Object("custom", &custom));
    file.custom = *custom;
  }
  file.unrecognized = f.Rest();
  return file;
}

Result<DelegatedRole> ParseDelegatedRole(const Json& value, const std::string& path) {
  MOTA_RETURN_IF_ERROR(Fields::RequireObject(value, path));
  Fields f(value, path);
  DelegatedRole role;
  MOTA_RETURN_IF_ERROR(f.String("name", &role.name));
  MOTA_RETURN_IF_ERROR(ParseThreshold(f, &role.keyids, &role.threshold));
  MOTA_RETURN_IF_ERROR(f.Bool("terminating", &role.terminating));
  if (f.Has("paths") == f.Has("path_hash_prefixes")) {
    return Invalid(path, ": expected exactly one of \"paths\" and \"path_hash_prefixes\"");
  }
  std::vector<std::string> list;
  if (f.Has("paths")) {
    MOTA_RETURN_IF_ERROR(f.StringList("paths", &list));
    role.paths = std::move(list);
  } else {
    MOTA_RETURN_IF_ERROR(f.StringList("path_hash_prefixes", &list));
    role.path_hash_prefixes = std::move(list);
  }
  role.unrecognized = f.Rest();
  return role;
}

Result<Delegations> ParseDelegations(const Json& value, const std::string& path) {
  MOTA_RETURN_IF_ERROR(Fields::RequireObject(value, path));
  Fields f(value, path);
  Delegations d;
  MOTA_RETURN_IF_ERROR(ParseKeyMap(f, "keys", &d.keys));
  MOTA_ASSIGN_OR_RETURN(const Json* roles, f.Get("roles"));
  if (!roles->is_array())
    return Invalid(f.Path("roles"), ": expected an array, got ", Describe(*roles));
  std::set<std::string> names;
  for (size_t i = 0; i < roles->size(); ++i) {
    const std::string role_path = Cat(f.Path("roles"), "[", i, "]");
    MOTA_ASSIGN_OR_RETURN(DelegatedRole role, ParseDelegatedRole((*roles)[i], role_path));
    if (!names.insert(role.name).second) {
      return Invalid(role_path, ".name: role \"", role.name, "\" is delegated twice");
    }
    d.roles.push_back(std::move(role));
  }
  d.unrecognized = f.Rest();
  return d;
}

Json ToJson(const DelegatedRole& role) {
  Json out = Json::object();
  out["name"] = role.name;
  out["keyids"] = role.keyids;
  out["threshold"] = role.threshold;
  out["terminating"] = role.terminating;
  if (role.paths) out["paths"] = *role.paths;
  if (role.path_hash_prefixes) out["path_hash_prefixes"] = *role.path_hash_prefixes;
  Merge(role.unrecognized, out);
  return out;
}

Json ToJson(const Delegations& d) {
  Json out = Json::object();
  out["keys"] = KeyMapJson(d.keys);
  out["roles"] = Json::array();
  for (const DelegatedRole& role : d.roles) out["roles"].push_back(ToJson(role));
  Merge(d.unrecognized, out);
  return out;
}

Result<MetaFile> ParseMetaFile(const Json& value, const std::string& path) {
  MOTA_RETURN_IF_ERROR(Fields::RequireObject(value, path));
  Fields f(value, path);
  MetaFile m;
  MOTA_RETURN_IF_ERROR(f.Int("version", 1, &m.version));
  if (f.Has("length")) {
    int64_t length = 0;
    MOTA_RETURN_IF_ERROR(f.Int("length", 0, &length));
    m.length = length;
  }
  if (f.Has("hashes")) MOTA_RETURN_IF_ERROR(f.StringMap("hashes", &m.hashes));
  m.unrecognized = f.Rest();
  return m;
}

Json ToJson(const MetaFile& m) {
  Json out = Json::object();
  out["version"] = m.version;
  if (m.length) out["length"] = *m.length;
  if (!m.hashes.empty()) out["hashes"] = m.hashes;
  Merge(m.unrecognized, out);
  return out;
}

Status ParseMetaMap(Fields& f, std::map<std::string, MetaFile>* out) {
  const Json* meta = nullptr;
  MOTA_RETURN_IF_ERROR(f.Object("meta", &meta));
  for (const auto& [name, value] : meta->items()) {
    MOTA_ASSIGN_OR_RETURN((*out)[name], ParseMetaFile(value, f.Path("meta") + "." + name));
  }
  return Status::Ok();
}

Json MetaMapJson(const std::map<std::string, MetaFile>& meta) {
  Json out = Json::object();
  for (const auto& [name, m] : meta) out[name] = ToJson(m);
  return out;
}

std::string SignedPath(std::string_view what) { return Cat(what, ": signed"); }

}  // namespace

Result<Key> ParseKey(const Json& key_json, std::string_view what) {
  return ParseKeyAt(key_json, std::string(what));
}

Json ToJson(const Key& key) {
  Json out = Json::object();
  out["keytype"] = key.keytype;
  out["scheme"] = key.scheme;
  Json keyval = Json::object();
  if (key.has_public) keyval["public"] = key.public_key;
  Merge(key.keyval_unrecognized, keyval);
  out["keyval"] = std::move(keyval);
  Merge(key.unrecognized, out);
  return out;
}

Json ToJson(const Signature& signature) {
  Json out = Json::object();
  out["keyid"] = signature.keyid;
  out["sig"] = signature.sig;
  Merge(signature.unrecognized, out);
  return out;
}

Result<Envelope> ParseEnvelope(std::string_view bytes, std::string_view what) {
  MOTA_ASSIGN_OR_RETURN(Json doc, ParseJson(bytes, what));
  const std::string path(what);
  MOTA_RETURN_IF_ERROR(Fields::RequireObject(doc, path));
  Fields f(doc, path);
  Envelope env;
  const Json* signed_json = nullptr;
  MOTA_RETURN_IF_ERROR(f.Object("signed", &signed_json));
  env.signed_json = *signed_json;
  MOTA_ASSIGN_OR_RETURN(const Json* sigs, f.Get("signatures"));
  if (!sigs->is_array())
    return Invalid(path, ".signatures: expected an array, got ", Describe(*sigs));
  for (size_t i = 0; i < sigs->size(); ++i) {
    const std::string sig_path = Cat(path, ".signatures[", i, "]");
    MOTA_RETURN_IF_ERROR(Fields::RequireObject((*sigs)[i], sig_path));
    Fields sf((*sigs)[i], sig_path);
    Signature sig;
    MOTA_RETURN_IF_ERROR(sf.String("keyid", &sig.keyid));
    MOTA_RETURN_IF_ERROR(sf.String("sig", &sig.sig));
    sig.unrecognized = sf.Rest();
    env.signatures.push_back(std::move(sig));
  }
  env.unrecognized = f.Rest();
  return env;
}

Result<std::string> SignedType(const Json& signed_json, std::string_view what) {
  if (!signed_json.is_object() || !signed_json.contains("_type") ||
      !signed_json["_type"].is_string()) {
    return Invalid(what, ": signed._type: missing or not a string");
  }
  return signed_json["_type"].get<std::string>();
}

Result<Root> ParseRoot(const Json& signed_json, std::string_view what) {
  const std::string path = SignedPath(what);
  MOTA_RETURN_IF_ERROR(Fields::RequireObject(signed_json, path));
  Fields f(signed_json, path);
  Root root;
  MOTA_RETURN_IF_ERROR(ParseCommon(f, "root", &root));
  MOTA_RETURN_IF_ERROR(f.Bool("consistent_snapshot", &root.consistent_snapshot));
  MOTA_RETURN_IF_ERROR(ParseKeyMap(f, "keys", &root.keys));
  const Json* roles = nullptr;
  MOTA_RETURN_IF_ERROR(f.Object("roles", &roles));
  for (const char* name : {"root", "targets", "snapshot", "timestamp"}) {
    if (!roles->contains(name)) return Invalid(f.Path("roles"), ": role \"", name, "\" is missing");
  }
  for (const auto& [name, value] : roles->items()) {
    MOTA_ASSIGN_OR_RETURN(root.roles[name], ParseRoleKeys(value, f.Path("roles") + "." + name));
  }
  root.unrecognized = f.Rest();
  return root;
}

Result<Targets> ParseTargets(const Json& signed_json, std::string_view what) {
  const std::string path = SignedPath(what);
  MOTA_RETURN_IF_ERROR(Fields::RequireObject(signed_json, path));
  Fields f(signed_json, path);
  Targets targets;
  MOTA_RETURN_IF_ERROR(ParseCommon(f, "targets", &targets));
  const Json* files = nullptr;
  MOTA_RETURN_IF_ERROR(f.Object("targets", &files));
  for (const auto& [name, value] : files->items()) {
    MOTA_ASSIGN_OR_RETURN(targets.targets[name],
                         ParseTargetFile(value, f.Path("targets") + "." + name));
  }
  if (f.Has("delegations")) {
    MOTA_ASSIGN_OR_RETURN(const Json* d, f.Get("delegations"));
    MOTA_ASSIGN_OR_RETURN(targets.delegations, ParseDelegations(*d, f.Path("delegations")));
  }
  targets.unrecognized = f.Rest();
  return targets;
}

Result<Snapshot> ParseSnapshot(const Json& signed_json, std::string_view what) {
  const std::string path = SignedPath(what);
  MOTA_RETURN_IF_ERROR(Fields::RequireObject(signed_json, path));
  Fields f(signed_json, path);
  Snapshot snapshot;
  MOTA_RETURN_IF_ERROR(ParseCommon(f, "snapshot", &snapshot));
  MOTA_RETURN_IF_ERROR(ParseMetaMap(f, &snapshot.meta));
  snapshot.unrecognized = f.Rest();
  return snapshot;
}

Result<Timestamp> ParseTimestamp(const Json& signed_json, std::string_view what) {
  const std::string path = SignedPath(what);
  MOTA_RETURN_IF_ERROR(Fields::RequireObject(signed_json, path));
  Fields f(signed_json, path);
  Timestamp timestamp;
  MOTA_RETURN_IF_ERROR(ParseCommon(f, "timestamp", &timestamp));
  MOTA_RETURN_IF_ERROR(ParseMetaMap(f, &timestamp.meta));
  if (timestamp.meta.size() != 1 || !timestamp.meta.count("snapshot.json")) {
    return Invalid(f.Path("meta"), ": expected exactly one entry, \"snapshot.json\"");
  }
  timestamp.unrecognized = f.Rest();
  return timestamp;
}

Json ToJson(const Root& root) {
  Json out = CommonJson(root, "root");
  out["consistent_snapshot"] = root.consistent_snapshot;
  out["keys"] = KeyMapJson(root.keys);
  Json roles = Json::object();
  for (const auto& [name, role] : root.roles) {
    Json r = Json::object();
    r["keyids"] = role.keyids;
    r["threshold"] = role.threshold;
    Merge(role.unrecognized, r);
    roles[name] = std::move(r);
  }
  out["roles"] = std::move(roles);
  Merge(root.unrecognized, out);
  return out;
}

Json ToJson(const Targets& targets) {
  Json out = CommonJson(targets, "targets");
  Json files = Json::object();
  for (const auto& [name, file] : targets.targets) {
    Json t = Json::object();
    t["length"] = file.length;
    t["hashes"] = file.hashes;
    if (file.custom) t["custom"] = *file.custom;
    Merge(file.unrecognized, t);
    files[name] = std::move(t);
  }
  out["targets"] = std::move(files);
  if (targets.delegations) out["delegations"] = ToJson(*targets.delegations);
  Merge(targets.unrecognized, out);
  return out;
}

Json ToJson(const Snapshot& snapshot) {
  Json out = CommonJson(snapshot, "snapshot");
  out["meta"] = MetaMapJson(snapshot.meta);
  Merge(snapshot.unrecognized, out);
  return out;
}

Json ToJson(const Timestamp& timestamp) {
  Json out = CommonJson(timestamp, "timestamp");
  out["meta"] = MetaMapJson(timestamp.meta);
  Merge(timestamp.unrecognized, out);
  return out;
}

Result<std::string> SerializeEnvelope(const Json& signed_json,
                                      const std::vector<Signature>& signatures) {
  Json env = Json::object();
  env["signed"] = signed_json;
  env["signatures"] = Json::array();
  for (const Signature& s : signatures) env["signatures"].push_back(ToJson(s));
  return CanonicalJson(env);
}

}  // namespace mota::tuf
