// A small signed TUF repository for the rollout and telemetry tests, written the way
// packager/src/repo.h lays one out (root, targets delegating models/<model>/* to a team key, the
// model's role, snapshot, timestamp), without linking the toolchain into the server's tests.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "manifests/lib/status/status.h"
#include "manifests/lib/tuf/metadata.h"
#include "manifests/lib/tuf_sign/keys.h"

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

}  // namespace mota::server::repository::rollout_testing
