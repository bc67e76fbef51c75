// The rollout metadata of one model (manifests/spec/repository.md "Rollouts and telemetry"):
// which publisher-signed releases the server offers, to what share of devices, under which device
// conditions, and whether a release is active, halted or revoked (with the reason).
//
// It is a TUF-style signed document, `metadata/N.<model>.rollout.json`, signed by the snapshot
// role's (online) keys and listed in snapshot `meta` as "<model>.rollout.json", so the client
// checks its signature, version, length and hash exactly like a targets role's. Its "signed":
//
//   {"_type": "rollout", "spec_version": "1.0.31", "version": 4, "expires": "...Z",
//    "model": "mobilenet_v2", "unlisted": "hold",
//    "releases": [{"release": 3, "basis_points": 10000, "state": "active", "reason": ""},
//                 {"release": 4, "basis_points": 1000, "when": {"os": ["android"]},
//                  "state": "halted", "reason": "auto: failure rate 9.1% ..."}]}
//
// Parsing is strict (types, ranges, sorted unique releases, known states) and keeps unknown
// fields so signatures over newer documents still verify after a round trip. Exception-free.
//
//   MOTA_ASSIGN_OR_RETURN(rollout::Rollout r, rollout::ParseRollout(env.signed_json, file));
//   const rollout::ReleaseRollout* entry = r.Find(4);
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "manifests/lib/conditions/conditions.h"
#include "manifests/lib/status/status.h"
#include "manifests/lib/tuf/metadata.h"

namespace mota::rollout {

using Json = nlohmann::json;

inline constexpr char kRolloutType[] = "rollout";
inline constexpr size_t kMaxReasonBytes = 1024;
inline constexpr size_t kMaxReleases = 1000;

enum class State { kActive, kHalted, kRevoked };
const char* StateName(State state);  // "active" | "halted" | "revoked"

// What happens to a publisher-signed release the document does not list.
enum class Unlisted { kHold, kOffer };
const char* UnlistedName(Unlisted unlisted);  // "hold" | "offer"

struct ReleaseRollout {
  int64_t release = 1;       // >= 1: a release of the model's delegated targets role
  int64_t basis_points = 0;  // 0..10000: devices with bucket < basis_points are in
  // Device conditions (deploy-spec.md "Device conditions") a device must meet as well; absent:
  // every device. Kept as JSON for an exact round trip; `when` is its parsed form.
  std::optional<Json> when_json;
  std::optional<conditions::DeviceConditions> when;
  State state = State::kActive;
  std::string reason;  // why it was halted / revoked / resumed; <= kMaxReasonBytes
  Json unrecognized = tuf::EmptyObject();
};

struct Rollout : tuf::Common {
  std::string model;
  Unlisted unlisted = Unlisted::kHold;
  std::vector<ReleaseRollout> releases;  // sorted by release, unique

  const ReleaseRollout* Find(int64_t release) const;
  ReleaseRollout* Find(int64_t release);
};

// Checks `_type`, every field and the ordering; `what` names the file in errors
// ("3.mobilenet_v2.rollout.json"); errors name the field path ("...releases[1].basis_points").
Result<Rollout> ParseRollout(const Json& signed_json, std::string_view what);
// The "signed" object, unknown fields merged back in.
Json ToJson(const Rollout& rollout);

// "<model>.rollout.json": the snapshot meta key; "<version>.<model>.rollout.json": the file.
std::string RolloutMetaName(std::string_view model);
std::string RolloutFileName(std::string_view model, int64_t version);

}  // namespace mota::rollout
