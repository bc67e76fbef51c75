// `mota repo init|add|revoke|rotate-root|refresh|verify`: a local TUF repository without a server,
// a thin layer over packager/src/repo.h (manifests/spec/repository.md). Keys are files made by
// `mota keygen` (mode 0600, refused otherwise). `--now UNIX_SECONDS` fixes the clock, so the
// same inputs give a byte-identical repository; by default it is the system clock.
#include "packager/src/repo.h"

#include <cstdio>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "packager/src/keys.h"
#include "tools/mota/commands.h"

namespace mota::cli {
namespace {

struct RepoArgs {
  std::string repo, staging, model, reason;
  int64_t release = 0;
  std::vector<std::string> root_keys, old_keys, new_keys;
  std::string targets_key, delegation_key, snapshot_key, timestamp_key;
  int64_t threshold = 1;
  int64_t now = -1;  // -1: the system clock
  packager::Expiry expiry;
};

int64_t Now(const RepoArgs& a) {
  return a.now >= 0 ? a.now : static_cast<int64_t>(std::time(nullptr));
}

// Loads every key file; the SigningKey objects stay in `store` (the options point into it).
Result<std::vector<const packager::SigningKey*>> LoadKeys(
    const std::vector<std::string>& paths,
    std::vector<std::unique_ptr<packager::SigningKey>>* store) {
  std::vector<const packager::SigningKey*> keys;
  for (const std::string& path : paths) {
    MOTA_ASSIGN_OR_RETURN(packager::SigningKey key, packager::SigningKey::LoadPrivate(path));
    store->push_back(std::make_unique<packager::SigningKey>(std::move(key)));
    keys.push_back(store->back().get());
  }
  return keys;
}

Result<const packager::SigningKey*> LoadKey(
    const std::string& path, std::vector<std::unique_ptr<packager::SigningKey>>* store) {
  if (path.empty()) return static_cast<const packager::SigningKey*>(nullptr);
  MOTA_ASSIGN_OR_RETURN(auto keys, LoadKeys({path}, store));
  return keys[0];
}

Status Init(const RepoArgs& a) {
  std::vector<std::unique_ptr<packager::SigningKey>> store;
  packager::InitOptions o{
      .repo = a.repo, .threshold = a.threshold, .now = Now(a), .expiry = a.expiry};
  MOTA_ASSIGN_OR_RETURN(o.root_keys, LoadKeys(a.root_keys, &store));
  MOTA_ASSIGN_OR_RETURN(o.targets_key, LoadKey(a.targets_key, &store));
  MOTA_ASSIGN_OR_RETURN(o.snapshot_key, LoadKey(a.snapshot_key, &store));
  MOTA_ASSIGN_OR_RETURN(o.timestamp_key, LoadKey(a.timestamp_key, &store));
  MOTA_RETURN_IF_ERROR(packager::InitRepository(o));
  std::printf("initialized %s: root version 1 (%zu root key(s), threshold %lld)\n", a.repo.c_str(),
              o.root_keys.size(), static_cast<long long>(a.threshold));
  return Status::Ok();
}

Status Add(const RepoArgs& a) {
  std::vector<std::unique_ptr<packager::SigningKey>> store;
  packager::AddOptions o{.repo = a.repo, .staging = a.staging, .now = Now(a), .expiry = a.expiry};
  MOTA_ASSIGN_OR_RETURN(o.targets_key, LoadKey(a.targets_key, &store));
  MOTA_ASSIGN_OR_RETURN(o.delegation_key, LoadKey(a.delegation_key, &store));
  MOTA_ASSIGN_OR_RETURN(o.snapshot_key, LoadKey(a.snapshot_key, &store));
  MOTA_ASSIGN_OR_RETURN(o.timestamp_key, LoadKey(a.timestamp_key, &store));
  MOTA_ASSIGN_OR_RETURN(packager::AddResult r, packager::AddStaging(o));
  std::printf(
      "published %s release %lld: %zu target(s), %zu new blob(s) (%llu bytes), %zu already "
      "stored; %s.json v%lld, targets v%lld, snapshot v%lld, timestamp v%lld\n",
      r.model.c_str(), static_cast<long long>(r.release), r.targets, r.new_blobs,
      static_cast<unsigned long long>(r.new_blob_bytes), r.existing_blobs, r.model.c_str(),
      static_cast<long long>(r.role_version), static_cast<long long>(r.targets_version),
      static_cast<long long>(r.snapshot_version), static_cast<long long>(r.timestamp_version));
  return Status::Ok();
}

Status RevokeRelease(const RepoArgs& a) {
  std::vector<std::unique_ptr<packager::SigningKey>> store;
  packager::RevokeOptions o{.repo = a.repo,
                            .model = a.model,
                            .release = a.release,
                            .reason = a.reason,
                            .now = Now(a),
                            .expiry = a.expiry};
  MOTA_ASSIGN_OR_RETURN(o.targets_key, LoadKey(a.targets_key, &store));
  MOTA_ASSIGN_OR_RETURN(o.delegation_key, LoadKey(a.delegation_key, &store));
  MOTA_ASSIGN_OR_RETURN(o.snapshot_key, LoadKey(a.snapshot_key, &store));
  MOTA_ASSIGN_OR_RETURN(o.timestamp_key, LoadKey(a.timestamp_key, &store));
  MOTA_ASSIGN_OR_RETURN(packager::RevokeResult r, packager::Revoke(o));
  std::printf(
      "revoked %s release %lld: %zu target(s); %s.json v%lld, snapshot v%lld, "
      "timestamp v%lld\n",
      a.model.c_str(), static_cast<long long>(a.release), r.targets.size(), a.model.c_str(),
      static_cast<long long>(r.role_version), static_cast<long long>(r.snapshot_version),
      static_cast<long long>(r.timestamp_version));
  for (const std::string& t : r.targets) std::printf("  %s\n", t.c_str());
  return Status::Ok();
}

Status Rotate(const RepoArgs& a) {
  std::vector<std::unique_ptr<packager::SigningKey>> store;
  packager::RotateOptions o{
      .repo = a.repo, .threshold = a.threshold, .now = Now(a), .expiry = a.expiry};
  MOTA_ASSIGN_OR_RETURN(o.old_keys, LoadKeys(a.old_keys, &store));
  MOTA_ASSIGN_OR_RETURN(o.new_keys, LoadKeys(a.new_keys, &store));
  MOTA_ASSIGN_OR_RETURN(int64_t version, packager::RotateRoot(o));
  std::printf("wrote root version %lld (%zu root key(s), threshold %lld)\n",
              static_cast<long long>(version), o.new_keys.size(),
              static_cast<long long>(a.threshold));
  return Status::Ok();
}

Status Refresh(const RepoArgs& a) {
  std::vector<std::unique_ptr<packager::SigningKey>> store;
  MOTA_ASSIGN_OR_RETURN(const packager::SigningKey* key, LoadKey(a.timestamp_key, &store));
  MOTA_ASSIGN_OR_RETURN(int64_t version,
                        packager::RefreshTimestamp(a.repo, *key, Now(a), a.expiry));
  std::printf("wrote timestamp version %lld\n", static_cast<long long>(version));
  return Status::Ok();
}

Status Verify(const RepoArgs& a) {
  MOTA_ASSIGN_OR_RETURN(packager::RepoState s, packager::VerifyRepository(a.repo, Now(a)));
  std::printf("ok: root v%lld, timestamp v%lld, snapshot v%lld, targets v%lld\n",
              static_cast<long long>(s.root.version), static_cast<long long>(s.timestamp.version),
              static_cast<long long>(s.snapshot.version),
              static_cast<long long>(s.targets.version));
  for (const auto& [model, role] : s.models) {
    std::printf("  %s v%lld: %zu target(s)\n", model.c_str(), static_cast<long long>(role.version),
                role.targets.size());
  }
  return Status::Ok();
}

void AddClock(CLI::App* sub, RepoArgs* a) {
  sub->add_option("--now", a->now, "The clock in seconds since the Unix epoch (default: now)")
      ->check(CLI::NonNegativeNumber);
}

void AddOnlineKeys(CLI::App* sub, RepoArgs* a) {
  sub->add_option("--targets-key", a->targets_key, "The targets role's private key")->required();
  sub->add_option("--snapshot-key", a->snapshot_key, "The snapshot role's private key")->required();
  sub->add_option("--timestamp-key", a->timestamp_key, "The timestamp role's private key")
      ->required();
}

}  // namespace

Command AddRepoCommand(CLI::App& app) {
  auto a = std::make_shared<RepoArgs>();
  CLI::App* repo = app.add_subcommand(
      "repo", "Manage a local TUF repository (init, add, revoke, rotate-root, refresh, verify)");
  repo->require_subcommand(1);
  CLI::App* init =
      repo->add_subcommand("init", "Create a repository: root, targets, snapshot, timestamp v1");
  init->add_option("--root-key", a->root_keys, "A root private key (repeat for several)")
      ->required();
  init->add_option("--threshold", a->threshold, "Root signatures required (default 1)");
  AddOnlineKeys(init, a.get());
  init->add_option("--expires-days", a->expiry.root_days, "Root lifetime in days (default 365)")
      ->check(CLI::PositiveNumber);
  CLI::App* add = repo->add_subcommand("add", "Publish a staging directory (mota package output)");
  add->add_option("staging", a->staging, "The staging directory")->required();
  AddOnlineKeys(add, a.get());
  add->add_option("--delegation-key", a->delegation_key,
                  "The model team's key (default: the targets key)");
  CLI::App* revoke = repo->add_subcommand(
      "revoke", "Mark every target of a model's release revoked (a new role version)");
  revoke->add_option("model", a->model, "The model (its delegated role)")->required();
  revoke->add_option("--release", a->release, "The release to revoke")
      ->required()
      ->check(CLI::PositiveNumber);
  revoke->add_option("--delegation-key", a->delegation_key,
                     "The model team's key (default: --targets-key)");
  revoke->add_option("--targets-key", a->targets_key,
                     "The targets key, when it signs the model's role");
  revoke->add_option("--snapshot-key", a->snapshot_key, "The snapshot role's private key")
      ->required();
  revoke->add_option("--timestamp-key", a->timestamp_key, "The timestamp role's private key")
      ->required();
  revoke->add_option("--reason", a->reason, "Why (stored as custom.revoked_reason)");
  CLI::App* rotate =
      repo->add_subcommand("rotate-root", "Write root N+1 signed by the old and new keys");
  rotate->add_option("--old-key", a->old_keys, "A current root key (a threshold of them)")
      ->required();
  rotate->add_option("--new-key", a->new_keys, "A new root key (repeat for several)")->required();
  rotate->add_option("--threshold", a->threshold, "New root signatures required (default 1)");
  CLI::App* refresh = repo->add_subcommand("refresh", "Re-sign the timestamp with a new expiry");
  refresh->add_option("--timestamp-key", a->timestamp_key, "The timestamp private key")->required();
  CLI::App* verify = repo->add_subcommand("verify", "Verify the whole chain as a client would");
  for (CLI::App* sub : {init, add, revoke, rotate, refresh, verify}) {
    sub->add_option("--repo", a->repo, "The repository directory")->required();
    AddClock(sub, a.get());
  }
  repo->footer(
      "Example: mota repo add staging/ --repo repo/ --targets-key keys/targets.key \\\n"
      "  --delegation-key keys/mlp.key --snapshot-key keys/snapshot.key "
      "--timestamp-key keys/timestamp.key");
  return {repo, [a, init, add, revoke, rotate, refresh] {
            std::pair<const char*, Status> r{"repo verify", Status::Ok()};
            if (init->parsed())
              r = {"repo init", Init(*a)};
            else if (add->parsed())
              r = {"repo add", Add(*a)};
            else if (revoke->parsed())
              r = {"repo revoke", RevokeRelease(*a)};
            else if (rotate->parsed())
              r = {"repo rotate-root", Rotate(*a)};
            else if (refresh->parsed())
              r = {"repo refresh", Refresh(*a)};
            else
              r.second = Verify(*a);
            return r.second.ok() ? 0 : ReportError(r.first, r.second);
          }};
}

}  // namespace mota::cli
