// The fixture of the attack tests (client_attacks_test.cc): a real mota repository with two
// releases of the shared MLP, served by a real `mota serve` or by nginx over `mota mirror
// export`, and the tools an attacker (or a compromised key) has to change what is served.
//
//   owner side   repo/        written only by the packager library (InitRepository, AddStaging,
//                             Revoke, RotateRoot) and by Republish below (a key holder signing)
//   served side  served/      what mota serve (a copy of repo/) or nginx (mirror export of
//                             repo/) hands out; Sync() copies the owner's state there, and the
//                             attacks change files in it (the attacker controls the server)
//
// Keys live in memory (generated once per test binary); `attacker` is a key no role lists.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "base/status.h"
#include "manifests/lib/tuf/metadata.h"
#include "manifests/lib/tuf_sign/keys.h"
#include "tests/support/nginx.h"

namespace mota::e2e {

namespace fs = std::filesystem;
using Json = nlohmann::json;

struct TestKeys {
  tuf::SigningKey root, root2, targets, snapshot, snapshot2, timestamp, timestamp2, attacker;
};

// Built once per test binary: keys and two staged releases of model "mlp" (variants "cpu-a",
// priority 2, and "cpu-b", priority 1; their precisions swap between the releases so that every
// variant's file differs from one release to the next).
struct Staged {
  fs::path dir;
  TestKeys keys;
  fs::path release[3];  // [1], [2]: the staging folders (mota package output)
};
// Creates (once) and returns the shared staging; a failure is a fatal test failure.
const Staged& SharedStaging();

enum class ServerKind { kMotaServe, kNginx };
const char* ServerName(ServerKind kind);
// gtest prints the parameter by name.
void PrintTo(ServerKind kind, std::ostream* os);
using test_support::FindNginx;

class AttackRepo {
 public:
  // `dir` is the test's own temporary folder (created).
  AttackRepo(fs::path dir, ServerKind kind);
  ~AttackRepo();

  // repo/ with root (keys `root_keys`, threshold) and release 1 published; served/ synced.
  Status Init(std::vector<const tuf::SigningKey*> root_keys, int64_t threshold = 1);
  // The owner publishes staged release `release` (AddStaging) and syncs.
  Status Publish(int release);
  Status Revoke(int release, const std::string& reason);
  // Starts the server over served/ (mota serve or nginx) on a free loopback port.
  Status Start();
  // Copies the owner's repo/ into served/ (serve) or exports it (nginx: `mota mirror export`).
  Status Sync();

  // Signs `signed_json` with `keys` and writes metadata/<file> in repo/ (or served/ when
  // `served` is true). The Republish* helpers sign version + 1 of snapshot and timestamp over
  // what is in that tree, listing `meta` overrides; they write served/ only when `served`.
  Status WriteSigned(const std::string& file, const Json& signed_json,
                     const std::vector<const tuf::SigningKey*>& keys, bool served);
  Status RepublishSnapshot(const std::map<std::string, tuf::MetaFile>& overrides, bool served,
                           const tuf::SigningKey* snapshot_key = nullptr,
                           const tuf::SigningKey* timestamp_key = nullptr,
                           std::optional<int64_t> version = std::nullopt);
  Status RepublishTimestamp(const std::string& snapshot_file, bool served,
                            const tuf::SigningKey* timestamp_key = nullptr,
                            std::optional<int64_t> expires = std::nullopt,
                            std::optional<int64_t> version = std::nullopt);
  // Writes a new version of role `role` ("targets", "mlp") with `edit` applied, signed by `key`,
  // then snapshot and timestamp over it, into repo/ (the owner), and syncs.
  Status BumpRole(const std::string& role, const tuf::SigningKey& key,
                  const std::function<void(Json&)>& edit = nullptr);
  // Writes version `version` of the rollout document of "mlp" (signed by the snapshot key)
  // offering `releases` to every device, then snapshot and timestamp, into repo/ and syncs; or,
  // when `served`, into served/ only (an attacker holding the online keys). `expires`: default
  // now + 30 days.
  // Releases in `revoked` are listed with state "revoked" (what only the online key says).
  Status PublishRollout(int64_t version, const std::vector<int64_t>& releases, bool served = false,
                        std::optional<int64_t> expires = std::nullopt,
                        const std::vector<int64_t>& revoked = {});
  // The key the owner's current root names for an online role ("snapshot", "timestamp"): the
  // first or the rotated one.
  const tuf::SigningKey& OnlineKey(const std::string& role) const;
  // Writes root N+1 (roles edited by `edit`, signed by `sign_with`) into repo/ (not synced),
  // or into served/ only when `served` (an attacker's root).
  Status WriteNextRoot(const std::function<void(tuf::Root&)>& edit,
                       const std::vector<const tuf::SigningKey*>& sign_with, bool served = false);

  // The newest version of metadata/N.<role>.json in repo/ (0: none).
  int64_t Version(const std::string& role) const;
  std::string ReadRepo(const std::string& relative) const;
  std::string ReadServed(const std::string& relative) const;
  Status WriteServed(const std::string& relative, const std::string& bytes);
  // The "signed" object of a metadata file in repo/.
  Result<Json> SignedOf(const std::string& file) const;
  // Blob names (sha256) and target paths of release `release`'s variant `variant`.
  Result<std::vector<std::string>> BlobsOf(int release, const std::string& variant) const;
  Result<std::string> TargetFileOf(int release, const std::string& variant) const;

  const fs::path& dir() const { return dir_; }
  fs::path repo() const { return dir_ / "repo"; }
  fs::path served() const { return dir_ / "served"; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  uint16_t port() const { return port_; }
  int64_t now() const { return now_; }
  const TestKeys& keys() const;
  ServerKind kind() const { return kind_; }

 private:
  Status StartServe();
  Status StartNginx();
  Result<tuf::Snapshot> NewestSnapshot(const fs::path& tree, std::string* file) const;

  fs::path dir_;
  ServerKind kind_;
  int64_t now_;
  pid_t pid_ = -1;  // mota serve
  test_support::NginxServer nginx_;
  uint16_t port_ = 0;
};

}  // namespace mota::e2e
