// Tests only: a TUF repository simulator (python-tuf's RepositorySimulator, go-tuf's
// simulator) that signs metadata with throwaway Ed25519 keys and serves it from memory through a
// Fetcher, so attack tests change one thing, publish, and see what the client does.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "delivery/trust/fetcher.h"
#include "manifests/lib/tuf/metadata.h"
#include "manifests/lib/tuf_sign/keys.h"

namespace mota::trust::testing {

inline constexpr int64_t kNow = 1800000000;  // the tests' clock
inline constexpr int64_t kDay = 86400;

class TestRepo {
 public:
  TestRepo();  // root, targets, snapshot, timestamp v1 with one fresh key each; nothing published

  // Current contents; tests edit them and publish.
  tuf::Root root;
  tuf::Targets targets;
  tuf::Snapshot snapshot;
  tuf::Timestamp timestamp;
  std::map<std::string, tuf::Targets> delegated;             // role name -> its metadata
  std::map<std::string, std::vector<tuf::SigningKey>> keys;  // role -> signing keys
  bool snapshot_meta_hashes = true;  // length + sha256 in snapshot / timestamp meta

  // The files served: "metadata/1.root.json", "targets/<hash>.a.txt", ...
  std::map<std::string, std::string> files;

  // A new key for `role` (top-level: listed in root; delegated: in its delegator's keys).
  const tuf::SigningKey& AddKey(const std::string& role);
  // Replaces the role's keys with one fresh key.
  void RotateKey(const std::string& role);
  // Signs `root` with the current root keys plus `extra` and serves it as N.root.json.
  void PublishRoot(const std::vector<const tuf::SigningKey*>& extra = {});
  // Signs the targets roles, updates snapshot meta and timestamp meta, serves them all.
  // Versions are the tests' business (BumpVersions).
  void Publish();
  void BumpVersions();  // +1 for targets, every delegated role, snapshot, timestamp
  // Adds a target file to `role`'s metadata and serves it as targets/<dir>/<sha256>.<name>.
  void AddTarget(const std::string& role, const std::string& path, const std::string& content);
  // Delegates `name` from `delegator` with `paths` (or hash prefixes) and a fresh key.
  tuf::DelegatedRole& Delegate(const std::string& delegator, const std::string& name,
                               std::vector<std::string> paths, bool terminating);
  // The signed bytes of a role as published ("timestamp", "snapshot", "targets", a delegate).
  std::string Sign(const tuf::Json& signed_json, const std::string& role) const;
  tuf::Targets& TargetsOf(const std::string& role);
  std::string RootBytes() const {
    return files.at(tuf::Cat("metadata/", root.version, ".root.json"));
  }
};

// Serves a TestRepo at "https://repo/". Counts requests per path; honours max_length like a
// real fetcher (stops, OutOfRange) unless `ignore_cap`.
class RepoFetcher : public Fetcher {
 public:
  explicit RepoFetcher(const TestRepo* repo) : repo_(repo) {}
  Result<std::string> Fetch(const std::string& url, int64_t max_length) override;

  std::map<std::string, int> requests;
  std::map<std::string, int64_t> caps;  // path -> the max_length last asked
  bool ignore_cap = false;
  std::map<std::string, std::string> overrides;  // path -> bytes served instead (attacks)

 private:
  const TestRepo* repo_;
};

inline constexpr char kMetadataUrl[] = "https://repo/metadata";
inline constexpr char kTargetUrl[] = "https://repo/targets";

// A fresh empty directory under the test temp dir (unique per test and process).
std::string MakeTempDir(const std::string& name);

}  // namespace mota::trust::testing
