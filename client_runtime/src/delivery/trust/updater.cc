#include "delivery/trust/updater.h"

#include <unistd.h>

#include <set>
#include <utility>
#include <vector>

#include "base/file.h"
#include "manifests/lib/tuf/signature_schemes.h"

namespace mota::trust {
namespace {

std::string ToString(const std::vector<uint8_t>& bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

// The set of keyids and the threshold of a top-level role, to see whether keys were rotated.
std::pair<std::set<std::string>, int64_t> RoleKeysOf(const tuf::Root& root, const char* role) {
  auto it = root.roles.find(role);
  if (it == root.roles.end()) return {};
  return {{it->second.keyids.begin(), it->second.keyids.end()}, it->second.threshold};
}

}  // namespace

std::string EscapeForFileName(std::string_view name) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : name) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '_' || c == '.' || c == '-' || c == '~';
    if (plain) {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

Updater::Updater(UpdaterConfig config, Fetcher* fetcher, const Clock* clock)
    : config_(std::move(config)), fetcher_(fetcher), clock_(clock) {}

std::string Updater::LocalPath(const std::string& role) const {
  return config_.metadata_dir + "/" + EscapeForFileName(role) + ".json";
}

Result<std::string> Updater::ReadLocal(const std::string& role) const {
  MOTA_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFile(LocalPath(role)));
  return ToString(bytes);
}

void Updater::DeleteLocal(const std::string& role) const { ::unlink(LocalPath(role).c_str()); }

Status Updater::Persist(const std::string& role, std::string_view bytes) {
  return WriteFileAtomic(LocalPath(role), std::string(bytes));
}

Result<std::string> Updater::FetchMetadata(const std::string& role, std::optional<int64_t> version,
                                           int64_t max_length) {
  const std::string name = EscapeForFileName(role) + ".json";
  const std::string url =
      config_.metadata_url + "/" + (version ? std::to_string(*version) + "." + name : name);
  Result<std::string> body = fetcher_->Fetch(url, max_length);
  if (!body.ok()) return body.status().WithContext(tuf::Cat("fetching ", url));
  // Checked here too, so a fetcher that ignores the cap still cannot feed endless data upward.
  if (static_cast<int64_t>(body.value().size()) > max_length) {
    return OutOfRange(url, ": more than ", max_length, " bytes (the cap for ", name, ")");
  }
  return body;
}

Status Updater::LoadTrustedRoot() {
  Result<std::string> root = ReadLocal("root");
  if (!root.ok()) {
    return root.status().WithContext(tuf::Cat("reading the trusted root ", LocalPath("root")));
  }
  MOTA_ASSIGN_OR_RETURN(TrustedSet set,
                        TrustedSet::Create(root.value(), clock_->Now(), config_.profile));
  trusted_.emplace(std::move(set));
  return Status::Ok();
}

Status Updater::UpdateRootChain() {
  const auto timestamp_keys = RoleKeysOf(trusted_->root(), "timestamp");
  const auto snapshot_keys = RoleKeysOf(trusted_->root(), "snapshot");
  const int64_t first = trusted_->root().version + 1;
  for (int64_t v = first; v < first + config_.max_root_rotations; ++v) {
    Result<std::string> bytes = FetchMetadata("root", v, config_.root_max_length);
    if (!bytes.ok() && bytes.status().code() == StatusCode::kNotFound) break;  // newest reached
    if (!bytes.ok()) return bytes.status();
    MOTA_RETURN_IF_ERROR(trusted_->UpdateRoot(bytes.value()));
    MOTA_RETURN_IF_ERROR(Persist("root", bytes.value()));
  }
  // 5.3.11 fast-forward attack recovery: after the timestamp or snapshot keys changed, the
  // cached files (maybe signed by a compromised key with huge versions) must not block updates.
  if (RoleKeysOf(trusted_->root(), "timestamp") != timestamp_keys ||
      RoleKeysOf(trusted_->root(), "snapshot") != snapshot_keys) {
    DeleteLocal("timestamp");
    DeleteLocal("snapshot");
  }
  return Status::Ok();
}

Status Updater::LoadTimestamp() {
  if (Result<std::string> local = ReadLocal("timestamp"); local.ok()) {
    // An invalid cached timestamp is ignored; an expired valid one stays as rollback reference.
    (void)trusted_->UpdateTimestamp(local.value());
  }
  MOTA_ASSIGN_OR_RETURN(std::string bytes,
                        FetchMetadata("timestamp", std::nullopt, config_.timestamp_max_length));
  MOTA_ASSIGN_OR_RETURN(bool changed, trusted_->UpdateTimestamp(bytes));
  return changed ? Persist("timestamp", bytes) : Status::Ok();
}

Status Updater::LoadSnapshot() {
  if (Result<std::string> local = ReadLocal("snapshot"); local.ok()) {
    if (trusted_->UpdateSnapshot(local.value(), /*from_cache=*/true).ok()) return Status::Ok();
  }
  const tuf::MetaFile& meta = trusted_->timestamp()->meta.at("snapshot.json");
  const int64_t cap = meta.length.value_or(config_.snapshot_max_length);
  std::optional<int64_t> version;
  if (trusted_->root().consistent_snapshot) version = meta.version;
  MOTA_ASSIGN_OR_RETURN(std::string bytes, FetchMetadata("snapshot", version, cap));
  MOTA_RETURN_IF_ERROR(trusted_->UpdateSnapshot(bytes, /*from_cache=*/false));
  return Persist("snapshot", bytes);
}

Result<const TargetsRole*> Updater::LoadTargets(const std::string& role,
                                                const std::string& delegator) {
  if (const TargetsRole* loaded = trusted_->targets(role)) return loaded;
  if (Result<std::string> local = ReadLocal(role); local.ok()) {
    if (trusted_->UpdateTargets(local.value(), role, delegator).ok())
      return trusted_->targets(role);
  }
  auto meta = trusted_->snapshot()->meta.find(role + ".json");
  if (meta == trusted_->snapshot()->meta.end()) {
    return tuf::Rejected("role ", role, " is delegated by ", delegator,
                         " but snapshot.json does not list ", role, ".json");
  }
  const int64_t cap = meta->second.length.value_or(config_.targets_max_length);
  std::optional<int64_t> version;
  if (trusted_->root().consistent_snapshot) version = meta->second.version;
  MOTA_ASSIGN_OR_RETURN(std::string bytes, FetchMetadata(role, version, cap));
  MOTA_RETURN_IF_ERROR(trusted_->UpdateTargets(bytes, role, delegator));
  MOTA_RETURN_IF_ERROR(Persist(role, bytes));
  return trusted_->targets(role);
}

Status Updater::Refresh() {
  refreshed_ = false;
  trusted_.reset();
  MOTA_RETURN_IF_ERROR(LoadTrustedRoot());
  MOTA_RETURN_IF_ERROR(UpdateRootChain());
  MOTA_RETURN_IF_ERROR(LoadTimestamp());
  MOTA_RETURN_IF_ERROR(LoadSnapshot());
  MOTA_RETURN_IF_ERROR(LoadTargets("targets", "root").status());
  refreshed_ = true;
  return Status::Ok();
}

Result<FoundTarget> Updater::GetTargetInfo(std::string_view target_path) {
  if (!refreshed_) MOTA_RETURN_IF_ERROR(Refresh());
  // Pre-order depth-first: a stack of (role, delegator); children pushed in reverse priority.
  std::vector<std::pair<std::string, std::string>> to_visit = {{"targets", "root"}};
  std::set<std::string> visited;
  while (!to_visit.empty() && static_cast<int>(visited.size()) <= config_.max_delegations) {
    auto [role, delegator] = to_visit.back();
    to_visit.pop_back();
    if (visited.count(role)) continue;  // a delegation cycle or a role delegated twice
    MOTA_ASSIGN_OR_RETURN(const TargetsRole* targets, LoadTargets(role, delegator));
    auto it = targets->targets.targets.find(std::string(target_path));
    if (it != targets->targets.targets.end())
      return FoundTarget{std::string(target_path), it->second, role};
    visited.insert(role);
    std::vector<std::pair<std::string, std::string>> children;
    for (const RoleRef& child : RolesForTarget(*targets, target_path)) {
      children.emplace_back(child.name, role);
      if (child.terminating) {
        to_visit.clear();  // no role outside this branch may answer for the path
        break;
      }
    }
    to_visit.insert(to_visit.end(), children.rbegin(), children.rend());
  }
  return NotFound("target \"", target_path, "\" is listed by no role that may list it (visited ",
                  visited.size(), " role(s), at most ", config_.max_delegations, ")");
}

Result<std::string> Updater::DownloadTarget(const FoundTarget& target) {
  std::string path = target.path;
  if (config_.prefix_targets_with_hash && trusted_ && trusted_->root().consistent_snapshot &&
      !target.file.hashes.empty()) {
    auto hash = target.file.hashes.find("sha256");
    if (hash == target.file.hashes.end()) hash = target.file.hashes.begin();
    const size_t slash = path.rfind('/');
    const size_t base = slash == std::string::npos ? 0 : slash + 1;
    path = path.substr(0, base) + hash->second + "." + path.substr(base);
  }
  const std::string url = config_.target_url + "/" + path;
  Result<std::string> body = fetcher_->Fetch(url, target.file.length);
  if (!body.ok()) return body.status().WithContext(tuf::Cat("fetching target ", url));
  MOTA_RETURN_IF_ERROR(
      tuf::VerifyLengthAndHashes(body.value(), target.file.length, target.file.hashes, url));
  return body;
}

bool Updater::IsCached(const FoundTarget& target, const std::string& local_path) const {
  Result<std::vector<uint8_t>> bytes = ReadFile(local_path);
  if (!bytes.ok()) return false;
  return tuf::VerifyLengthAndHashes(ToString(bytes.value()), target.file.length, target.file.hashes,
                                    local_path)
      .ok();
}

}  // namespace mota::trust
