#include "packager/src/repo.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <system_error>
#include <utility>

#include "base/file.h"
#include "manifests/lib/tuf/canonical_json.h"
#include "manifests/lib/tuf/repo_files.h"
#include "manifests/lib/tuf/target_custom.h"
#include "manifests/lib/tuf/verify.h"
#include "packager/src/tuf_sign.h"

namespace mota::packager {
namespace {

namespace fs = std::filesystem;
using tuf::Json;

const char* const kTopRoles[] = {"root", "targets", "snapshot", "timestamp"};

std::string MetaDir(const std::string& repo) { return repo + "/metadata"; }

Result<std::string> ReadText(const std::string& path) {
  MOTA_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFile(path));
  return std::string(bytes.begin(), bytes.end());
}

// Writes `bytes` crash-safely (temp + fsync + rename), creating the parent folders.
Status WriteText(const std::string& path, const std::string& bytes) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  if (ec) return IoError("cannot create the folder of ", path, ": ", ec.message());
  return WriteFileAtomic(path, bytes);
}

Result<tuf::Envelope> LoadEnvelope(const std::string& path, const std::string& bytes) {
  return tuf::ParseEnvelope(bytes, path);
}

Result<tuf::Authorization> RoleAuth(const tuf::Root& root, const std::string& role,
                                    const std::string& what) {
  auto it = root.roles.find(role);
  if (it == root.roles.end()) return tuf::Invalid(what, ": root lists no role \"", role, "\"");
  return tuf::AuthorizationOf(it->second);
}

// Root 1 -> N: each new root signed by a threshold of the previous one's keys and of its own.
Result<tuf::Root> VerifyRootChain(const std::string& repo) {
  std::string path = MetaDir(repo) + "/1.root.json";
  MOTA_ASSIGN_OR_RETURN(std::string bytes, ReadText(path));
  MOTA_ASSIGN_OR_RETURN(tuf::Envelope env, LoadEnvelope(path, bytes));
  MOTA_ASSIGN_OR_RETURN(tuf::Root root, tuf::ParseRoot(env.signed_json, path));
  MOTA_RETURN_IF_ERROR(tuf::CheckKeyIds(root.keys, path));
  MOTA_ASSIGN_OR_RETURN(tuf::Authorization auth, RoleAuth(root, "root", path));
  MOTA_RETURN_IF_ERROR(tuf::VerifyRole(env, root.keys, auth, "root", path));
  for (int64_t v = root.version + 1;; ++v) {
    path = MetaDir(repo) + "/" + std::to_string(v) + ".root.json";
    if (!fs::exists(path)) break;
    MOTA_ASSIGN_OR_RETURN(bytes, ReadText(path));
    MOTA_ASSIGN_OR_RETURN(env, LoadEnvelope(path, bytes));
    MOTA_RETURN_IF_ERROR(
        tuf::VerifyRole(env, root.keys, auth, "root (by the previous root)", path));
    MOTA_ASSIGN_OR_RETURN(tuf::Root next, tuf::ParseRoot(env.signed_json, path));
    MOTA_RETURN_IF_ERROR(tuf::CheckKeyIds(next.keys, path));
    MOTA_RETURN_IF_ERROR(tuf::CheckRootSuccessor(root.version, next.version, path));
    MOTA_ASSIGN_OR_RETURN(auth, RoleAuth(next, "root", path));
    MOTA_RETURN_IF_ERROR(tuf::VerifyRole(env, next.keys, auth, "root", path));
    root = std::move(next);
  }
  return root;
}

// Reads metadata/<file>, checks it against `meta`, verifies its signatures and returns it.
Result<tuf::Envelope> LoadListed(const std::string& repo, const std::string& file,
                                 const tuf::MetaFile& meta,
                                 const std::map<std::string, tuf::Key>& keys,
                                 const tuf::Authorization& auth, const std::string& role) {
  const std::string path = MetaDir(repo) + "/" + file;
  MOTA_ASSIGN_OR_RETURN(std::string bytes, ReadText(path));
  MOTA_RETURN_IF_ERROR(tuf::CheckMeta(meta, bytes, path));
  MOTA_ASSIGN_OR_RETURN(tuf::Envelope env, LoadEnvelope(path, bytes));
  MOTA_RETURN_IF_ERROR(tuf::VerifyRole(env, keys, auth, role, path));
  return env;
}

Result<const tuf::MetaFile*> FindMeta(const std::map<std::string, tuf::MetaFile>& meta,
                                      const std::string& name, const std::string& what) {
  auto it = meta.find(name);
  if (it == meta.end()) return tuf::Rejected(what, ": meta lists no \"", name, "\"");
  return &it->second;
}

// Every path a delegated role lists must match its patterns, and each target file must exist
// with the listed length and sha256.
Status CheckRoleTargets(const std::string& repo, const tuf::DelegatedRole& role,
                        const tuf::Targets& targets, const std::string& what) {
  for (const auto& [path, file] : targets.targets) {
    if (!tuf::RoleMayList(role, path)) {
      return tuf::Rejected(what, ": role \"", role.name, "\" may not list target \"", path,
                           "\" (its paths: ", role.paths ? Json(*role.paths).dump() : "none", ")");
    }
    auto sha = file.hashes.find("sha256");
    if (sha == file.hashes.end()) return tuf::Rejected(what, ": target ", path, " has no sha256");
    const std::string stored = tuf::TargetFilePath(repo, path, sha->second);
    MOTA_ASSIGN_OR_RETURN(std::string bytes, ReadText(stored));
    tuf::MetaFile m;
    m.length = file.length;
    m.hashes = file.hashes;
    MOTA_RETURN_IF_ERROR(tuf::CheckMeta(m, bytes, stored));
  }
  return Status::Ok();
}

