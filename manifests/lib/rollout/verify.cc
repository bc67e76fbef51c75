#include "manifests/lib/rollout/verify.h"

#include "manifests/lib/tuf/verify.h"

namespace mota::rollout {

Result<Rollout> VerifyRolloutDocument(std::string_view bytes, const tuf::Root& root,
                                      const tuf::MetaFile& listed, int64_t trusted_version,
                                      int64_t now, std::string_view model) {
  const std::string file = RolloutFileName(model, listed.version);
  if (listed.length && *listed.length != static_cast<int64_t>(bytes.size())) {
    return tuf::Rejected(file, ": ", bytes.size(), " bytes, the snapshot lists ", *listed.length);
  }
  auto sha = listed.hashes.find("sha256");
  if (sha == listed.hashes.end()) {
    return tuf::Rejected(file, ": the snapshot lists no sha256 for it (expected one)");
  }
  const std::string actual = tuf::Sha256Hex(bytes);
  if (actual != sha->second) {
    return tuf::Rejected(file, ": sha256 ", actual, ", the snapshot lists ", sha->second);
  }
  MOTA_ASSIGN_OR_RETURN(tuf::Envelope env, tuf::ParseEnvelope(bytes, file));
  auto role = root.roles.find("snapshot");
  if (role == root.roles.end()) return tuf::Rejected("root: no snapshot role to verify ", file);
  MOTA_RETURN_IF_ERROR(
      tuf::VerifyRole(env, root.keys, tuf::AuthorizationOf(role->second), "rollout", file));
  MOTA_ASSIGN_OR_RETURN(Rollout doc, ParseRollout(env.signed_json, file));
  if (doc.model != model) {
    return tuf::Rejected(file, ": is for model '", doc.model, "', expected '", model, "'");
  }
  MOTA_RETURN_IF_ERROR(tuf::CheckVersionMatches(listed.version, doc.version, file));
  MOTA_RETURN_IF_ERROR(tuf::CheckNoRollback(trusted_version, doc.version, file));
  MOTA_RETURN_IF_ERROR(tuf::CheckNotExpired(doc, now, file));
  return doc;
}

}  // namespace mota::rollout
