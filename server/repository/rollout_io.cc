#include "server/repository/rollout_io.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "manifests/lib/tuf/target_custom.h"
#include "manifests/lib/tuf/repo_files.h"
#include "manifests/lib/tuf/verify.h"
#include "manifests/lib/tuf_sign/sign.h"
#include "server/storage/atomic_file.h"

namespace mota::server::repository {
namespace {

Result<tuf::Envelope> ReadEnvelope(const std::string& repo, const std::string& file,
                                   std::string* bytes_out = nullptr) {
  MOTA_ASSIGN_OR_RETURN(std::string bytes,
                        storage::ReadFileToString(tuf::MetadataPath(repo, file)));
  MOTA_ASSIGN_OR_RETURN(tuf::Envelope env, tuf::ParseEnvelope(bytes, file));
  if (bytes_out != nullptr) *bytes_out = std::move(bytes);
  return env;
}

Result<tuf::Authorization> TopRole(const tuf::Root& root, const char* role) {
  auto it = root.roles.find(role);
  if (it == root.roles.end()) return tuf::Invalid("root.json: no '", role, "' role");
  return tuf::AuthorizationOf(it->second);
}

// Reads the file a snapshot / timestamp entry names, checks its length and sha256, then the
// signatures of `role`.
Result<tuf::Envelope> LoadListed(const std::string& repo, const std::string& file,
                                 const tuf::MetaFile& meta,
                                 const std::map<std::string, tuf::Key>& keys,
                                 const tuf::Authorization& auth, const std::string& role) {
  std::string bytes;
  MOTA_ASSIGN_OR_RETURN(tuf::Envelope env, ReadEnvelope(repo, file, &bytes));
  if (meta.length && *meta.length != static_cast<int64_t>(bytes.size())) {
    return tuf::Rejected(file, ": ", bytes.size(), " bytes, the snapshot lists ", *meta.length);
  }
  auto sha = meta.hashes.find("sha256");
  if (sha != meta.hashes.end() && sha->second != tuf::Sha256Hex(bytes)) {
    return tuf::Rejected(file, ": sha256 ", tuf::Sha256Hex(bytes), ", the snapshot lists ",
                         sha->second);
  }
  MOTA_RETURN_IF_ERROR(tuf::VerifyRole(env, keys, auth, role, file));
  return env;
}

Result<const tuf::MetaFile*> FindMeta(const std::map<std::string, tuf::MetaFile>& meta,
                                      const std::string& name, const std::string& in) {
  auto it = meta.find(name);
  if (it == meta.end()) return NotFound(in, ": no meta entry '", name, "'");
  return &it->second;
}

Status LoadTop(const std::string& repo, RolloutView* v) {
  MOTA_ASSIGN_OR_RETURN(tuf::Envelope root_env, ReadEnvelope(repo, "root.json"));
  MOTA_ASSIGN_OR_RETURN(v->root, tuf::ParseRoot(root_env.signed_json, "root.json"));
  MOTA_ASSIGN_OR_RETURN(tuf::Authorization auth, TopRole(v->root, "root"));
  MOTA_RETURN_IF_ERROR(tuf::VerifyRole(root_env, v->root.keys, auth, "root", "root.json"));
  MOTA_ASSIGN_OR_RETURN(tuf::Envelope ts_env, ReadEnvelope(repo, "timestamp.json"));
  MOTA_ASSIGN_OR_RETURN(auth, TopRole(v->root, "timestamp"));
  MOTA_RETURN_IF_ERROR(tuf::VerifyRole(ts_env, v->root.keys, auth, "timestamp", "timestamp.json"));
  MOTA_ASSIGN_OR_RETURN(v->timestamp, tuf::ParseTimestamp(ts_env.signed_json, "timestamp.json"));
  MOTA_ASSIGN_OR_RETURN(const tuf::MetaFile* sm,
                        FindMeta(v->timestamp.meta, "snapshot.json", "timestamp.json"));
  const std::string snap_file = StrCat(sm->version, ".snapshot.json");
  MOTA_ASSIGN_OR_RETURN(auth, TopRole(v->root, "snapshot"));
  MOTA_ASSIGN_OR_RETURN(tuf::Envelope snap_env,
                        LoadListed(repo, snap_file, *sm, v->root.keys, auth, "snapshot"));
  MOTA_ASSIGN_OR_RETURN(v->snapshot, tuf::ParseSnapshot(snap_env.signed_json, snap_file));
  return tuf::CheckVersionMatches(sm->version, v->snapshot.version, snap_file);
}

// The model's delegated role, verified through targets.json's delegation.
Status LoadModelReleases(const std::string& repo, const std::string& model, RolloutView* v) {
  MOTA_ASSIGN_OR_RETURN(const tuf::MetaFile* tm,
                        FindMeta(v->snapshot.meta, "targets.json", "snapshot"));
  const std::string targets_file = StrCat(tm->version, ".targets.json");
  MOTA_ASSIGN_OR_RETURN(tuf::Authorization auth, TopRole(v->root, "targets"));
  MOTA_ASSIGN_OR_RETURN(tuf::Envelope t_env,
                        LoadListed(repo, targets_file, *tm, v->root.keys, auth, "targets"));
  MOTA_ASSIGN_OR_RETURN(tuf::Targets targets, tuf::ParseTargets(t_env.signed_json, targets_file));
  const tuf::DelegatedRole* role = nullptr;
  if (targets.delegations) {
    for (const tuf::DelegatedRole& r : targets.delegations->roles) {
      if (r.name == model) role = &r;
    }
  }
  if (role == nullptr)
    return NotFound("model '", model, "' has no delegated role in ", targets_file);
  MOTA_ASSIGN_OR_RETURN(const tuf::MetaFile* mm,
                        FindMeta(v->snapshot.meta, model + ".json", "snapshot"));
  const std::string model_file = StrCat(mm->version, ".", model, ".json");
  MOTA_ASSIGN_OR_RETURN(tuf::Envelope m_env,
                        LoadListed(repo, model_file, *mm, targets.delegations->keys,
                                   tuf::AuthorizationOf(*role), model));
  MOTA_ASSIGN_OR_RETURN(tuf::Targets listed, tuf::ParseTargets(m_env.signed_json, model_file));
  for (const auto& [path, file] : listed.targets) {
    if (!tuf::RoleMayList(*role, path)) {
      return tuf::Rejected(model_file, ": lists '", path, "' outside its delegated paths");
    }
    if (!file.custom) return tuf::Invalid(model_file, ": target '", path, "' has no custom");
    MOTA_ASSIGN_OR_RETURN(tuf::VariantTarget t,
                          tuf::ParseVariantTarget(*file.custom, model_file + "." + path));
    PublishedRelease& r = v->releases[t.release];
    r.release = t.release;
    r.revoked = (r.targets == 0 || r.revoked) && t.revoked;
    ++r.targets;
  }
  return Status::Ok();
}

}  // namespace

Status LoadRolloutDocument(const std::string& repo, const std::string& model, RolloutView* v) {
  auto it = v->snapshot.meta.find(rollout::RolloutMetaName(model));
  if (it == v->snapshot.meta.end()) return Status::Ok();
  const std::string file = rollout::RolloutFileName(model, it->second.version);
  MOTA_ASSIGN_OR_RETURN(tuf::Authorization auth, TopRole(v->root, "snapshot"));
  MOTA_ASSIGN_OR_RETURN(tuf::Envelope env,
                        LoadListed(repo, file, it->second, v->root.keys, auth, "rollout"));
  MOTA_ASSIGN_OR_RETURN(rollout::Rollout r, rollout::ParseRollout(env.signed_json, file));
  MOTA_RETURN_IF_ERROR(tuf::CheckVersionMatches(it->second.version, r.version, file));
  if (r.model != model) {
    return tuf::Rejected(file, ": is for model '", r.model, "', expected '", model, "'");
  }
  v->rollout = std::move(r);
  return Status::Ok();
}

namespace {

// Signs and checks the result against the root's role, so a key the root does not list for
// `role` is caught before anything is written.
Result<std::string> SignChecked(const tuf::Json& signed_json, const tuf::SigningKey& key,
                                const tuf::Root& root, const char* role, const std::string& what) {
  MOTA_ASSIGN_OR_RETURN(std::string bytes, tuf::SignEnvelope(signed_json, {&key}));
  MOTA_ASSIGN_OR_RETURN(tuf::Envelope env, tuf::ParseEnvelope(bytes, what));
  MOTA_ASSIGN_OR_RETURN(tuf::Authorization auth, TopRole(root, role));
  Status s = tuf::VerifyRole(env, root.keys, auth, role, what);
  if (!s.ok()) {
    return FailedPrecondition("the ", role, " key (keyid ", key.keyid(),
                              ") does not satisfy root's '", role, "' role: ", s.message());
  }
  return bytes;
}

}  // namespace

Result<RepositoryWriteLock> RepositoryWriteLock::Acquire(const std::string& repo) {
  const std::string path = repo + "/.write.lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return IoError("open ", path, ": ", std::strerror(errno));
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno != EINTR) {
      const int err = errno;
      ::close(fd);
      return IoError("flock ", path, ": ", std::strerror(err));
    }
  }
  return RepositoryWriteLock(fd);
}