// The whole chain; expiry is checked only when `check_expiry` (writers replace expired files).
Result<RepoState> LoadChain(const std::string& repo, int64_t now, bool check_expiry) {
  RepoState s;
  MOTA_ASSIGN_OR_RETURN(s.root, VerifyRootChain(repo));
  auto expiry = [&](const tuf::Common& c, const std::string& what) {
    return check_expiry ? tuf::CheckNotExpired(c, now, what) : Status::Ok();
  };
  MOTA_RETURN_IF_ERROR(expiry(s.root, "root"));
  const std::string ts_path = MetaDir(repo) + "/timestamp.json";
  MOTA_ASSIGN_OR_RETURN(std::string ts_bytes, ReadText(ts_path));
  MOTA_ASSIGN_OR_RETURN(tuf::Envelope env, LoadEnvelope(ts_path, ts_bytes));
  MOTA_ASSIGN_OR_RETURN(tuf::Authorization auth, RoleAuth(s.root, "timestamp", ts_path));
  MOTA_RETURN_IF_ERROR(tuf::VerifyRole(env, s.root.keys, auth, "timestamp", ts_path));
  MOTA_ASSIGN_OR_RETURN(s.timestamp, tuf::ParseTimestamp(env.signed_json, ts_path));
  MOTA_RETURN_IF_ERROR(expiry(s.timestamp, ts_path));

  MOTA_ASSIGN_OR_RETURN(const tuf::MetaFile* sm,
                        FindMeta(s.timestamp.meta, "snapshot.json", ts_path));
  const std::string snap_file = std::to_string(sm->version) + ".snapshot.json";
  MOTA_ASSIGN_OR_RETURN(auth, RoleAuth(s.root, "snapshot", snap_file));
  MOTA_ASSIGN_OR_RETURN(env, LoadListed(repo, snap_file, *sm, s.root.keys, auth, "snapshot"));
  MOTA_ASSIGN_OR_RETURN(s.snapshot, tuf::ParseSnapshot(env.signed_json, snap_file));
  MOTA_RETURN_IF_ERROR(tuf::CheckVersionMatches(sm->version, s.snapshot.version, snap_file));
  MOTA_RETURN_IF_ERROR(expiry(s.snapshot, snap_file));

  MOTA_ASSIGN_OR_RETURN(const tuf::MetaFile* tm,
                        FindMeta(s.snapshot.meta, "targets.json", snap_file));
  const std::string targets_file = std::to_string(tm->version) + ".targets.json";
  MOTA_ASSIGN_OR_RETURN(auth, RoleAuth(s.root, "targets", targets_file));
  MOTA_ASSIGN_OR_RETURN(env, LoadListed(repo, targets_file, *tm, s.root.keys, auth, "targets"));
  MOTA_ASSIGN_OR_RETURN(s.targets, tuf::ParseTargets(env.signed_json, targets_file));
  MOTA_RETURN_IF_ERROR(tuf::CheckVersionMatches(tm->version, s.targets.version, targets_file));
  MOTA_RETURN_IF_ERROR(expiry(s.targets, targets_file));
  if (!s.targets.targets.empty()) {
    return tuf::Rejected(targets_file, ": top-level targets must list no targets of its own");
  }
  if (!s.targets.delegations) return s;
  MOTA_RETURN_IF_ERROR(tuf::CheckKeyIds(s.targets.delegations->keys, targets_file));
  for (const tuf::DelegatedRole& role : s.targets.delegations->roles) {
    MOTA_ASSIGN_OR_RETURN(const tuf::MetaFile* rm,
                          FindMeta(s.snapshot.meta, role.name + ".json", snap_file));
    const std::string file = std::to_string(rm->version) + "." + role.name + ".json";
    MOTA_ASSIGN_OR_RETURN(env, LoadListed(repo, file, *rm, s.targets.delegations->keys,
                                          tuf::AuthorizationOf(role), role.name));
    MOTA_ASSIGN_OR_RETURN(tuf::Targets t, tuf::ParseTargets(env.signed_json, file));
    MOTA_RETURN_IF_ERROR(tuf::CheckVersionMatches(rm->version, t.version, file));
    MOTA_RETURN_IF_ERROR(expiry(t, file));
    MOTA_RETURN_IF_ERROR(CheckRoleTargets(repo, role, t, file));
    s.models[role.name] = std::move(t);
  }
  return s;
}

// A writer's single key must be enough for the role: listed in root and threshold 1.
Status CheckSigner(const tuf::Root& root, const std::string& role, const SigningKey* key,
                   const std::string& flag) {
  if (key == nullptr) return InvalidArgument(flag, " is required");
  auto it = root.roles.find(role);
  if (it == root.roles.end()) return InvalidArgument("root lists no role \"", role, "\"");
  const tuf::RoleKeys& r = it->second;
  if (std::find(r.keyids.begin(), r.keyids.end(), key->keyid()) == r.keyids.end()) {
    return InvalidArgument(flag, ": key ", key->keyid(), " is not a ", role,
                           " key of this repository's root (", role,
                           " keys: ", Json(r.keyids).dump(), ")");
  }
  if (r.threshold != 1) {
    return FailedPrecondition(role, " needs ", r.threshold, " signatures; ", flag, " gives one");
  }
  return Status::Ok();
}

Result<std::string> Sign(const Json& signed_json, const std::vector<const SigningKey*>& keys) {
  return SignEnvelope(signed_json, keys);
}

tuf::Snapshot NewSnapshot(int64_t version, int64_t expires) {
  tuf::Snapshot s;
  s.version = version;
  s.expires = expires;
  return s;
}

