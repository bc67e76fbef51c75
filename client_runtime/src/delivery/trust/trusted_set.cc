#include "delivery/trust/trusted_set.h"

#include "manifests/lib/tuf/interop_json.h"
#include "manifests/lib/tuf/signature_schemes.h"
#include "manifests/lib/tuf/verify.h"

namespace mota::trust {
namespace {

using tuf::Envelope;
using tuf::Rejected;

Result<Envelope> ParseOfType(std::string_view bytes, std::string_view type, std::string_view what) {
  MOTA_ASSIGN_OR_RETURN(Envelope env, tuf::ParseEnvelopeInterop(bytes, what));
  MOTA_ASSIGN_OR_RETURN(std::string got, tuf::SignedType(env.signed_json, what));
  if (got != type) {
    return Rejected(what, ": signed._type is \"", got, "\", expected \"", type, "\"");
  }
  return env;
}

Status VerifyWithRoot(const Envelope& env, const tuf::Root& root, const std::string& role,
                      std::string_view what) {
  auto it = root.roles.find(role);
  if (it == root.roles.end()) return Rejected(what, ": the root lists no role \"", role, "\"");
  return tuf::VerifyRole(env, root.keys, tuf::AuthorizationOf(it->second), role, what);
}

// A file listed by snapshot / timestamp `meta`: its length and hashes when the lister gives them.
Status CheckMetaFile(std::string_view bytes, const tuf::MetaFile& meta, std::string_view what) {
  if (meta.length && static_cast<int64_t>(bytes.size()) != *meta.length) {
    return Rejected(what, ": ", bytes.size(), " bytes, the referring metadata says ", *meta.length,
                    " (mix-and-match or tampering)");
  }
  if (meta.hashes.empty()) return Status::Ok();
  return tuf::VerifyHashes(bytes, meta.hashes, what);
}

}  // namespace

Result<TrustedSet> TrustedSet::Create(std::string_view root_bytes, int64_t now, Profile profile) {
  TrustedSet set;
  set.now_ = now;
  set.profile_ = profile;
  MOTA_ASSIGN_OR_RETURN(Envelope env, ParseOfType(root_bytes, "root", "trusted root.json"));
  MOTA_ASSIGN_OR_RETURN(set.root_, tuf::ParseRoot(env.signed_json, "trusted root.json"));
  if (profile.check_key_ids) MOTA_RETURN_IF_ERROR(tuf::CheckKeyIds(set.root_.keys, "root.json"));
  MOTA_RETURN_IF_ERROR(VerifyWithRoot(env, set.root_, "root", "trusted root.json"));
  return set;
}

Status TrustedSet::UpdateRoot(std::string_view bytes) {
  if (timestamp_) return FailedPrecondition("a root cannot be updated after the timestamp");
  const std::string what = tuf::Cat(root_.version + 1, ".root.json");
  MOTA_ASSIGN_OR_RETURN(Envelope env, ParseOfType(bytes, "root", what));
  MOTA_RETURN_IF_ERROR(VerifyWithRoot(env, root_, "root", what + " (by the trusted root's keys)"));
  MOTA_ASSIGN_OR_RETURN(tuf::Root next, tuf::ParseRoot(env.signed_json, what));
  MOTA_RETURN_IF_ERROR(tuf::CheckRootSuccessor(root_.version, next.version, what));
  if (profile_.check_key_ids) MOTA_RETURN_IF_ERROR(tuf::CheckKeyIds(next.keys, what));
  MOTA_RETURN_IF_ERROR(VerifyWithRoot(env, next, "root", what + " (by its own keys)"));
  root_ = std::move(next);
  return Status::Ok();
}

Result<bool> TrustedSet::UpdateTimestamp(std::string_view bytes) {
  if (snapshot_) return FailedPrecondition("the timestamp cannot be updated after the snapshot");
  MOTA_RETURN_IF_ERROR(tuf::CheckNotExpired(root_, now_, "root.json (final)"));
  MOTA_ASSIGN_OR_RETURN(Envelope env, ParseOfType(bytes, "timestamp", "timestamp.json"));
  MOTA_RETURN_IF_ERROR(VerifyWithRoot(env, root_, "timestamp", "timestamp.json"));
  MOTA_ASSIGN_OR_RETURN(tuf::Timestamp next,
                        tuf::ParseTimestamp(env.signed_json, "timestamp.json"));
  if (timestamp_) {
    MOTA_RETURN_IF_ERROR(tuf::CheckNoRollback(timestamp_->version, next.version, "timestamp.json"));
    if (next.version == timestamp_->version) return false;
    const int64_t trusted_snapshot = timestamp_->meta.at("snapshot.json").version;
    const int64_t new_snapshot = next.meta.at("snapshot.json").version;
    if (new_snapshot < trusted_snapshot) {
      return Rejected("timestamp.json: lists snapshot version ", new_snapshot,
                      ", lower than the trusted ", trusted_snapshot, " (rollback)");
    }
  }
  // Kept even when expired: it is the reference against which the next one is checked.
  timestamp_ = std::move(next);
  MOTA_RETURN_IF_ERROR(CheckFinalTimestamp());
  return true;
}

Status TrustedSet::CheckFinalTimestamp() const {
  return tuf::CheckNotExpired(*timestamp_, now_, "timestamp.json");
}

Status TrustedSet::UpdateSnapshot(std::string_view bytes, bool from_cache) {
  if (!timestamp_) return FailedPrecondition("the snapshot cannot be loaded before a timestamp");
  if (targets_.count("targets")) {
    return FailedPrecondition("the snapshot cannot be updated after the targets");
  }
  MOTA_RETURN_IF_ERROR(CheckFinalTimestamp());
  const tuf::MetaFile& meta = timestamp_->meta.at("snapshot.json");
  if (!from_cache) MOTA_RETURN_IF_ERROR(CheckMetaFile(bytes, meta, "snapshot.json"));
  MOTA_ASSIGN_OR_RETURN(Envelope env, ParseOfType(bytes, "snapshot", "snapshot.json"));
  MOTA_RETURN_IF_ERROR(VerifyWithRoot(env, root_, "snapshot", "snapshot.json"));
  MOTA_ASSIGN_OR_RETURN(tuf::Snapshot next, tuf::ParseSnapshot(env.signed_json, "snapshot.json"));
  if (snapshot_) {
    MOTA_RETURN_IF_ERROR(tuf::CheckNoRollback(snapshot_->version, next.version, "snapshot.json"));
    for (const auto& [name, trusted] : snapshot_->meta) {
      auto it = next.meta.find(name);
      if (it == next.meta.end()) {
        return Rejected("snapshot.json: no longer lists ", name,
                        ", which the trusted snapshot lists at version ", trusted.version);
      }
      if (it->second.version < trusted.version) {
        return Rejected("snapshot.json: lists ", name, " at version ", it->second.version,
                        ", lower than the trusted ", trusted.version, " (rollback)");
      }
    }
  }
  // Kept even when not final (expired, or older than the timestamp says) for rollback checks.
  snapshot_ = std::move(next);
  return CheckFinalSnapshot();
}

Status TrustedSet::CheckFinalSnapshot() const {
  MOTA_RETURN_IF_ERROR(tuf::CheckNotExpired(*snapshot_, now_, "snapshot.json"));
  return tuf::CheckVersionMatches(timestamp_->meta.at("snapshot.json").version, snapshot_->version,
                                  "snapshot.json");
}

Status TrustedSet::VerifyDelegate(const Envelope& env, const std::string& role,
                                  const std::string& delegator, std::string_view what) const {
  if (delegator == "root") return VerifyWithRoot(env, root_, role, what);
  const TargetsRole* parent = targets(delegator);
  if (!parent) return FailedPrecondition(what, ": its delegator ", delegator, " is not loaded");
  MOTA_ASSIGN_OR_RETURN(tuf::Authorization auth, DelegatedAuthorization(*parent, role));
  static const std::map<std::string, tuf::Key> kNoKeys;
  const auto& keys = parent->targets.delegations ? parent->targets.delegations->keys : kNoKeys;
  return tuf::VerifyRole(env, keys, auth, role, what);
}

Status TrustedSet::UpdateTargets(std::string_view bytes, const std::string& role,
                                 const std::string& delegator) {
  if (!snapshot_) return FailedPrecondition("targets cannot be loaded before a snapshot");
  MOTA_RETURN_IF_ERROR(CheckFinalSnapshot());
  const std::string what = role + ".json";
  auto meta = snapshot_->meta.find(what);
  if (meta == snapshot_->meta.end()) {
    return Rejected("snapshot.json does not list ", what, " (delegated but not in the snapshot)");
  }
  MOTA_RETURN_IF_ERROR(CheckMetaFile(bytes, meta->second, what));
  MOTA_ASSIGN_OR_RETURN(Envelope env, ParseOfType(bytes, "targets", what));
  MOTA_RETURN_IF_ERROR(VerifyDelegate(env, role, delegator, what));
  MOTA_ASSIGN_OR_RETURN(TargetsRole next, ParseTargetsRole(env.signed_json, what));
  MOTA_RETURN_IF_ERROR(tuf::CheckVersionMatches(meta->second.version, next.targets.version, what));
  MOTA_RETURN_IF_ERROR(tuf::CheckNotExpired(next.targets, now_, what));
  MOTA_RETURN_IF_ERROR(CheckProfile(next, role, delegator, what));
  targets_[role] = std::move(next);
  return Status::Ok();
}

Status TrustedSet::CheckProfile(const TargetsRole& next, const std::string& role,
                                const std::string& delegator, std::string_view what) const {
  if (profile_.check_key_ids && next.targets.delegations) {
    MOTA_RETURN_IF_ERROR(tuf::CheckKeyIds(next.targets.delegations->keys, what));
  }
  if (!profile_.strict_delegated_paths || delegator == "root") return Status::Ok();
  const TargetsRole* parent = targets(delegator);
  if (!parent || !parent->targets.delegations) return Status::Ok();  // succinct bins: by hash
  for (const tuf::DelegatedRole& d : parent->targets.delegations->roles) {
    if (d.name != role) continue;
    for (const auto& [path, unused] : next.targets.targets) {
      if (!RoleIsDelegatedPath(d, path)) {
        return Rejected(what, ": role ", role, " may not list target \"", path,
                        "\" (outside the paths ", delegator, " delegates to it)");
      }
    }
  }
  return Status::Ok();
}

const TargetsRole* TrustedSet::targets(const std::string& role) const {
  auto it = targets_.find(role);
  return it == targets_.end() ? nullptr : &it->second;
}

}  // namespace mota::trust
