// Staged rollouts on the server (manifests/spec/repository.md "Rollouts and telemetry"): the
// admin operations on a model's signed rollout document, each written as a new document version
// plus a new snapshot and timestamp (rollout_io.h), under the repository's write lock.
//
// Rules, each refused with FailedPrecondition (nothing written) and a message naming the release
// and its state:
//  - the release must be listed by the model's publisher-signed role (verified as a device
//    would) and not be revoked by its publisher;
//  - percent only grows (0..100% as basis points 0..10000) unless `reset` is set;
//  - halt needs an active release, resume a halted one; revoke is final (no resume, no percent);
//  - a change that changes nothing is refused ("already ..."), so a script learns its action
//    had been done, and versions do not churn.
// The first document of a model lists every publisher-signed, unrevoked release other than the
// one the change names at 100% (that is what devices were offered before), the named one as the
// change says (devices that took it already keep it: never backwards), and "unlisted": "hold",
// so a release published later waits for its own rollout.
//
//   RolloutManager manager({.repo = dir, .keys = {snapshot_key, timestamp_key}});
//   MOTA_ASSIGN_OR_RETURN(RolloutResult r, manager.Apply({.model = "mobilenet_v2",
//       .release = 4, .action = RolloutAction::kSetPercent, .basis_points = 1000}, now));
//
// Thread-safe: every Apply holds the repository write lock (also against other processes).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "manifests/lib/rollout/rollout.h"
#include "manifests/lib/status/status.h"
#include "server/repository/rollout_io.h"

namespace mota::server::repository {

enum class RolloutAction { kSetPercent, kHalt, kResume, kRevoke };
const char* RolloutActionName(RolloutAction action);  // "percent" | "halt" | "resume" | "revoke"

struct RolloutChange {
  std::string model;
  int64_t release = 0;
  RolloutAction action = RolloutAction::kSetPercent;
  int64_t basis_points = 0;           // kSetPercent: 0..10000
  std::optional<rollout::Json> when;  // kSetPercent: new device conditions ({} clears them)
  bool reset = false;                 // kSetPercent: allow a lower percentage
  std::string reason;                 // recorded in the document (halt / resume / revoke)
};

struct RolloutResult {
  rollout::Rollout rollout;
  WriteVersions versions;
};

struct RolloutConfig {
  std::string repo;
  OnlineKeys keys;
  int64_t rollout_days = 7;  // expiry of a rollout document (like snapshot)
  int64_t snapshot_days = 7;
  int64_t timestamp_days = 1;
};

class RolloutManager {
 public:
  explicit RolloutManager(RolloutConfig config) : config_(std::move(config)) {}

  // Checks the change against the current state, then writes the new document, snapshot and
  // timestamp. `now`: seconds since the Unix epoch (expiries are counted from it).
  Result<RolloutResult> Apply(const RolloutChange& change, int64_t now);

  // Keeps the online metadata from expiring: when a rollout document, the snapshot or the
  // timestamp expires before now + margin_seconds, writes one new snapshot and timestamp and
  // re-signs (unchanged but for version + 1 and a new expiry) every rollout document that does;
  // nothing is written otherwise. A document or timestamp left to expire would make devices
  // refuse the repository. RolloutAdmin runs it periodically.
  struct Refreshed {
    std::vector<std::string> models;  // rollout documents re-signed
    bool wrote = false;               // a new snapshot and timestamp were written
    WriteVersions versions;
  };
  Result<Refreshed> RefreshExpiring(int64_t now, int64_t margin_seconds);

  // The model's current state: its verified releases and rollout document (if any).
  Result<RolloutView> View(const std::string& model) const;

  const RolloutConfig& config() const { return config_; }

 private:
  RolloutConfig config_;
};

// The pure part of Apply: `current` (null when the model has none yet) changed by `change`.
// `releases` are the model's publisher-signed releases.
Result<rollout::Rollout> ApplyChange(const rollout::Rollout* current,
                                     const std::map<int64_t, PublishedRelease>& releases,
                                     const RolloutChange& change);

}  // namespace mota::server::repository