RepositoryWriteLock::~RepositoryWriteLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

Result<RolloutView> LoadRolloutView(const std::string& repo, const std::string& model) {
  MOTA_RETURN_IF_ERROR(tuf::CheckModelName(model, "model"));
  RolloutView v;
  MOTA_RETURN_IF_ERROR(LoadTop(repo, &v));
  MOTA_RETURN_IF_ERROR(LoadModelReleases(repo, model, &v));
  MOTA_RETURN_IF_ERROR(LoadRolloutDocument(repo, model, &v));
  return v;
}

Result<RolloutView> LoadSnapshotView(const std::string& repo) {
  RolloutView v;
  MOTA_RETURN_IF_ERROR(LoadTop(repo, &v));
  return v;
}

std::vector<std::string> RolloutModels(const tuf::Snapshot& snapshot) {
  static constexpr std::string_view kSuffix = ".rollout.json";
  std::vector<std::string> models;
  for (const auto& [name, meta] : snapshot.meta) {
    if (name.size() > kSuffix.size() &&
        name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0) {
      models.push_back(name.substr(0, name.size() - kSuffix.size()));
    }
  }
  return models;
}

Result<WriteVersions> WriteRolloutAndSnapshot(const std::string& repo, const RolloutView& view,
                                              const rollout::Rollout& next, const OnlineKeys& keys,
                                              int64_t snapshot_expires, int64_t timestamp_expires) {
  return WriteRolloutsAndSnapshot(repo, view, {next}, keys, snapshot_expires, timestamp_expires);
}

