// A small signed TUF repository for the rollout and telemetry tests, written the way
// packager/src/repo.h lays one out (root, targets delegating models/<model>/* to a team key, the
// model's role, snapshot, timestamp), without linking the toolchain into the server's tests.
// Header-only so the repository and the admin tests both use it.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "manifests/lib/status/status.h"
#include "manifests/lib/tuf/metadata.h"
#include "manifests/lib/tuf/repo_files.h"
#include "manifests/lib/tuf/target_custom.h"
#include "manifests/lib/tuf/verify.h"
#include "manifests/lib/tuf_sign/keys.h"
#include "manifests/lib/tuf_sign/sign.h"
#include "server/storage/atomic_file.h"

namespace mota::server::repository::rollout_testing {

inline constexpr int64_t kNow = 1'800'000'000;  // 2027-01-15

class TestRepo {
 public:
  // A fresh repository under `dir` (created) with model `model` listing `releases`
  // (release -> revoked by the publisher).
  static Result<TestRepo> Create(const std::string& dir, const std::string& model,
                                 const std::map<int64_t, bool>& releases);

  // Publishes a new version of the model's role listing `releases` (like `mota repo add` /
  // `revoke`), keeping every other snapshot entry (rollout documents included).
  Status Publish(const std::map<int64_t, bool>& releases);

  const std::string& dir() const { return dir_; }
  const std::string& model() const { return model_; }
  tuf::SigningKey root, targets, snapshot, timestamp, team;

