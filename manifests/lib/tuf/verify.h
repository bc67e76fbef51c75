// Verification of TUF metadata: key ids, Ed25519 signatures (OpenSSL EVP, one-shot over the
// canonical bytes of "signed"), thresholds, expiry with an injected clock, version rules and
// delegation path patterns. The rules are manifests/spec/repository.md's.
//
// Nothing here reads the system clock: `now` is passed in (seconds since the Unix epoch), so
// tests and the device's trusted-time logic decide what "now" is.
//
//   MOTA_RETURN_IF_ERROR(VerifyRole(env, trusted_root.keys, trusted_root.roles.at("timestamp"),
//                                  "timestamp", "timestamp.json"));
//   MOTA_ASSIGN_OR_RETURN(Timestamp ts, ParseTimestamp(env.signed_json, "timestamp.json"));
//   MOTA_RETURN_IF_ERROR(CheckNotExpired(ts, now, "timestamp.json"));
//   MOTA_RETURN_IF_ERROR(CheckNoRollback(trusted_ts.version, ts.version, "timestamp.json"));
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "manifests/lib/tuf/metadata.h"
#include "manifests/lib/tuf/status.h"

namespace mota::tuf {

inline constexpr size_t kEd25519PublicKeySize = 32;
inline constexpr size_t kEd25519SignatureSize = 64;

// Lowercase hex, and its strict inverse (even length, [0-9a-fA-F] only).
std::string ToHex(std::span<const uint8_t> bytes);
Result<std::vector<uint8_t>> FromHex(std::string_view hex, std::string_view what);
// Lowercase hex sha256 of `bytes`.
std::string Sha256Hex(std::string_view bytes);

// The key's id: sha256 of the canonical JSON of the whole key object.
Result<std::string> KeyId(const Key& key);
// Every listed keyid must be its key's computed id (so one key cannot hide behind two ids).
Status CheckKeyIds(const std::map<std::string, Key>& keys, std::string_view what);

// True for the key types this build verifies: keytype and scheme "ed25519", 32-byte hex key.
bool IsSupportedKey(const Key& key);

// Who may sign a role: authorized keyids and how many distinct valid signatures are needed.
struct Authorization {
  std::vector<std::string> keyids;
  int64_t threshold = 1;
};
inline Authorization AuthorizationOf(const RoleKeys& r) { return {r.keyids, r.threshold}; }
inline Authorization AuthorizationOf(const DelegatedRole& r) { return {r.keyids, r.threshold}; }

// The distinct authorized keys with a valid signature over env.signed_json. A signature counts
// only when its keyid is in `auth.keyids`, the key is in `keys` and supported, and it verifies;
// a key counts once however often it signed (by keyid and by public key bytes). `notes`, when
// given, gets one line per signature saying why it did or did not count.
Result<std::vector<std::string>> ValidSigners(const Envelope& env,
                                              const std::map<std::string, Key>& keys,
                                              const Authorization& auth,
                                              std::vector<std::string>* notes = nullptr);
// OK when ValidSigners reaches auth.threshold; otherwise VerificationFailed naming the role, the
// count, the threshold and each signature's fate.
Status VerifyRole(const Envelope& env, const std::map<std::string, Key>& keys,
                  const Authorization& auth, std::string_view role, std::string_view what);

// Expired when now >= expires (repository.md).
Status CheckNotExpired(const Common& signed_part, int64_t now, std::string_view what);
// A new version of a non-root role may not be lower than the trusted one.
Status CheckNoRollback(int64_t trusted_version, int64_t new_version, std::string_view what);
// A new root must be exactly trusted + 1.
Status CheckRootSuccessor(int64_t trusted_version, int64_t new_version, std::string_view what);
// The version a snapshot / timestamp promised must be the version received.
Status CheckVersionMatches(int64_t expected, int64_t actual, std::string_view what);

// TUF path pattern: `*` matches one or more characters other than '/', `?` one character other
// than '/', everything else itself.
bool PathMatchesPattern(std::string_view path, std::string_view pattern);
// True when some pattern of the role matches `path` (roles using path_hash_prefixes match none:
// mota does not use them).
bool RoleMayList(const DelegatedRole& role, std::string_view path);

}  // namespace mota::tuf