tuf::Timestamp TimestampFor(int64_t version, int64_t expires, const std::string& snapshot_bytes,
                            int64_t snapshot_version) {
  tuf::Timestamp t;
  t.version = version;
  t.expires = expires;
  t.meta["snapshot.json"] = tuf::MetaOf(snapshot_version, snapshot_bytes);
  return t;
}

// ---- init ----

Status CheckInit(const InitOptions& o) {
  if (o.root_keys.empty()) return InvalidArgument("at least one --root-key is required");
  if (o.threshold < 1 || o.threshold > static_cast<int64_t>(o.root_keys.size())) {
    return InvalidArgument("--threshold ", o.threshold, ": expected 1..", o.root_keys.size(),
                           " (the number of root keys)");
  }
  std::set<std::string> ids;
  for (const SigningKey* k : o.root_keys) {
    if (!ids.insert(k->keyid()).second) {
      return InvalidArgument("root key ", k->keyid(), " is given twice; each root key counts once");
    }
  }
  if (!o.targets_key || !o.snapshot_key || !o.timestamp_key) {
    return InvalidArgument("--targets-key, --snapshot-key and --timestamp-key are required");
  }
  if (fs::exists(MetaDir(o.repo))) {
    return FailedPrecondition(MetaDir(o.repo), " already exists: ", o.repo,
                              " is a repository already (refusing to replace its root)");
  }
  return Status::Ok();
}

tuf::RoleKeys RoleOf(std::vector<std::string> keyids, int64_t threshold) {
  std::sort(keyids.begin(), keyids.end());
  tuf::RoleKeys r;
  r.keyids = std::move(keyids);
  r.threshold = threshold;
  return r;
}

tuf::Root InitialRoot(const InitOptions& o) {
  tuf::Root root;
  root.expires = o.now + o.expiry.root_days * kDay;
  std::vector<std::string> root_ids;
  for (const SigningKey* k : o.root_keys) {
    root.keys[k->keyid()] = k->PublicKey();
    root_ids.push_back(k->keyid());
  }
  root.roles["root"] = RoleOf(root_ids, o.threshold);
  const std::pair<const char*, const SigningKey*> online[] = {
      {"targets", o.targets_key}, {"snapshot", o.snapshot_key}, {"timestamp", o.timestamp_key}};
  for (const auto& [role, key] : online) {
    root.keys[key->keyid()] = key->PublicKey();
    root.roles[role] = RoleOf({key->keyid()}, 1);
  }
  return root;
}

// Writes `files` (name -> bytes) into a fresh folder and renames it to DIR/metadata.
Status WriteNewMetadataDir(const std::string& repo,
                           const std::map<std::string, std::string>& files) {
  const std::string tmp = repo + "/.metadata.init";
  std::error_code ec;
  fs::remove_all(tmp, ec);
  for (const auto& [name, bytes] : files) MOTA_RETURN_IF_ERROR(WriteText(tmp + "/" + name, bytes));
  fs::rename(tmp, MetaDir(repo), ec);
  if (ec) return IoError("cannot rename ", tmp, " to ", MetaDir(repo), ": ", ec.message());
  return Status::Ok();
}

// ---- add ----

struct Staged {
  std::string model;
  int64_t release = 0;
  std::map<std::string, tuf::TargetFile> targets;
  std::map<std::string, std::string> files;  // target path -> bytes
};

Result<tuf::TargetFile> StagedTarget(const std::string& staging, const std::string& path,
                                     const Json& entry, const Staged& s, std::string* bytes) {
  const std::string what = staging + "/staging.json: targets[\"" + path + "\"]";
  if (!entry.is_object() || !entry.contains("length") || !entry["length"].is_number_integer() ||
      !entry.contains("hashes") || !entry["hashes"].is_object() ||
      !entry["hashes"].contains("sha256") || !entry["hashes"]["sha256"].is_string() ||
      !entry.contains("custom")) {
    return InvalidArgument(what, ": expected {\"custom\", \"hashes\": {\"sha256\"}, \"length\"}");
  }
  tuf::TargetFile f;
  f.length = entry["length"].get<int64_t>();
  f.hashes["sha256"] = entry["hashes"]["sha256"].get<std::string>();
  f.custom = entry["custom"];
  MOTA_ASSIGN_OR_RETURN(tuf::VariantTarget v, tuf::ParseVariantTarget(*f.custom, what));
  if (v.model != s.model || v.release != s.release) {
    return InvalidArgument(what, ": custom names model \"", v.model, "\" release ", v.release,
                           ", expected \"", s.model, "\" release ", s.release);
  }
  if (path != tuf::VariantTargetPath(s.model, v.variant, s.release)) {
    return InvalidArgument(what, ": expected the path ",
                           tuf::VariantTargetPath(s.model, v.variant, s.release));
  }
  MOTA_ASSIGN_OR_RETURN(*bytes, ReadText(staging + "/targets/" + path));
  tuf::MetaFile m;
  m.length = f.length;
  m.hashes = f.hashes;
  MOTA_RETURN_IF_ERROR(tuf::CheckMeta(m, *bytes, staging + "/targets/" + path));
  return f;
}

