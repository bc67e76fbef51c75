// The device client's check of a downloaded rollout document (repository.md "The rollout
// document"), in the order TUF checks a role listed in snapshot:
//   1. length and sha256 against the trusted snapshot's "<model>.rollout.json" entry;
//   2. signatures: a threshold of the trusted root's *snapshot* role keys;
//   3. `_type` and every field (ParseRollout), `model` == the model asked for;
//   4. version == the snapshot's version for it, and >= the version trusted before (rollback);
//   5. not expired at `now` (injected clock).
// Any failure: the document is not used (keep the trusted one). Exception-free.
//
//   const tuf::MetaFile& listed = snapshot.meta.at(rollout::RolloutMetaName(model));
//   MOTA_ASSIGN_OR_RETURN(rollout::Rollout doc,
//       rollout::VerifyRolloutDocument(bytes, root, listed, trusted_version, now, model));
#pragma once

#include <cstdint>
#include <string_view>

#include "manifests/lib/rollout/rollout.h"
#include "manifests/lib/status/status.h"
#include "manifests/lib/tuf/metadata.h"

namespace mota::rollout {

// `trusted_version`: the version of the model's rollout document trusted before (0: none).
// Errors: VerificationFailed for hash, length, signature, version and expiry problems,
// InvalidArgument for a malformed document; each names the file and the check.
Result<Rollout> VerifyRolloutDocument(std::string_view bytes, const tuf::Root& root,
                                      const tuf::MetaFile& listed, int64_t trusted_version,
                                      int64_t now, std::string_view model);

}  // namespace mota::rollout
