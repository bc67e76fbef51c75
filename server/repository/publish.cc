#include "server/repository/publish.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <utility>
#include <vector>

#include "manifests/lib/bundle/index.h"
#include "manifests/lib/tuf/target_custom.h"
#include "manifests/lib/tuf/verify.h"
#include "manifests/lib/tuf_sign/sign.h"
#include "server/repository/blob_store.h"
#include "server/repository/repo_state.h"
#include "server/storage/atomic_file.h"

namespace mota::server::repository {
namespace {

using tuf::Json;

// flock on DIR/.write.lock, the lock every writer of snapshot/timestamp takes (rollouts too,
// server/repository/rollout_io.h): serializes writers across processes. flock locks belong
// to the open file description, so each holder opens its own.
class FileLock {
 public:
  static Result<FileLock> Acquire(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return IoError("cannot open the publish lock ", path, ": ", std::strerror(errno));
    while (::flock(fd, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return IoError("cannot lock ", path, ": ", std::strerror(err));
    }
    return FileLock(fd);
  }
  FileLock(FileLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FileLock(const FileLock&) = delete;
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
  }

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_;
};

Status CheckOnlineKey(const tuf::Root& root, const std::string& role, const tuf::SigningKey& key) {
  auto it = root.roles.find(role);
  if (it == root.roles.end() ||
      std::find(it->second.keyids.begin(), it->second.keyids.end(), key.keyid()) ==
          it->second.keyids.end() ||
      it->second.threshold != 1) {
    return FailedPrecondition("the server's ", role, " key ", key.keyid(), " is not the ", role,
                              " key of the repository's root (or the role needs more than one "
                              "signature); start the server with the root's ",
                              role, " key");
  }
  return Status::Ok();
}

Status CheckFresh(const tuf::Common& c, int64_t now, const std::string& what) {
  if (c.expires <= now) {
    return FailedPrecondition(what, ": expires ", tuf::FormatUtcTime(c.expires),
                              ", which is not after now (", tuf::FormatUtcTime(now),
                              "); sign it again with a later expiry");
  }
  return Status::Ok();
}

// The new top-level targets.json, when sent: signed by a threshold of the root's targets keys,
// a higher version than the current one, unexpired.
Result<tuf::Targets> CheckNewTargets(const RepoState& state, const std::string& bytes,
                                     int64_t now) {
  const std::string what = "targets.json (uploaded)";
  MOTA_ASSIGN_OR_RETURN(tuf::Envelope env, tuf::ParseEnvelope(bytes, what));
  const tuf::RoleKeys& keys = state.root.roles.at("targets");
  MOTA_RETURN_IF_ERROR(
      tuf::VerifyRole(env, state.root.keys, tuf::AuthorizationOf(keys), "targets", what));
  MOTA_ASSIGN_OR_RETURN(tuf::Targets t, tuf::ParseTargets(env.signed_json, what));
  if (t.version <= state.targets.version) {
    return FailedPrecondition(what, ": version ", t.version,
                              " does not increase; the server has version ", state.targets.version,
                              ", expected ", state.targets.version + 1, " or more");
  }
  MOTA_RETURN_IF_ERROR(CheckFresh(t, now, what));
  if (!t.targets.empty()) {
    return InvalidArgument(what, ": top-level targets must list no targets of its own (",
                           t.targets.size(), " listed); targets belong to the models' roles");
  }
  if (t.delegations) MOTA_RETURN_IF_ERROR(tuf::CheckKeyIds(t.delegations->keys, what));
  return t;
}

Result<tuf::DelegatedRole> FindRole(const tuf::Targets& targets, const std::string& model) {
  if (targets.delegations) {
    for (const tuf::DelegatedRole& role : targets.delegations->roles) {
      if (role.name == model) return role;
    }
  }
  return FailedPrecondition("targets.json (version ", targets.version,
                            ") delegates no role named \"", model,
                            "\"; send a new targets.json, signed with the targets key, that "
                            "delegates models/",
                            model, "/* to the team's key");
}

bool OnlyRevocationChanged(const Json& before, const Json& after) {
  Json a = before, b = after;
  if (a.value("revoked", false) && !b.value("revoked", false)) return false;  // un-revoking
  for (Json* j : {&a, &b}) {
    j->erase("revoked");
    j->erase("revoked_reason");
  }
  return a == b;
}

// Listed targets already published keep their bytes (only `revoked` may go false -> true); new
// ones lie under the model's paths, carry its name and one release above every earlier release.
Status CheckTargetChanges(const tuf::DelegatedRole& role, const tuf::Targets& before,
                          const tuf::Targets& after, int64_t highest, const std::string& what,
                          std::vector<std::string>* added, int64_t* release) {
  for (const auto& [path, file] : after.targets) {
    auto old = before.targets.find(path);
    if (old != before.targets.end()) {
      if (old->second.length != file.length || old->second.hashes != file.hashes ||
          !OnlyRevocationChanged(old->second.custom.value_or(Json()),
                                 file.custom.value_or(Json()))) {
        return FailedPrecondition(what, ": target ", path,
                                  " was published before with other length, hashes or custom "
                                  "fields; a published target never changes except revoked "
                                  "false -> true (publish a new release instead)");
      }
      continue;
    }
    if (!tuf::RoleMayList(role, path)) {
      return Status(StatusCode::kVerificationFailed,
                    StrCat(what, ": target ", path, " lies outside model \"", role.name,
                           "\"'s delegated paths ",
                           Json(role.paths.value_or(std::vector<std::string>{})).dump()));
    }
    if (!file.custom) return InvalidArgument(what, ": target ", path, " has no custom object");
    MOTA_ASSIGN_OR_RETURN(tuf::VariantTarget v, tuf::ParseVariantTarget(*file.custom, path));
    if (v.model != role.name || path != tuf::VariantTargetPath(v.model, v.variant, v.release)) {
      return InvalidArgument(what, ": target ", path, " names model \"", v.model, "\" variant \"",
                             v.variant, "\" release ", v.release, "; expected the path ",
                             tuf::VariantTargetPath(role.name, v.variant, v.release));
    }
    if (v.release <= highest) {
      return FailedPrecondition(what, ": target ", path, " has release ", v.release,
                                ", which does not increase: model \"", role.name,
                                "\" already published release ", highest, "; use release ",
                                highest + 1, " or more");
    }
    if (*release != 0 && v.release != *release) {
      return InvalidArgument(what, ": new targets carry releases ", *release, " and ", v.release,
                             "; one publish adds one release");
    }
    *release = v.release;
    added->push_back(path);
  }
  return Status::Ok();
}

// A new target file: sent (or already stored), with the listed length and sha256, a valid
// variant index whose every chunk and self-test blob is in blobs/ as the index describes it.
Result<std::string> CheckTargetFile(const std::string& repo, const std::string& path,
                                    const tuf::TargetFile& file, const PublishRequest& request) {
  auto sha = file.hashes.find("sha256");
  if (sha == file.hashes.end()) return InvalidArgument("target ", path, " lists no sha256");
  std::string bytes;
  if (auto sent = request.target_files.find(path); sent != request.target_files.end()) {
    bytes = sent->second;
  } else {
    Result<std::string> stored =
        storage::ReadFileToString(tuf::TargetFilePath(repo, path, sha->second));
    if (!stored.ok()) {
      return InvalidArgument("target ", path, " is listed but its file was not uploaded");
    }
    bytes = std::move(stored.value());
  }
  tuf::MetaFile m;
  m.length = file.length;
  m.hashes = file.hashes;
  MOTA_RETURN_IF_ERROR(tuf::CheckMeta(m, bytes, "target file " + path));
  Result<bundle::VariantIndex> index = bundle::ParseIndex(bytes);
  if (!index.ok()) {
    return InvalidArgument("target file ", path,
                           " is not a variant index: ", index.status().message());
  }
  for (size_t i = 0; i < index->chunks.size(); ++i) {
    const bundle::ChunkRef& c = index->chunks[i];
    MOTA_RETURN_IF_ERROR(CheckStoredBlob(repo, c.sha256, c.zstd_sha256, c.zstd_size,
                                         StrCat("target file ", path, " chunks[", i, "]")));
  }
  for (const bundle::SelftestVector& v : index->selftest.vectors) {
    for (const auto* list : {&v.inputs, &v.outputs}) {
      for (const bundle::BlobRef& b : *list) {
        MOTA_RETURN_IF_ERROR(
            CheckStoredBlob(repo, b.sha256, b.zstd_sha256, b.zstd_size,
                            StrCat("target file ", path, " self-test blob ", b.name)));
      }
    }
  }
  return bytes;
}

struct Planned {
  std::vector<std::pair<std::string, std::string>> targets;   // path on disk -> bytes
  std::vector<std::pair<std::string, std::string>> metadata;  // file name -> bytes, timestamp last
};

Status WritePlanned(const std::string& repo, const Planned& plan, int fail_before) {
  int n = 0;
  auto hook = [&](const std::string& name) -> Status {
    if (fail_before >= 0 && n++ == fail_before) {
      return Internal("stopped before writing ", name, " (fail_before_file = ", fail_before, ")");
    }
    return Status::Ok();
  };
  for (const auto& [path, bytes] : plan.targets) {
    MOTA_RETURN_IF_ERROR(hook(path));
    MOTA_RETURN_IF_ERROR(storage::EnsureDir(path.substr(0, path.rfind('/'))));
    bool created = false;
    MOTA_RETURN_IF_ERROR(storage::WriteFileAtomicIfAbsent(path, bytes, &created));
  }
  for (const auto& [name, bytes] : plan.metadata) {
    MOTA_RETURN_IF_ERROR(hook(name));
    MOTA_RETURN_IF_ERROR(storage::WriteFileAtomic(tuf::MetadataPath(repo, name), bytes));
  }
  return Status::Ok();
}

}  // namespace

Result<int64_t> HighestRelease(const std::string& repo, const std::string& model,
                               int64_t current_role_version) {
  int64_t highest = 0;
  for (int64_t v = 1; v <= current_role_version; ++v) {
    const std::string file = std::to_string(v) + "." + model + ".json";
    Result<std::string> bytes = storage::ReadFileToString(tuf::MetadataPath(repo, file));
    if (!bytes.ok()) continue;  // pruned after it expired; the current version covers it
    Result<tuf::Envelope> env = tuf::ParseEnvelope(*bytes, file);
    if (!env.ok()) continue;
    Result<tuf::Targets> t = tuf::ParseTargets(env->signed_json, file);
    if (!t.ok()) continue;
    for (const auto& [path, f] : t->targets) {
      if (!f.custom) continue;
      Result<tuf::VariantTarget> vt = tuf::ParseVariantTarget(*f.custom, path);
      if (vt.ok()) highest = std::max(highest, vt->release);
    }
  }
  return highest;
}

Publisher::Publisher(std::string repo, OnlineKeys keys, PublisherOptions options)
    : repo_(std::move(repo)), keys_(std::move(keys)), options_(options) {}

Result<PublishResult> Publisher::Publish(const PublishRequest& req, int64_t now) {
  MOTA_RETURN_IF_ERROR(tuf::CheckModelName(req.model, "model"));
  std::lock_guard<std::mutex> guard(mutex_);
  MOTA_ASSIGN_OR_RETURN(FileLock lock, FileLock::Acquire(repo_ + "/.write.lock"));
  MOTA_ASSIGN_OR_RETURN(RepoState state, LoadRepoState(repo_, {.now = now}));
  MOTA_RETURN_IF_ERROR(CheckOnlineKey(state.root, "snapshot", keys_.snapshot));
  MOTA_RETURN_IF_ERROR(CheckOnlineKey(state.root, "timestamp", keys_.timestamp));

  const bool new_targets = !req.targets_metadata.empty();
  tuf::Targets targets = state.targets;
  if (new_targets) {
    MOTA_ASSIGN_OR_RETURN(targets, CheckNewTargets(state, req.targets_metadata, now));
  }
  MOTA_ASSIGN_OR_RETURN(tuf::DelegatedRole role, FindRole(targets, req.model));

  const std::string what = req.model + ".json (uploaded)";
  MOTA_ASSIGN_OR_RETURN(tuf::Envelope env, tuf::ParseEnvelope(req.role_metadata, what));
  MOTA_RETURN_IF_ERROR(tuf::VerifyRole(env, targets.delegations->keys, tuf::AuthorizationOf(role),
                                       "delegated role \"" + req.model + "\"", what));
  MOTA_ASSIGN_OR_RETURN(tuf::Targets model_role, tuf::ParseTargets(env.signed_json, what));
  tuf::Targets before;
  before.version = 0;
  if (auto it = state.models.find(req.model); it != state.models.end()) before = it->second;
  if (model_role.version <= before.version) {
    return FailedPrecondition(what, ": version ", model_role.version,
                              " does not increase; the server has version ", before.version,
                              ", expected ", before.version + 1, " or more");
  }
  MOTA_RETURN_IF_ERROR(CheckFresh(model_role, now, what));

  MOTA_ASSIGN_OR_RETURN(int64_t highest, HighestRelease(repo_, req.model, before.version));
  std::vector<std::string> added;
  PublishResult r{.model = req.model};
  MOTA_RETURN_IF_ERROR(
      CheckTargetChanges(role, before, model_role, highest, what, &added, &r.release));
  for (const auto& [path, unused] : req.target_files) {
    if (std::find(added.begin(), added.end(), path) == added.end()) {
      return InvalidArgument("target file ", path, " was uploaded but ", what,
                             " does not list it as a new target");
    }
  }
  Planned plan;
  for (const std::string& path : added) {
    const tuf::TargetFile& file = model_role.targets.at(path);
    MOTA_ASSIGN_OR_RETURN(std::string bytes, CheckTargetFile(repo_, path, file, req));
    plan.targets.emplace_back(tuf::TargetFilePath(repo_, path, file.hashes.at("sha256")),
                              std::move(bytes));
  }

  tuf::Snapshot snapshot = state.snapshot;
  snapshot.version += 1;
  snapshot.expires = now + options_.snapshot_days * kDay;
  snapshot.meta[req.model + ".json"] = tuf::MetaOf(model_role.version, req.role_metadata);
  plan.metadata.emplace_back(std::to_string(model_role.version) + "." + req.model + ".json",
                             req.role_metadata);
  if (new_targets) {
    snapshot.meta["targets.json"] = tuf::MetaOf(targets.version, req.targets_metadata);
    plan.metadata.emplace_back(std::to_string(targets.version) + ".targets.json",
                               req.targets_metadata);
  }
  MOTA_ASSIGN_OR_RETURN(std::string snap_bytes,
                        tuf::SignEnvelope(tuf::ToJson(snapshot), {&keys_.snapshot}));
  tuf::Timestamp ts = state.timestamp;
  ts.version += 1;
  ts.expires = now + options_.timestamp_days * kDay;
  ts.meta["snapshot.json"] = tuf::MetaOf(snapshot.version, snap_bytes);
  MOTA_ASSIGN_OR_RETURN(std::string ts_bytes,
                        tuf::SignEnvelope(tuf::ToJson(ts), {&keys_.timestamp}));
  plan.metadata.emplace_back(std::to_string(snapshot.version) + ".snapshot.json", snap_bytes);
  plan.metadata.emplace_back("timestamp.json", ts_bytes);  // last: the switch readers see
  MOTA_RETURN_IF_ERROR(WritePlanned(repo_, plan, options_.fail_before_file));

  r.new_targets = added.size();
  r.role_version = model_role.version;
  r.targets_version = targets.version;
  r.snapshot_version = snapshot.version;
  r.timestamp_version = ts.version;
  return r;
}

}  // namespace mota::server::repository