Result<Staged> ReadStaging(const std::string& staging) {
  const std::string path = staging + "/staging.json";
  MOTA_ASSIGN_OR_RETURN(std::string text, ReadText(path));
  MOTA_ASSIGN_OR_RETURN(Json doc, tuf::ParseJson(text, path));
  if (!doc.is_object() || !doc.contains("model") || !doc["model"].is_string() ||
      !doc.contains("release") || !doc["release"].is_number_integer() || !doc.contains("targets") ||
      !doc["targets"].is_object() || doc["targets"].empty()) {
    return InvalidArgument(path,
                           ": expected {\"model\": string, \"release\": integer, "
                           "\"targets\": non-empty object} (the output of mota package)");
  }
  Staged s;
  s.model = doc["model"].get<std::string>();
  s.release = doc["release"].get<int64_t>();
  MOTA_RETURN_IF_ERROR(tuf::CheckModelName(s.model, path + ": model"));
  if (s.release < 1) return InvalidArgument(path, ": release ", s.release, ", expected >= 1");
  for (const auto& [target, entry] : doc["targets"].items()) {
    MOTA_ASSIGN_OR_RETURN(s.targets[target],
                          StagedTarget(staging, target, entry, s, &s.files[target]));
  }
  return s;
}

int64_t HighestRelease(const tuf::Targets& role) {
  int64_t highest = 0;
  for (const auto& [path, file] : role.targets) {
    if (!file.custom) continue;
    auto v = tuf::ParseVariantTarget(*file.custom, path);
    if (v.ok()) highest = std::max(highest, v->release);
  }
  return highest;
}

// Copies STAGING/blobs/* not yet in DIR/blobs. An existing blob is never rewritten; one with
// other bytes under the same name means the staged indexes would not match the store.
Status CopyBlobs(const std::string& staging, const std::string& repo, AddResult* r) {
  const fs::path from = fs::path(staging) / "blobs";
  if (!fs::exists(from)) return Status::Ok();
  std::vector<fs::path> names;
  for (const auto& e : fs::directory_iterator(from)) {
    // Only <sha256> files: a staging directory must not place anything else in the store.
    const std::string name = e.path().filename().string();
    const bool hex =
        name.size() == 64 && name.find_first_not_of("0123456789abcdef") == std::string::npos;
    if (!hex || !e.is_regular_file()) {
      return InvalidArgument(e.path().string(), ": expected a file named by a lowercase sha256");
    }
    names.push_back(e.path().filename());
  }
  std::sort(names.begin(), names.end());
  std::vector<std::pair<std::string, std::string>> fresh;
  for (const fs::path& name : names) {
    MOTA_ASSIGN_OR_RETURN(std::string bytes, ReadText((from / name).string()));
    const std::string dest = repo + "/blobs/" + name.string();
    if (fs::exists(dest)) {
      MOTA_ASSIGN_OR_RETURN(std::string have, ReadText(dest));
      if (have != bytes) {
        return DataLoss("blob ", name.string(), " in ", staging, " differs from ", dest,
                        "; repackage with the repository's chunks (first writer wins)");
      }
      ++r->existing_blobs;
      continue;
    }
    fresh.emplace_back(dest, std::move(bytes));
  }
  for (const auto& [dest, bytes] : fresh) {
    MOTA_RETURN_IF_ERROR(WriteText(dest, bytes));
    ++r->new_blobs;
    r->new_blob_bytes += bytes.size();
  }
  return Status::Ok();
}

tuf::DelegatedRole NewDelegation(const std::string& model, const SigningKey& key) {
  tuf::DelegatedRole role;
  role.name = model;
  role.keyids = {key.keyid()};
  role.threshold = 1;
  role.terminating = true;
  role.paths = std::vector<std::string>{tuf::ModelPathPattern(model)};
  return role;
}

