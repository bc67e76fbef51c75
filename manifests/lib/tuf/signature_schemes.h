// Every standard TUF key type and signature scheme, verified through OpenSSL, so metadata written
// by other TUF implementations (python-tuf / securesystemslib, go-tuf, tuf-on-ci) verifies:
//
//   keytype                         scheme                 keyval.public      sig (hex of)
//   ed25519                         ed25519                64 hex digits      64 raw bytes
//   ecdsa | ecdsa-sha2-nistp256     ecdsa-sha2-nistp256    PEM (SPKI)*        DER ECDSA-Sig-Value
//   ecdsa | ecdsa-sha2-nistp384     ecdsa-sha2-nistp384    PEM (SPKI)         DER ECDSA-Sig-Value
//   rsa                             rsassa-pss-sha256|384|512   PEM (SPKI)    RSASSA-PSS, any salt
//   rsa                             rsa-pkcs1v15-sha256|384|512 PEM (SPKI)    PKCS #1 v1.5
//   (*) or, as go-tuf v0 wrote them, the hex of the uncompressed SEC1 point.
//
// A key of an unknown type or scheme, or one whose public key does not parse, is not an error of
// the metadata: it is unusable, and its signatures simply do not count toward a threshold (TUF
// lets a repository list keys some clients cannot use). Target and metadata hashes: sha256 and
// sha512 (sha384 too); unknown algorithms are skipped, but at least one known one must be given.
//
//   if (KeyIsUsable(key)) MOTA_RETURN_IF_ERROR(VerifySignature(key, canonical_signed, sig_hex));
//   MOTA_RETURN_IF_ERROR(VerifyLengthAndHashes(bytes, file.length, file.hashes, "targets/a.bin"));
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "manifests/lib/tuf/metadata.h"
#include "manifests/lib/tuf/status.h"

namespace mota::tuf {

// True when this build can verify signatures by `key` (type, scheme and public key all known and
// well formed). Cheap enough to call per signature.
bool KeyIsUsable(const Key& key);

// One signature by `key` over `message`. VerificationFailed when it does not verify;
// Unimplemented for an unknown type/scheme; InvalidArgument for a malformed key or signature.
Status VerifySignature(const Key& key, std::string_view message, std::string_view sig_hex);

// Lowercase hex digest of `bytes` for "sha256", "sha384" or "sha512"; nullopt for anything else.
std::optional<std::string> HashHex(std::string_view algorithm, std::string_view bytes);

// Checks `bytes` against every known algorithm in `hashes` (at least one must be known) and, when
// given, the exact `length`. `what` names the file in errors.
Status VerifyLengthAndHashes(std::string_view bytes, std::optional<int64_t> length,
                             const std::map<std::string, std::string>& hashes,
                             std::string_view what);
// Only the hashes (for metadata whose referrer lists no hashes this is not called).
Status VerifyHashes(std::string_view bytes, const std::map<std::string, std::string>& hashes,
                    std::string_view what);

}  // namespace mota::tuf
