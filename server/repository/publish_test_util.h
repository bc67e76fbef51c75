// A small served repository for tests: keys, version 1 of every role, chunk blobs and publish
// requests built the way `mota publish` builds them. Used by the repository and admin tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "manifests/lib/tuf/metadata.h"
#include "manifests/lib/tuf_sign/keys.h"
#include "server/repository/publish.h"

namespace mota::server::repository::testing {

inline constexpr int64_t kNow = 1'800'000'000;  // 2027-01-15

struct TestKeys {
  tuf::SigningKey root, targets, snapshot, timestamp, team, stranger;
  static TestKeys Make();
  OnlineKeys Online() const { return {snapshot, timestamp}; }
};

// A unique empty folder under the temp dir, for one test in one process.
std::string FreshDir(const std::string& label);

// Writes version 1 of root, targets (no delegations), snapshot and timestamp into repo/metadata.
void InitRepo(const std::string& repo, const TestKeys& keys);

// A chunk: its content's sha256 (the blob name) and its zstd frame (the blob bytes).
struct Chunk {
  std::string name;
  std::string frame;
  std::string content;
};
Chunk MakeChunk(const std::string& content);

// The variant index of a file made of `chunks` in order (canonical bytes).
std::string MakeIndex(const std::vector<Chunk>& chunks);

struct ReleaseSpec {
  std::string model = "demo";
  int64_t release = 1;
  std::vector<std::string> variants = {"cpu-fp32"};
  std::vector<Chunk> chunks;  // every variant's index references all of them
  int64_t role_version = 1;
  const tuf::SigningKey* role_signer = nullptr;  // default: keys.team
  // When >= 1: also send targets.json of this version delegating the model to keys.team.
  int64_t targets_version = 0;
};

// The role listing `previous` targets plus the spec's, signed; target files for the new ones.
PublishRequest MakeRequest(const TestKeys& keys, const ReleaseSpec& spec,
                           const tuf::Targets& previous = {});

}  // namespace mota::server::repository::testing