// Finds the model's role, creating it with `key` when new; otherwise `key` must be one of its.
Result<tuf::DelegatedRole> ResolveDelegation(tuf::Targets* targets, const std::string& model,
                                             const SigningKey& key) {
  if (!targets->delegations) targets->delegations = tuf::Delegations{};
  auto& roles = targets->delegations->roles;
  for (const tuf::DelegatedRole& role : roles) {
    if (role.name != model) continue;
    if (std::find(role.keyids.begin(), role.keyids.end(), key.keyid()) == role.keyids.end()) {
      return InvalidArgument("--delegation-key ", key.keyid(), " is not a key of model \"", model,
                             "\"'s role (its keys: ", Json(role.keyids).dump(), ")");
    }
    if (role.threshold != 1) {
      return FailedPrecondition("model \"", model, "\"'s role needs ", role.threshold,
                                " signatures; --delegation-key gives one");
    }
    return role;
  }
  targets->delegations->keys[key.keyid()] = key.PublicKey();
  roles.push_back(NewDelegation(model, key));
  std::sort(roles.begin(), roles.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  return NewDelegation(model, key);
}

// Writes the versioned files in order, then timestamp.json last.
Status Publish(const std::string& repo,
               const std::vector<std::pair<std::string, std::string>>& files, int fail_after) {
  int written = 0;
  for (const auto& [name, bytes] : files) {
    if (fail_after >= 0 && written == fail_after) {
      return Internal("stopped before writing ", name, " (fail_after_metadata_files = ", fail_after,
                      ")");
    }
    MOTA_RETURN_IF_ERROR(WriteText(MetaDir(repo) + "/" + name, bytes));
    ++written;
  }
  return Status::Ok();
}

// A signed role file to publish as metadata/<version>.<role>.json.
struct SignedRole {
  std::string role;
  int64_t version = 0;
  std::string bytes;
};
struct TopVersions {
  int64_t snapshot = 0, timestamp = 0;
};

// Publishes `roles` (in order) with a new snapshot listing them and a new timestamp over that
// snapshot, signed by the online keys; timestamp.json is written last.
Result<TopVersions> PublishRoles(const std::string& repo, const RepoState& state,
                                 const std::vector<SignedRole>& roles,
                                 const SigningKey* snapshot_key, const SigningKey* timestamp_key,
                                 int64_t now, const Expiry& expiry, int fail_after) {
  tuf::Snapshot snapshot = state.snapshot;
  snapshot.version += 1;
  snapshot.expires = now + expiry.snapshot_days * kDay;
  std::vector<std::pair<std::string, std::string>> files;
  for (const SignedRole& r : roles) {
    snapshot.meta[r.role + ".json"] = tuf::MetaOf(r.version, r.bytes);
    files.emplace_back(std::to_string(r.version) + "." + r.role + ".json", r.bytes);
  }
  MOTA_ASSIGN_OR_RETURN(std::string snap_bytes, Sign(tuf::ToJson(snapshot), {snapshot_key}));
  const tuf::Timestamp ts =
      TimestampFor(state.timestamp.version + 1, now + expiry.timestamp_days * kDay, snap_bytes,
                   snapshot.version);
  MOTA_ASSIGN_OR_RETURN(std::string ts_bytes, Sign(tuf::ToJson(ts), {timestamp_key}));
  files.emplace_back(std::to_string(snapshot.version) + ".snapshot.json", std::move(snap_bytes));
  files.emplace_back("timestamp.json", std::move(ts_bytes));
  MOTA_RETURN_IF_ERROR(Publish(repo, files, fail_after));
  return TopVersions{.snapshot = snapshot.version, .timestamp = ts.version};
}

Status CheckAddKeys(const AddOptions& o, const tuf::Root& root) {
  MOTA_RETURN_IF_ERROR(CheckSigner(root, "targets", o.targets_key, "--targets-key"));
  MOTA_RETURN_IF_ERROR(CheckSigner(root, "snapshot", o.snapshot_key, "--snapshot-key"));
  return CheckSigner(root, "timestamp", o.timestamp_key, "--timestamp-key");
}

// ---- revoke ----

// The key must be one of the model's role keys, and one signature must meet its threshold.
Status CheckRevokeKey(const tuf::Targets& targets, const std::string& model,
                      const SigningKey& key) {
  if (!targets.delegations) return NotFound("targets.json delegates no roles");
  for (const tuf::DelegatedRole& role : targets.delegations->roles) {
    if (role.name != model) continue;
    if (std::find(role.keyids.begin(), role.keyids.end(), key.keyid()) == role.keyids.end()) {
      return InvalidArgument("key ", key.keyid(),
                             " (--delegation-key, or --targets-key without "
                             "it) is not a key of model \"",
                             model, "\"'s role (its keys: ", Json(role.keyids).dump(), ")");
    }
    if (role.threshold != 1) {
      return FailedPrecondition("model \"", model, "\"'s role needs ", role.threshold,
                                " signatures; revoke signs with one key");
    }
    return Status::Ok();
  }
  return NotFound("targets.json delegates no role named \"", model, "\"");
}

// Sets custom.revoked (and revoked_reason) on every target of the release.
Result<RevokeResult> MarkRevoked(tuf::Targets* role, const RevokeOptions& o) {
  RevokeResult r;
  std::set<int64_t> releases;
  size_t already = 0;
  for (auto& [path, file] : role->targets) {
    if (!file.custom) continue;
    MOTA_ASSIGN_OR_RETURN(tuf::VariantTarget v, tuf::ParseVariantTarget(*file.custom, path));
    releases.insert(v.release);
    if (v.release != o.release) continue;
    r.targets.push_back(path);
    if (v.revoked) {
      ++already;
      continue;
    }
    (*file.custom)["revoked"] = true;
    if (!o.reason.empty()) (*file.custom)["revoked_reason"] = o.reason;
  }
  if (r.targets.empty()) {
    std::string listed;
    for (int64_t n : releases) listed += (listed.empty() ? "" : ", ") + std::to_string(n);
    return NotFound("model \"", o.model, "\" has no release ", o.release,
                    " (releases listed: ", listed.empty() ? "none" : listed, ")");
  }
  if (already == r.targets.size()) {
    return FailedPrecondition("release ", o.release, " of model \"", o.model,
                              "\" is already revoked; nothing was written");
  }
  return r;
}

// ---- publish through a server ----

// The fetched file, checked against the meta entry that lists it and against its signers.
Result<tuf::Envelope> FetchListed(const MetadataFetcher& fetch, const std::string& file,
                                  const tuf::MetaFile* meta,
                                  const std::map<std::string, tuf::Key>& keys,
                                  const tuf::Authorization& auth, const std::string& role) {
  const std::string what = "server metadata/" + file;
  MOTA_ASSIGN_OR_RETURN(std::string bytes, fetch(file));
  if (meta) MOTA_RETURN_IF_ERROR(tuf::CheckMeta(*meta, bytes, what));
  MOTA_ASSIGN_OR_RETURN(tuf::Envelope env, LoadEnvelope(what, bytes));
  MOTA_RETURN_IF_ERROR(tuf::VerifyRole(env, keys, auth, role, what));
  return env;
}

// The trusted root, then every newer root the server has, each signed by a threshold of the
// previous root and of itself.
Result<tuf::Root> FetchRootChain(const MetadataFetcher& fetch, const std::string& trusted) {
  std::string bytes = trusted;
  if (bytes.empty()) {
    MOTA_ASSIGN_OR_RETURN(bytes, fetch("root.json"));
  }
  MOTA_ASSIGN_OR_RETURN(tuf::Envelope env, LoadEnvelope("trusted root.json", bytes));
  MOTA_ASSIGN_OR_RETURN(tuf::Root root, tuf::ParseRoot(env.signed_json, "trusted root.json"));
  MOTA_RETURN_IF_ERROR(tuf::CheckKeyIds(root.keys, "trusted root.json"));
  MOTA_RETURN_IF_ERROR(tuf::VerifyRole(env, root.keys, tuf::AuthorizationOf(root.roles["root"]),
                                       "root", "trusted root.json"));
  for (;;) {
    const std::string file = std::to_string(root.version + 1) + ".root.json";
    Result<std::string> next_bytes = fetch(file);
    if (!next_bytes.ok() && next_bytes.status().code() == StatusCode::kNotFound) break;
    if (!next_bytes.ok()) return next_bytes.status();
    MOTA_ASSIGN_OR_RETURN(env, LoadEnvelope(file, *next_bytes));
    MOTA_RETURN_IF_ERROR(tuf::VerifyRole(env, root.keys, tuf::AuthorizationOf(root.roles["root"]),
                                         "root (by the previous root)", file));
    MOTA_ASSIGN_OR_RETURN(tuf::Root next, tuf::ParseRoot(env.signed_json, file));
    MOTA_RETURN_IF_ERROR(tuf::CheckRootSuccessor(root.version, next.version, file));
    MOTA_RETURN_IF_ERROR(
        tuf::VerifyRole(env, next.keys, tuf::AuthorizationOf(next.roles["root"]), "root", file));
    root = std::move(next);
  }
  return root;
}

// The server's published state, verified from `root` down: timestamp, snapshot, targets and
// the model's role (absent when the snapshot does not list it yet).
Result<RepoState> FetchState(const MetadataFetcher& fetch, tuf::Root root,
                             const std::string& model) {
  RepoState s;
  s.root = std::move(root);
  MOTA_ASSIGN_OR_RETURN(tuf::Authorization auth, RoleAuth(s.root, "timestamp", "root"));
  MOTA_ASSIGN_OR_RETURN(tuf::Envelope env, FetchListed(fetch, "timestamp.json", nullptr,
                                                       s.root.keys, auth, "timestamp"));
  MOTA_ASSIGN_OR_RETURN(s.timestamp, tuf::ParseTimestamp(env.signed_json, "timestamp.json"));
  MOTA_ASSIGN_OR_RETURN(const tuf::MetaFile* sm,
                        FindMeta(s.timestamp.meta, "snapshot.json", "timestamp.json"));
  const std::string snap_file = std::to_string(sm->version) + ".snapshot.json";
  MOTA_ASSIGN_OR_RETURN(auth, RoleAuth(s.root, "snapshot", "root"));
  MOTA_ASSIGN_OR_RETURN(env, FetchListed(fetch, snap_file, sm, s.root.keys, auth, "snapshot"));
  MOTA_ASSIGN_OR_RETURN(s.snapshot, tuf::ParseSnapshot(env.signed_json, snap_file));
  MOTA_ASSIGN_OR_RETURN(const tuf::MetaFile* tm,
                        FindMeta(s.snapshot.meta, "targets.json", snap_file));
  const std::string targets_file = std::to_string(tm->version) + ".targets.json";
  MOTA_ASSIGN_OR_RETURN(auth, RoleAuth(s.root, "targets", "root"));
  MOTA_ASSIGN_OR_RETURN(env, FetchListed(fetch, targets_file, tm, s.root.keys, auth, "targets"));
  MOTA_ASSIGN_OR_RETURN(s.targets, tuf::ParseTargets(env.signed_json, targets_file));
  auto listed = s.snapshot.meta.find(model + ".json");
  if (listed == s.snapshot.meta.end() || !s.targets.delegations) return s;
  for (const tuf::DelegatedRole& role : s.targets.delegations->roles) {
    if (role.name != model) continue;
    const std::string file = std::to_string(listed->second.version) + "." + model + ".json";
    MOTA_ASSIGN_OR_RETURN(env,
                          FetchListed(fetch, file, &listed->second, s.targets.delegations->keys,
                                      tuf::AuthorizationOf(role), model));
    MOTA_ASSIGN_OR_RETURN(s.models[model], tuf::ParseTargets(env.signed_json, file));
  }
  return s;
}

// Moves the staged targets to `release` (paths and custom.release).
void Relabel(Staged* staged, int64_t release) {
  Staged out{.model = staged->model, .release = release};
  for (auto& [path, file] : staged->targets) {
    tuf::VariantTarget v = tuf::ParseVariantTarget(*file.custom, path).value();
    const std::string moved = tuf::VariantTargetPath(staged->model, v.variant, release);
    (*file.custom)["release"] = release;
    out.files[moved] = std::move(staged->files[path]);
    out.targets[moved] = std::move(file);
  }
  *staged = std::move(out);
}

std::vector<std::string> StagedBlobNames(const std::string& staging) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(staging) / "blobs", ec)) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

