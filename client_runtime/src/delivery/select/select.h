// Choosing a variant (issue 7 "Choosing"): from the verified targets of one model, the verified
// rollout document and what the device knows about itself, which (release, variant) to install,
// with a line of reasons for every variant considered. Exception-free; no I/O.
//
// Order of the rules:
//  1. The release: rollout::Decide (newest release the rollout offers this device, never
//     backwards, never a revoked one). Variants of the other releases are listed as rejected
//     with the rollout's reason for their release.
//  2. In that release, a variant is rejected when it is revoked, failed on this device before,
//     needs a newer runtime, its `requires` conditions do not hold, or a quirk denies it.
//  3. Of the rest the highest priority wins (ties: the smaller variant id, so it is stable).
//  4. When no variant of that release fits and the device has another release installed that is
//     not revoked, the installed release is tried the same way (stay on what works).
//  5. No match: `closest` names the rejected variant with the fewest unmet conditions (then the
//     highest priority) and `status` says which condition failed.
//
//   select::SelectInput in{.model = "mobilenet_v2", .targets = targets, .rollout = &doc,
//                          .device = facts, .install_id = id, .installed_release = 3};
//   MOTA_ASSIGN_OR_RETURN(select::Selection s, select::Select(in));
//   if (s.found) fetch(s.release, s.variant); else report(s.status);
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "manifests/lib/conditions/conditions.h"
#include "manifests/lib/rollout/decide.h"
#include "manifests/lib/rollout/rollout.h"
#include "manifests/lib/status/status.h"
#include "manifests/lib/tuf/target_custom.h"

namespace mota::select {

// A variant that failed on this device before (self-test, crash); never chosen again.
struct FailedVariant {
  int64_t release = 0;
  std::string variant;
  std::string reason;
};

struct SelectInput {
  std::string model;
  // Every variant target of the model (all releases), as verified by the TUF client.
  std::vector<tuf::VariantTarget> targets;
  const rollout::Rollout* rollout = nullptr;  // null: the repository has none for the model
  conditions::DeviceFacts device;             // runtime_version set to this libmota's
  std::string install_id;
  int64_t installed_release = 0;  // 0: nothing installed
  std::vector<FailedVariant> failed;
};

// One variant considered, and why it was taken or not.
struct VariantLine {
  int64_t release = 0;
  std::string variant;
  std::string backend;
  std::string precision;
  int64_t priority = 0;
  bool taken = false;
  std::string reason;
};

struct Selection {
  bool found = false;
  int64_t release = 0;  // the release chosen (0: none)
  std::string variant;  // the variant chosen ("" when none fits)
  std::string status;   // one line: what was chosen, or why nothing was
  // No match: the variant that came closest and the (first) condition it failed.
  std::string closest;
  std::string closest_why;
  rollout::Decision decision;      // the rollout's release decision
  std::vector<VariantLine> lines;  // every variant: release descending, then priority descending
};

// InvalidArgument for inputs Decide refuses (bad install id, release < 1) or a target of
// another model.
Result<Selection> Select(const SelectInput& input);

// How many separate conditions of `conditions` the device fails (0: all hold); the closest
// variant is the one with the fewest.
int CountUnmet(const conditions::DeviceConditions& conditions,
               const conditions::DeviceFacts& device);

// The table `mota client select --explain` prints: a header, one line per variant, the status.
std::string FormatTable(const Selection& selection);

}  // namespace mota::select