 private:
  std::string dir_, model_;
  int64_t role_version_ = 0;
  tuf::MetaFile targets_meta_;
};

namespace detail {

constexpr int64_t kYear = 365 * 24 * 3600;

inline Status Write(const std::string& dir, const std::string& file, const std::string& bytes) {
  return storage::WriteFileAtomic(dir + "/metadata/" + file, bytes);
}

inline tuf::RoleKeys KeysOf(const tuf::SigningKey& key) {
  tuf::RoleKeys r;
  r.keyids = {key.keyid()};
  return r;
}

}  // namespace detail
using detail::KeysOf;
using detail::kYear;
using detail::Write;

inline Result<TestRepo> TestRepo::Create(const std::string& dir, const std::string& model,
                                         const std::map<int64_t, bool>& releases) {
  TestRepo repo;
  repo.dir_ = dir;
  repo.model_ = model;
  for (tuf::SigningKey* k :
       {&repo.root, &repo.targets, &repo.snapshot, &repo.timestamp, &repo.team}) {
    MOTA_ASSIGN_OR_RETURN(*k, tuf::SigningKey::Generate());
  }
  MOTA_RETURN_IF_ERROR(storage::EnsureDir(dir + "/metadata"));
  tuf::Root root;
  root.expires = kNow + kYear;
  const std::pair<const char*, const tuf::SigningKey*> roles[] = {{"root", &repo.root},
                                                                  {"targets", &repo.targets},
                                                                  {"snapshot", &repo.snapshot},
                                                                  {"timestamp", &repo.timestamp}};
  for (const auto& [name, key] : roles) {
    root.keys[key->keyid()] = key->PublicKey();
    root.roles[name] = KeysOf(*key);
  }
  MOTA_ASSIGN_OR_RETURN(std::string root_bytes, tuf::SignEnvelope(tuf::ToJson(root), {&repo.root}));
  MOTA_RETURN_IF_ERROR(Write(dir, "1.root.json", root_bytes));
  MOTA_RETURN_IF_ERROR(Write(dir, "root.json", root_bytes));

  tuf::Targets top;
  top.expires = kNow + kYear;
  tuf::Delegations d;
  d.keys[repo.team.keyid()] = repo.team.PublicKey();
  tuf::DelegatedRole role;
  role.name = model;
  role.keyids = {repo.team.keyid()};
  role.terminating = true;
  role.paths = std::vector<std::string>{tuf::ModelPathPattern(model)};
  d.roles.push_back(role);
  top.delegations = d;
  MOTA_ASSIGN_OR_RETURN(std::string top_bytes,
                        tuf::SignEnvelope(tuf::ToJson(top), {&repo.targets}));
  MOTA_RETURN_IF_ERROR(Write(dir, "1.targets.json", top_bytes));

  // Publish writes snapshot and timestamp version 1 from this entry.
  repo.targets_meta_ = tuf::MetaOf(1, top_bytes);
  MOTA_RETURN_IF_ERROR(repo.Publish(releases));
  return repo;
}

inline Status TestRepo::Publish(const std::map<int64_t, bool>& releases) {
  tuf::Targets role;
  role.version = ++role_version_;
  role.expires = kNow + kYear;
  for (const auto& [release, revoked] : releases) {
    tuf::VariantTarget v;
    v.model = model_;
    v.release = release;
    v.version = "1.0." + std::to_string(release);
    v.variant = "cpu-fp32";
    v.backend = "cpu";
    v.precision = "fp32";
    v.priority = 100;
    v.min_runtime_version = "0.1.0";
    v.revoked = revoked;
    tuf::TargetFile f;
    f.length = 100 + release;
    f.hashes["sha256"] = tuf::Sha256Hex(std::to_string(release));
    f.custom = tuf::ToJson(v);
    role.targets[tuf::VariantTargetPath(model_, v.variant, release)] = f;
  }
  MOTA_ASSIGN_OR_RETURN(std::string role_bytes, tuf::SignEnvelope(tuf::ToJson(role), {&team}));
  MOTA_RETURN_IF_ERROR(
      Write(dir_, std::to_string(role.version) + "." + model_ + ".json", role_bytes));

  tuf::Snapshot snap;
  tuf::Timestamp ts;
  snap.version = ts.version = 0;  // the first Publish writes version 1 of both
  snap.meta["targets.json"] = targets_meta_;
  if (role.version > 1) {
    MOTA_ASSIGN_OR_RETURN(std::string ts_now,
                          storage::ReadFileToString(dir_ + "/metadata/timestamp.json"));
    MOTA_ASSIGN_OR_RETURN(tuf::Envelope ts_env, tuf::ParseEnvelope(ts_now, "timestamp.json"));
    MOTA_ASSIGN_OR_RETURN(ts, tuf::ParseTimestamp(ts_env.signed_json, "timestamp.json"));
    const std::string snap_file =
        std::to_string(ts.meta["snapshot.json"].version) + ".snapshot.json";
    MOTA_ASSIGN_OR_RETURN(std::string snap_now,
                          storage::ReadFileToString(dir_ + "/metadata/" + snap_file));
    MOTA_ASSIGN_OR_RETURN(tuf::Envelope snap_env, tuf::ParseEnvelope(snap_now, snap_file));
    MOTA_ASSIGN_OR_RETURN(snap, tuf::ParseSnapshot(snap_env.signed_json, snap_file));
  }
  snap.version += 1;
  snap.expires = kNow + kYear;
  snap.meta[model_ + ".json"] = tuf::MetaOf(role.version, role_bytes);
  MOTA_ASSIGN_OR_RETURN(std::string snap_bytes, tuf::SignEnvelope(tuf::ToJson(snap), {&snapshot}));
  MOTA_RETURN_IF_ERROR(Write(dir_, std::to_string(snap.version) + ".snapshot.json", snap_bytes));
  ts.version += 1;
  ts.expires = kNow + kYear;
  ts.meta["snapshot.json"] = tuf::MetaOf(snap.version, snap_bytes);
  MOTA_ASSIGN_OR_RETURN(std::string ts_bytes, tuf::SignEnvelope(tuf::ToJson(ts), {&timestamp}));
  return Write(dir_, "timestamp.json", ts_bytes);
}

}  // namespace mota::server::repository::rollout_testing
