#include "manifests/lib/tuf/verify.h"

#include <openssl/evp.h>

#include <set>

#include "manifests/lib/tuf/canonical_json.h"
#include "manifests/lib/tuf/interop_json.h"
#include "manifests/lib/tuf/signature_schemes.h"

namespace mota::tuf {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Short(std::string_view keyid) {
  return std::string(keyid.substr(0, 12)) + (keyid.size() > 12 ? ".." : "");
}

}  // namespace

std::string ToHex(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

Result<std::vector<uint8_t>> FromHex(std::string_view hex, std::string_view what) {
  if (hex.size() % 2 != 0) return Invalid(what, ": hex string has odd length ", hex.size());
  std::vector<uint8_t> out(hex.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    const int hi = HexValue(hex[2 * i]), lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return Invalid(what, ": not a hex digit at position ", 2 * i);
    out[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  return out;
}

std::string Sha256Hex(std::string_view bytes) {
  uint8_t digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  // EVP_Digest with SHA-256 only fails on allocation failure; an empty digest then never
  // matches any expected hash, which fails closed.
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_sha256(), nullptr) != 1) return "";
  return ToHex({digest, size});
}

Result<std::string> KeyId(const Key& key) {
  MOTA_ASSIGN_OR_RETURN(std::string canonical, CanonicalJson(ToJson(key)));
  return Sha256Hex(canonical);
}

Status CheckKeyIds(const std::map<std::string, Key>& keys, std::string_view what) {
  for (const auto& [keyid, key] : keys) {
    MOTA_ASSIGN_OR_RETURN(std::string computed, KeyId(key));
    if (computed != keyid) {
      return Invalid(what, ": keys.", keyid, ": the key's id is ", computed,
                     " (sha256 of its canonical JSON); the listed keyid does not match");
    }
  }
  return Status::Ok();
}

bool IsSupportedKey(const Key& key) {
  return key.keytype == "ed25519" && key.scheme == "ed25519" &&
         key.public_key.size() == 2 * kEd25519PublicKeySize;
}

Result<std::vector<std::string>> ValidSigners(const Envelope& env,
                                              const std::map<std::string, Key>& keys,
                                              const Authorization& auth,
                                              std::vector<std::string>* notes) {
  // The signer's exact bytes, PEM newlines raw as securesystemslib signs them (interop_json.h).
  MOTA_ASSIGN_OR_RETURN(std::string message, SigningBytes(env.signed_json));
  const std::set<std::string> authorized(auth.keyids.begin(), auth.keyids.end());
  std::set<std::string> counted_ids, counted_public;
  std::vector<std::string> signers;
  auto note = [&](const std::string& keyid, const std::string& why) {
    if (notes) notes->push_back(Short(keyid) + " " + why);
  };
  for (const Signature& s : env.signatures) {
    if (!authorized.count(s.keyid)) {
      note(s.keyid, "not authorized for this role");
      continue;
    }
    auto key = keys.find(s.keyid);
    if (key == keys.end()) {
      note(s.keyid, "authorized but not in the key list");
      continue;
    }
    if (counted_ids.count(s.keyid) || counted_public.count(key->second.public_key)) {
      note(s.keyid, "already counted (same key)");
      continue;
    }
    // Every standard scheme (signature_schemes.h); an unusable key just does not count.
    Status st = VerifySignature(key->second, message, s.sig);
    if (!st.ok()) {
      note(s.keyid, st.message());
      continue;
    }
    note(s.keyid, "valid");
    counted_ids.insert(s.keyid);
    counted_public.insert(key->second.public_key);
    signers.push_back(s.keyid);
  }
  return signers;
}

Status VerifyRole(const Envelope& env, const std::map<std::string, Key>& keys,
                  const Authorization& auth, std::string_view role, std::string_view what) {
  std::vector<std::string> notes;
  MOTA_ASSIGN_OR_RETURN(std::vector<std::string> signers, ValidSigners(env, keys, auth, &notes));
  if (auth.threshold >= 1 && static_cast<int64_t>(signers.size()) >= auth.threshold) {
    return Status::Ok();
  }
  std::string detail;
  for (const std::string& n : notes) detail += (detail.empty() ? "" : "; ") + n;
  return Rejected(what, ": role ", role, " has ", signers.size(),
                  " valid signature(s) from distinct authorized keys, threshold is ",
                  auth.threshold, " (", env.signatures.size(),
                  " signature(s): ", detail.empty() ? "none" : detail, ")");
}

Status CheckNotExpired(const Common& signed_part, int64_t now, std::string_view what) {
  if (now < signed_part.expires) return Status::Ok();
  return Rejected(what, ": expired at ", FormatUtcTime(signed_part.expires), ", now is ",
                  FormatUtcTime(now), " (a freeze attack or a stale mirror; refresh the metadata)");
}

Status CheckNoRollback(int64_t trusted_version, int64_t new_version, std::string_view what) {
  if (new_version >= trusted_version) return Status::Ok();
  return Rejected(what, ": version ", new_version, " is lower than the trusted version ",
                  trusted_version, " (rollback)");
}

Status CheckRootSuccessor(int64_t trusted_version, int64_t new_version, std::string_view what) {
  if (new_version == trusted_version + 1) return Status::Ok();
  return Rejected(what, ": root version ", new_version, " does not follow the trusted version ",
                  trusted_version, " (expected ", trusted_version + 1, ")");
}

Status CheckVersionMatches(int64_t expected, int64_t actual, std::string_view what) {
  if (expected == actual) return Status::Ok();
  return Rejected(what, ": version ", actual, " differs from the version ", expected,
                  " the referring metadata lists");
}

bool PathMatchesPattern(std::string_view path, std::string_view pattern) {
  if (pattern.empty()) return path.empty();
  if (pattern[0] == '*') {
    // One or more non-'/' characters, then the rest of the pattern.
    for (size_t n = 1; n <= path.size() && path[n - 1] != '/'; ++n) {
      if (PathMatchesPattern(path.substr(n), pattern.substr(1))) return true;
    }
    return false;
  }
  if (path.empty()) return false;
  const bool same = pattern[0] == '?' ? path[0] != '/' : pattern[0] == path[0];
  return same && PathMatchesPattern(path.substr(1), pattern.substr(1));
}

bool RoleMayList(const DelegatedRole& role, std::string_view path) {
  if (!role.paths) return false;
  for (const std::string& pattern : *role.paths) {
    if (PathMatchesPattern(path, pattern)) return true;
  }
  return false;
}

}  // namespace mota::tuf