Status InitRepository(const InitOptions& o) {
  MOTA_RETURN_IF_ERROR(CheckInit(o));
  const tuf::Root root = InitialRoot(o);
  MOTA_ASSIGN_OR_RETURN(std::string root_bytes, Sign(tuf::ToJson(root), o.root_keys));
  tuf::Targets targets;
  targets.expires = o.now + o.expiry.targets_days * kDay;
  targets.delegations = tuf::Delegations{};
  MOTA_ASSIGN_OR_RETURN(std::string targets_bytes, Sign(tuf::ToJson(targets), {o.targets_key}));
  tuf::Snapshot snapshot = NewSnapshot(1, o.now + o.expiry.snapshot_days * kDay);
  snapshot.meta["targets.json"] = tuf::MetaOf(1, targets_bytes);
  MOTA_ASSIGN_OR_RETURN(std::string snap_bytes, Sign(tuf::ToJson(snapshot), {o.snapshot_key}));
  const tuf::Timestamp ts = TimestampFor(1, o.now + o.expiry.timestamp_days * kDay, snap_bytes, 1);
  MOTA_ASSIGN_OR_RETURN(std::string ts_bytes, Sign(tuf::ToJson(ts), {o.timestamp_key}));
  std::error_code ec;
  fs::create_directories(o.repo, ec);
  if (ec) return IoError("cannot create ", o.repo, ": ", ec.message());
  return WriteNewMetadataDir(o.repo, {{"1.root.json", root_bytes},
                                      {"root.json", root_bytes},
                                      {"1.targets.json", targets_bytes},
                                      {"1.snapshot.json", snap_bytes},
                                      {"timestamp.json", ts_bytes}});
}

