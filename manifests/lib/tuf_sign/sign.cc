#include "manifests/lib/tuf_sign/sign.h"

#include <algorithm>
#include <map>

#include "manifests/lib/tuf/canonical_json.h"
#include "manifests/lib/tuf/verify.h"

namespace mota::tuf {
namespace {

Result<std::string> Canonical(const nlohmann::json& value) {
  Result<std::string> bytes = CanonicalJson(value);
  if (!bytes.ok()) return bytes.status();
  return bytes.value();
}

Result<std::string> Serialize(const nlohmann::json& signed_json,
                              const std::vector<Signature>& signatures) {
  Result<std::string> bytes = SerializeEnvelope(signed_json, signatures);
  if (!bytes.ok()) return bytes.status();
  return bytes.value();
}

}  // namespace

Result<std::vector<Signature>> SignSigned(const nlohmann::json& signed_json,
                                          const std::vector<const SigningKey*>& keys) {
  if (!signed_json.is_object()) return InvalidArgument("metadata to sign must be a JSON object");
  MOTA_ASSIGN_OR_RETURN(std::string message, Canonical(signed_json));
  const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(message.data()),
                                       message.size());
  std::map<std::string, Signature> by_keyid;  // sorted, one per key
  for (const SigningKey* key : keys) {
    if (by_keyid.count(key->keyid())) continue;
    MOTA_ASSIGN_OR_RETURN(std::vector<uint8_t> sig, key->Sign(bytes));
    Signature s;
    s.keyid = key->keyid();
    s.sig = ToHex(sig);
    by_keyid[s.keyid] = std::move(s);
  }
  std::vector<Signature> out;
  for (auto& [keyid, s] : by_keyid) out.push_back(std::move(s));
  return out;
}

Result<std::string> SignEnvelope(const nlohmann::json& signed_json,
                                 const std::vector<const SigningKey*>& keys) {
  if (keys.empty()) return InvalidArgument("no signing key given for the metadata");
  MOTA_ASSIGN_OR_RETURN(std::vector<Signature> sigs, SignSigned(signed_json, keys));
  return Serialize(signed_json, sigs);
}

Result<std::string> AddSignatures(const Envelope& envelope,
                                  const std::vector<const SigningKey*>& keys) {
  MOTA_ASSIGN_OR_RETURN(std::vector<Signature> added, SignSigned(envelope.signed_json, keys));
  std::map<std::string, Signature> by_keyid;
  for (const Signature& s : envelope.signatures) by_keyid[s.keyid] = s;
  for (Signature& s : added) by_keyid[s.keyid] = std::move(s);
  std::vector<Signature> merged;
  for (auto& [keyid, s] : by_keyid) merged.push_back(std::move(s));
  return Serialize(envelope.signed_json, merged);
}

}  // namespace mota::tuf