Result<WriteVersions> WriteRolloutsAndSnapshot(const std::string& repo, const RolloutView& view,
                                               const std::vector<rollout::Rollout>& next,
                                               const OnlineKeys& keys, int64_t snapshot_expires,
                                               int64_t timestamp_expires) {
  tuf::Snapshot snapshot = view.snapshot;
  std::vector<std::pair<std::string, std::string>> files;  // name -> bytes, in write order
  for (const rollout::Rollout& doc : next) {
    const std::string file = rollout::RolloutFileName(doc.model, doc.version);
    MOTA_ASSIGN_OR_RETURN(std::string bytes, SignChecked(rollout::ToJson(doc), keys.snapshot,
                                                         view.root, "snapshot", file));
    snapshot.meta[rollout::RolloutMetaName(doc.model)] = tuf::MetaOf(doc.version, bytes);
    files.emplace_back(file, std::move(bytes));
  }
  snapshot.version += 1;
  snapshot.expires = snapshot_expires;
  const std::string snap_file = StrCat(snapshot.version, ".snapshot.json");
  MOTA_ASSIGN_OR_RETURN(std::string snap_bytes, SignChecked(tuf::ToJson(snapshot), keys.snapshot,
                                                            view.root, "snapshot", snap_file));
  tuf::Timestamp ts = view.timestamp;
  ts.version += 1;
  ts.expires = timestamp_expires;
  ts.meta.clear();
  ts.meta["snapshot.json"] = tuf::MetaOf(snapshot.version, snap_bytes);
  MOTA_ASSIGN_OR_RETURN(
      std::string ts_bytes,
      SignChecked(tuf::ToJson(ts), keys.timestamp, view.root, "timestamp", "timestamp.json"));
  files.emplace_back(snap_file, std::move(snap_bytes));
  files.emplace_back("timestamp.json", std::move(ts_bytes));
  // Order matters: nothing refers to the new files until timestamp.json is renamed into place.
  for (const auto& [name, bytes] : files) {
    MOTA_RETURN_IF_ERROR(storage::WriteFileAtomic(tuf::MetadataPath(repo, name), bytes));
  }
  return WriteVersions{next.empty() ? 0 : next.back().version, snapshot.version, ts.version};
}

}  // namespace mota::server::repository
