#include "server/repository/repo_state.h"

#include <sys/stat.h>

#include "manifests/lib/tuf/verify.h"
#include "server/storage/atomic_file.h"

namespace mota::server::repository {
namespace {

using storage::ReadFileToString;

bool Exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

Result<tuf::Authorization> RoleAuth(const tuf::Root& root, const std::string& role,
                                    const std::string& what) {
  auto it = root.roles.find(role);
  if (it == root.roles.end()) return tuf::Invalid(what, ": root lists no role \"", role, "\"");
  return tuf::AuthorizationOf(it->second);
}

Result<const tuf::MetaFile*> FindMeta(const std::map<std::string, tuf::MetaFile>& meta,
                                      const std::string& name, const std::string& what) {
  auto it = meta.find(name);
  if (it == meta.end()) return tuf::Rejected(what, ": meta lists no \"", name, "\"");
  return &it->second;
}

// Reads metadata/<file>, checks it against `meta` and its signers, keeps its bytes.
Result<tuf::Envelope> LoadListed(const std::string& repo, const std::string& file,
                                 const tuf::MetaFile& meta,
                                 const std::map<std::string, tuf::Key>& keys,
                                 const tuf::Authorization& auth, const std::string& role,
                                 RepoState* state) {
  const std::string path = tuf::MetadataPath(repo, file);
  MOTA_ASSIGN_OR_RETURN(std::string bytes, ReadFileToString(path));
  MOTA_RETURN_IF_ERROR(tuf::CheckMeta(meta, bytes, path));
  MOTA_ASSIGN_OR_RETURN(tuf::Envelope env, tuf::ParseEnvelope(bytes, path));
  MOTA_RETURN_IF_ERROR(tuf::VerifyRole(env, keys, auth, role, path));
  state->files[file] = std::move(bytes);
  return env;
}

Status CheckTargetFiles(const std::string& repo, const tuf::Targets& targets,
                        const std::string& what) {
  for (const auto& [path, file] : targets.targets) {
    auto sha = file.hashes.find("sha256");
    if (sha == file.hashes.end()) return tuf::Rejected(what, ": target ", path, " has no sha256");
    const std::string stored = tuf::TargetFilePath(repo, path, sha->second);
    MOTA_ASSIGN_OR_RETURN(std::string bytes, ReadFileToString(stored));
    tuf::MetaFile m;
    m.length = file.length;
    m.hashes = file.hashes;
    MOTA_RETURN_IF_ERROR(tuf::CheckMeta(m, bytes, stored));
  }
  return Status::Ok();
}

Status LoadDelegatedRoles(const std::string& repo, const LoadOptions& o, RepoState* s) {
  if (!s->targets.delegations) return Status::Ok();
  const tuf::Delegations& d = *s->targets.delegations;
  MOTA_RETURN_IF_ERROR(tuf::CheckKeyIds(d.keys, "targets.json delegations"));
  for (const tuf::DelegatedRole& role : d.roles) {
    auto listed = s->snapshot.meta.find(role.name + ".json");
    if (listed == s->snapshot.meta.end()) continue;  // delegated, nothing published yet
    const std::string file = std::to_string(listed->second.version) + "." + role.name + ".json";
    MOTA_ASSIGN_OR_RETURN(tuf::Envelope env, LoadListed(repo, file, listed->second, d.keys,
                                                        tuf::AuthorizationOf(role), role.name, s));
    MOTA_ASSIGN_OR_RETURN(tuf::Targets t, tuf::ParseTargets(env.signed_json, file));
    MOTA_RETURN_IF_ERROR(tuf::CheckVersionMatches(listed->second.version, t.version, file));
    if (o.check_expiry) MOTA_RETURN_IF_ERROR(tuf::CheckNotExpired(t, o.now, file));
    for (const auto& [path, unused] : t.targets) {
      if (!tuf::RoleMayList(role, path)) {
        return tuf::Rejected(file, ": role \"", role.name, "\" may not list target \"", path, "\"");
      }
    }
    if (o.check_target_files) MOTA_RETURN_IF_ERROR(CheckTargetFiles(repo, t, file));
    s->models[role.name] = std::move(t);
  }
  return Status::Ok();
}

}  // namespace

Result<tuf::Root> LoadRootChain(const std::string& repo) {
  std::string path = tuf::MetadataPath(repo, "1.root.json");
  MOTA_ASSIGN_OR_RETURN(std::string bytes, ReadFileToString(path));
  MOTA_ASSIGN_OR_RETURN(tuf::Envelope env, tuf::ParseEnvelope(bytes, path));
  MOTA_ASSIGN_OR_RETURN(tuf::Root root, tuf::ParseRoot(env.signed_json, path));
  MOTA_RETURN_IF_ERROR(tuf::CheckKeyIds(root.keys, path));
  MOTA_ASSIGN_OR_RETURN(tuf::Authorization auth, RoleAuth(root, "root", path));
  MOTA_RETURN_IF_ERROR(tuf::VerifyRole(env, root.keys, auth, "root", path));
  for (int64_t v = root.version + 1;; ++v) {
    path = tuf::MetadataPath(repo, std::to_string(v) + ".root.json");
    if (!Exists(path)) break;
    MOTA_ASSIGN_OR_RETURN(bytes, ReadFileToString(path));
    MOTA_ASSIGN_OR_RETURN(env, tuf::ParseEnvelope(bytes, path));
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

Result<RepoState> LoadRepoState(const std::string& repo, const LoadOptions& o) {
  RepoState s;
  MOTA_ASSIGN_OR_RETURN(s.root, LoadRootChain(repo));
  if (o.check_expiry) MOTA_RETURN_IF_ERROR(tuf::CheckNotExpired(s.root, o.now, "root"));
  const std::string ts_path = tuf::MetadataPath(repo, "timestamp.json");
  MOTA_ASSIGN_OR_RETURN(std::string ts_bytes, ReadFileToString(ts_path));
  MOTA_ASSIGN_OR_RETURN(tuf::Envelope env, tuf::ParseEnvelope(ts_bytes, ts_path));
  MOTA_ASSIGN_OR_RETURN(tuf::Authorization auth, RoleAuth(s.root, "timestamp", ts_path));
  MOTA_RETURN_IF_ERROR(tuf::VerifyRole(env, s.root.keys, auth, "timestamp", ts_path));
  MOTA_ASSIGN_OR_RETURN(s.timestamp, tuf::ParseTimestamp(env.signed_json, ts_path));
  if (o.check_expiry) MOTA_RETURN_IF_ERROR(tuf::CheckNotExpired(s.timestamp, o.now, ts_path));
  s.files["timestamp.json"] = std::move(ts_bytes);

  MOTA_ASSIGN_OR_RETURN(const tuf::MetaFile* sm,
                        FindMeta(s.timestamp.meta, "snapshot.json", ts_path));
  const std::string snap_file = std::to_string(sm->version) + ".snapshot.json";
  MOTA_ASSIGN_OR_RETURN(auth, RoleAuth(s.root, "snapshot", snap_file));
  MOTA_ASSIGN_OR_RETURN(env, LoadListed(repo, snap_file, *sm, s.root.keys, auth, "snapshot", &s));
  MOTA_ASSIGN_OR_RETURN(s.snapshot, tuf::ParseSnapshot(env.signed_json, snap_file));
  MOTA_RETURN_IF_ERROR(tuf::CheckVersionMatches(sm->version, s.snapshot.version, snap_file));
  if (o.check_expiry) MOTA_RETURN_IF_ERROR(tuf::CheckNotExpired(s.snapshot, o.now, snap_file));

  MOTA_ASSIGN_OR_RETURN(const tuf::MetaFile* tm,
                        FindMeta(s.snapshot.meta, "targets.json", snap_file));
  const std::string targets_file = std::to_string(tm->version) + ".targets.json";
  MOTA_ASSIGN_OR_RETURN(auth, RoleAuth(s.root, "targets", targets_file));
  MOTA_ASSIGN_OR_RETURN(env, LoadListed(repo, targets_file, *tm, s.root.keys, auth, "targets", &s));
  MOTA_ASSIGN_OR_RETURN(s.targets, tuf::ParseTargets(env.signed_json, targets_file));
  MOTA_RETURN_IF_ERROR(tuf::CheckVersionMatches(tm->version, s.targets.version, targets_file));
  if (o.check_expiry) MOTA_RETURN_IF_ERROR(tuf::CheckNotExpired(s.targets, o.now, targets_file));
  MOTA_RETURN_IF_ERROR(LoadDelegatedRoles(repo, o, &s));
  return s;
}

}  // namespace mota::server::repository
