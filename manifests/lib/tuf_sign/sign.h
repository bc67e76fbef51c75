// Signing TUF metadata: Ed25519 over the canonical JSON of "signed", wrapped in the envelope
// {"signatures": [{"keyid", "sig"}], "signed": {...}} and written as canonical JSON
// (manifests/spec/repository.md). Signatures are sorted by keyid and each key signs once, so the
// same inputs give byte-identical files.
//
//   nlohmann::json root_signed = ToJson(root);
//   MOTA_ASSIGN_OR_RETURN(std::string bytes, SignEnvelope(root_signed, {&root_key}));
//   MOTA_RETURN_IF_ERROR(WriteFileAtomic(dir + "/1.root.json", bytes));
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "manifests/lib/tuf/metadata.h"
#include "manifests/lib/tuf_sign/keys.h"

namespace mota::tuf {

// One signature per distinct key over the canonical bytes of `signed_json`, sorted by keyid.
Result<std::vector<Signature>> SignSigned(const nlohmann::json& signed_json,
                                          const std::vector<const SigningKey*>& keys);

// The metadata file's bytes, signed by `keys`.
Result<std::string> SignEnvelope(const nlohmann::json& signed_json,
                                 const std::vector<const SigningKey*>& keys);

// Adds signatures by `keys` to an existing envelope (keeping the signatures it has, replacing
// any earlier signature by the same keyid): how a threshold of offline keys sign one file in
// turn, and how a new root gets both the old and the new root keys' signatures.
Result<std::string> AddSignatures(const Envelope& envelope,
                                  const std::vector<const SigningKey*>& keys);

}  // namespace mota::tuf