Result<AddResult> AddStaging(const AddOptions& o) {
  MOTA_ASSIGN_OR_RETURN(RepoState state, LoadChain(o.repo, o.now, /*check_expiry=*/false));
  MOTA_RETURN_IF_ERROR(CheckAddKeys(o, state.root));
  MOTA_ASSIGN_OR_RETURN(Staged staged, ReadStaging(o.staging));
  const SigningKey& team_key = o.delegation_key ? *o.delegation_key : *o.targets_key;
  tuf::Targets targets = state.targets;
  MOTA_ASSIGN_OR_RETURN(tuf::DelegatedRole role,
                        ResolveDelegation(&targets, staged.model, team_key));
  tuf::Targets model_role;
  model_role.version = 0;
  if (auto it = state.models.find(staged.model); it != state.models.end()) model_role = it->second;
  const int64_t highest = HighestRelease(model_role);
  if (staged.release <= highest) {
    return FailedPrecondition("release ", staged.release, " of model \"", staged.model,
                              "\" is not greater than release ", highest,
                              " already published; package again with a release > ", highest);
  }
  for (const auto& [path, file] : staged.targets) {
    if (!tuf::RoleMayList(role, path)) {
      return InvalidArgument("target ", path, " is outside model \"", staged.model, "\"'s paths ",
                             tuf::ModelPathPattern(staged.model));
    }
    model_role.targets[path] = file;
  }
  AddResult r{.model = staged.model, .release = staged.release, .targets = staged.targets.size()};
  MOTA_RETURN_IF_ERROR(CopyBlobs(o.staging, o.repo, &r));
  for (const auto& [path, file] : staged.targets) {
    const std::string dest = tuf::TargetFilePath(o.repo, path, file.hashes.at("sha256"));
    if (!fs::exists(dest)) MOTA_RETURN_IF_ERROR(WriteText(dest, staged.files.at(path)));
  }

  model_role.version += 1;
  model_role.expires = o.now + o.expiry.targets_days * kDay;
  MOTA_ASSIGN_OR_RETURN(std::string role_bytes, Sign(tuf::ToJson(model_role), {&team_key}));
  targets.version += 1;
  targets.expires = o.now + o.expiry.targets_days * kDay;
  MOTA_ASSIGN_OR_RETURN(std::string targets_bytes, Sign(tuf::ToJson(targets), {o.targets_key}));
  MOTA_ASSIGN_OR_RETURN(
      TopVersions top,
      PublishRoles(o.repo, state,
                   {{staged.model, model_role.version, std::move(role_bytes)},
                    {"targets", targets.version, std::move(targets_bytes)}},
                   o.snapshot_key, o.timestamp_key, o.now, o.expiry, o.fail_after_metadata_files));
  r.role_version = model_role.version;
  r.targets_version = targets.version;
  r.snapshot_version = top.snapshot;
  r.timestamp_version = top.timestamp;
  return r;
}

Result<RevokeResult> Revoke(const RevokeOptions& o) {
  MOTA_ASSIGN_OR_RETURN(RepoState state, LoadChain(o.repo, o.now, /*check_expiry=*/false));
  MOTA_RETURN_IF_ERROR(CheckSigner(state.root, "snapshot", o.snapshot_key, "--snapshot-key"));
  MOTA_RETURN_IF_ERROR(CheckSigner(state.root, "timestamp", o.timestamp_key, "--timestamp-key"));
  const SigningKey* team_key = o.delegation_key ? o.delegation_key : o.targets_key;
  if (!team_key) return InvalidArgument("--delegation-key or --targets-key is required");
  auto found = state.models.find(o.model);
  if (found == state.models.end()) {
    return NotFound("model \"", o.model, "\" is not in ", o.repo, " (no delegated role of it)");
  }
  MOTA_RETURN_IF_ERROR(CheckRevokeKey(state.targets, o.model, *team_key));
  tuf::Targets role = found->second;
  MOTA_ASSIGN_OR_RETURN(RevokeResult r, MarkRevoked(&role, o));

  role.version += 1;
  role.expires = o.now + o.expiry.targets_days * kDay;
  MOTA_ASSIGN_OR_RETURN(std::string role_bytes, Sign(tuf::ToJson(role), {team_key}));
  MOTA_ASSIGN_OR_RETURN(
      TopVersions top, PublishRoles(o.repo, state, {{o.model, role.version, std::move(role_bytes)}},
                                    o.snapshot_key, o.timestamp_key, o.now, o.expiry,
                                    /*fail_after=*/-1));
  r.role_version = role.version;
  r.snapshot_version = top.snapshot;
  r.timestamp_version = top.timestamp;
  return r;
}

