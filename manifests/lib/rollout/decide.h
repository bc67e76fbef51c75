// The device client's rollout decision: which release of a model to take, given what it verified.
//
// Inputs are all things the client has already checked: the rollout document (signed by the
// snapshot role's online keys; absent when the repository has none for the model), the releases
// the model's publisher-signed targets list (with their publisher-signed `revoked` flag), the
// device's install id and facts, and the release it has installed (0: none).
//
// Rules (repository.md "Rollouts and telemetry"):
//  - Only publisher-signed releases can be chosen: the rollout document cannot add one.
//  - A release revoked by its publisher, or revoked in the rollout, is never taken.
//  - Never lower than the installed release, unless the installed one is revoked by its
//    publisher (a rollout state cannot move a device backwards; only offline keys can).
//  - The installed release is kept however its rollout changes (halted, revoked in the rollout,
//    percentage reset): the device stays until a higher release is offered to it.
//  - A release above the installed one is offered when its rollout entry is active, the device's
//    bucket is inside its basis points and the device meets its `when` conditions. An unlisted
//    release is offered when the document says "unlisted": "offer" or there is no document.
//  - The highest offered release wins.
//
//   rollout::DecideInput in{.model = "mobilenet_v2", .rollout = &verified_rollout,
//                           .releases = {{3, false}, {4, false}}, .install_id = id,
//                           .device = facts, .installed_release = 3};
//   MOTA_ASSIGN_OR_RETURN(rollout::Decision d, rollout::Decide(in));
//   if (d.release > in.installed_release) fetch(d.release);   // d.why / d.notes explain
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "manifests/lib/conditions/conditions.h"
#include "manifests/lib/rollout/rollout.h"
#include "manifests/lib/status/status.h"

namespace mota::rollout {

// A release as the model's publisher-signed targets list it (all its variants share the flag).
struct SignedRelease {
  int64_t release = 0;
  bool revoked = false;  // custom.revoked of its targets
};

struct DecideInput {
  std::string model;
  const Rollout* rollout = nullptr;  // null: the repository has no rollout for the model
  std::vector<SignedRelease> releases;
  std::string install_id;
  conditions::DeviceFacts device;
  int64_t installed_release = 0;  // 0: nothing installed
};

struct Decision {
  // The release to run: == installed_release means stay; 0 means no release is offered (when
  // the installed one is revoked by its publisher, the client deactivates it).
  int64_t release = 0;
  std::string why;                 // one line: the reason for `release`
  std::vector<std::string> notes;  // one line per release considered, highest first
  int64_t bucket = 0;              // the device's bucket for the model
};

// InvalidArgument for a bad install id, a rollout document of another model, or a release number
// < 1 in `releases`.
Result<Decision> Decide(const DecideInput& input);

}  // namespace mota::rollout
