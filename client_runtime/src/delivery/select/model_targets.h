// A model's variant targets and rollout document, read from the TUF client's verified state:
// the input of Select (select.h) on a device or in `mota client select`.
//
//   MOTA_RETURN_IF_ERROR(updater.Refresh());
//   MOTA_ASSIGN_OR_RETURN(ModelTargets m, LoadModelTargets(updater, fetcher, url, "mlp", 0, now));
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "delivery/trust/fetcher.h"
#include "delivery/trust/updater.h"
#include "manifests/lib/rollout/rollout.h"
#include "manifests/lib/tuf/target_custom.h"

namespace mota::select {

struct ModelTargets {
  std::vector<tuf::VariantTarget> targets;  // every release's variants
  std::optional<rollout::Rollout> rollout;  // absent: snapshot lists none for the model
  // Targets of the model's role that were skipped, one line each with the reason (a custom
  // object that does not parse): they are never chosen, the others still are.
  std::vector<std::string> skipped;
};

// Loads the model's delegated targets role (named after the model, repository.md) through the
// updater, parses every target's custom metadata, and fetches and verifies the rollout document
// listed in the trusted snapshot (rollout/verify.h; `trusted_rollout_version` is the version
// trusted before, 0: none). NotFound when no role for the model is delegated.
Result<ModelTargets> LoadModelTargets(trust::Updater& updater, trust::Fetcher& fetcher,
                                      std::string_view metadata_url, std::string_view model,
                                      int64_t trusted_rollout_version, int64_t now);

// The rollout document's version is rollback-protected like a role's: the client keeps the
// version it last trusted beside its TUF metadata, as "<dir>/<model>.rollout.json" (the verified
// signed object). TrustedRolloutVersion is 0 when none was kept; a kept file that does not parse
// is an error naming it (never silently 0, which would reopen rollback).
Result<int64_t> TrustedRolloutVersion(const std::string& metadata_dir, std::string_view model);
Status PersistRollout(const std::string& metadata_dir, const rollout::Rollout& doc);

}  // namespace mota::select