Result<int64_t> RotateRoot(const RotateOptions& o) {
  MOTA_ASSIGN_OR_RETURN(tuf::Root old_root, VerifyRootChain(o.repo));
  if (o.new_keys.empty()) return InvalidArgument("at least one --new-key is required");
  if (o.threshold < 1 || o.threshold > static_cast<int64_t>(o.new_keys.size())) {
    return InvalidArgument("--threshold ", o.threshold, ": expected 1..", o.new_keys.size(),
                           " (the number of new root keys)");
  }
  tuf::Root root = old_root;
  root.version += 1;
  root.expires = o.now + o.expiry.root_days * kDay;
  std::set<std::string> still_used;
  for (const char* role : kTopRoles) {
    auto it = root.roles.find(role);
    if (std::string(role) == "root" || it == root.roles.end()) continue;
    for (const std::string& id : it->second.keyids) still_used.insert(id);
  }
  for (const std::string& id : old_root.roles.at("root").keyids) {
    if (!still_used.count(id)) root.keys.erase(id);
  }
  std::vector<std::string> ids;
  for (const SigningKey* k : o.new_keys) {
    root.keys[k->keyid()] = k->PublicKey();
    ids.push_back(k->keyid());
  }
  root.roles["root"] = RoleOf(ids, o.threshold);
  std::vector<const SigningKey*> signers = o.old_keys;
  signers.insert(signers.end(), o.new_keys.begin(), o.new_keys.end());
  MOTA_ASSIGN_OR_RETURN(std::string bytes, Sign(tuf::ToJson(root), signers));
  // Check it exactly as a client will before writing anything.
  const std::string name = std::to_string(root.version) + ".root.json";
  MOTA_ASSIGN_OR_RETURN(tuf::Envelope env, LoadEnvelope(name, bytes));
  MOTA_RETURN_IF_ERROR(
      tuf::VerifyRole(env, old_root.keys, tuf::AuthorizationOf(old_root.roles.at("root")),
                      "root (by the old root keys: give a threshold with --old-key)", name));
  MOTA_RETURN_IF_ERROR(tuf::VerifyRole(env, root.keys, tuf::AuthorizationOf(root.roles.at("root")),
                                       "root (by the new root keys)", name));
  MOTA_RETURN_IF_ERROR(WriteText(MetaDir(o.repo) + "/" + name, bytes));
  MOTA_RETURN_IF_ERROR(WriteText(MetaDir(o.repo) + "/root.json", bytes));
  return root.version;
}

Result<int64_t> RefreshTimestamp(const std::string& repo, const SigningKey& timestamp_key,
                                 int64_t now, const Expiry& expiry) {
  MOTA_ASSIGN_OR_RETURN(RepoState state, LoadChain(repo, now, /*check_expiry=*/false));
  MOTA_RETURN_IF_ERROR(CheckSigner(state.root, "timestamp", &timestamp_key, "--timestamp-key"));
  tuf::Timestamp ts = state.timestamp;
  ts.version += 1;
  ts.expires = now + expiry.timestamp_days * kDay;
  MOTA_ASSIGN_OR_RETURN(std::string bytes, Sign(tuf::ToJson(ts), {&timestamp_key}));
  MOTA_RETURN_IF_ERROR(WriteText(MetaDir(repo) + "/timestamp.json", bytes));
  return ts.version;
}

Result<RepoState> VerifyRepository(const std::string& repo, int64_t now) {
  return LoadChain(repo, now, /*check_expiry=*/true);
}

Result<PublishPlan> PlanPublish(const MetadataFetcher& fetch, const PublishPlanOptions& o) {
  if (!o.team_key) return InvalidArgument("--key (the model team's key) is required");
  MOTA_ASSIGN_OR_RETURN(Staged staged, ReadStaging(o.staging));
  MOTA_ASSIGN_OR_RETURN(tuf::Root root, FetchRootChain(fetch, o.trusted_root));
  MOTA_ASSIGN_OR_RETURN(RepoState state, FetchState(fetch, std::move(root), staged.model));
  PublishPlan plan{.model = staged.model};
  tuf::Targets targets = state.targets;
  const size_t delegated_before = targets.delegations ? targets.delegations->roles.size() : 0;
  MOTA_ASSIGN_OR_RETURN(tuf::DelegatedRole role,
                        ResolveDelegation(&targets, staged.model, *o.team_key));
  if (targets.delegations->roles.size() != delegated_before) {
    if (!o.targets_key) {
      return FailedPrecondition("model \"", staged.model,
                                "\" is not delegated on the server yet; pass --targets-key to "
                                "sign the new targets.json that delegates it to --key");
    }
    MOTA_RETURN_IF_ERROR(CheckSigner(state.root, "targets", o.targets_key, "--targets-key"));
    targets.version += 1;
    targets.expires = o.now + o.expiry.targets_days * kDay;
    MOTA_ASSIGN_OR_RETURN(plan.targets_metadata, Sign(tuf::ToJson(targets), {o.targets_key}));
  }
  tuf::Targets model_role;
  model_role.version = 0;
  if (auto it = state.models.find(staged.model); it != state.models.end()) model_role = it->second;
  const int64_t newest = HighestRelease(model_role);
  if (o.next_release) Relabel(&staged, newest + 1);
  if (staged.release <= newest) {
    return FailedPrecondition("release ", staged.release, " of model \"", staged.model,
                              "\" is not greater than release ", newest,
                              " on the server; pass --next-release (publishes it as release ",
                              newest + 1, ") or package again with --release ", newest + 1);
  }
  for (const auto& [path, file] : staged.targets) {
    if (!tuf::RoleMayList(role, path)) {
      return InvalidArgument("target ", path, " is outside model \"", staged.model, "\"'s paths ",
                             tuf::ModelPathPattern(staged.model));
    }
    model_role.targets[path] = file;
  }
  model_role.version += 1;
  model_role.expires = o.now + o.expiry.targets_days * kDay;
  MOTA_ASSIGN_OR_RETURN(plan.role_metadata, Sign(tuf::ToJson(model_role), {o.team_key}));
  plan.release = staged.release;
  plan.target_files = std::move(staged.files);
  plan.blobs = StagedBlobNames(o.staging);
  return plan;
}

}  // namespace mota::packager
