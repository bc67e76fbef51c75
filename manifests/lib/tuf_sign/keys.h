// Ed25519 signing keys for TUF metadata, shared by the packager (offline keys) and the update
// server (online snapshot/timestamp keys) (manifests/spec/repository.md "Keys and signatures").
//
// Files:
//   NAME.key  the private key, PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"), mode 0600. Loading
//             refuses a file that group or others may read or write, naming the file and its
//             mode: a key others can read must be treated as leaked.
//   NAME.pub  the public key, SubjectPublicKeyInfo PEM ("-----BEGIN PUBLIC KEY-----"), which
//             `openssl pkeyutl -verify -pubin -inkey NAME.pub` reads directly.
// In metadata a key appears as the TUF key object {"keytype": "ed25519", "scheme": "ed25519",
// "keyval": {"public": "<hex>"}}, identified by the sha256 of its canonical JSON (its keyid).
//
//   MOTA_ASSIGN_OR_RETURN(SigningKey key, SigningKey::Generate());
//   MOTA_RETURN_IF_ERROR(key.SavePrivate("release.key"));
//   MOTA_RETURN_IF_ERROR(WritePublicKeyPem("release.pub", key.PublicKey()));
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "manifests/lib/tuf/metadata.h"
#include "manifests/lib/tuf/status.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace mota::tuf {

// An Ed25519 private key. Copyable (shares the OpenSSL key, which is immutable once made).
class SigningKey {
 public:
  static Result<SigningKey> Generate();
  // Reads a PKCS#8 PEM private key; refuses group/other permissions and non-Ed25519 keys.
  static Result<SigningKey> LoadPrivate(const std::string& path);
  // Writes the PEM private key with mode 0600. Refuses to overwrite an existing file.
  Status SavePrivate(const std::string& path) const;

  // The public half as a TUF key object, and its keyid.
  const Key& PublicKey() const { return public_key_; }
  const std::string& keyid() const { return keyid_; }
  // The Ed25519 signature (64 bytes) over `message`. Deterministic (RFC 8032).
  Result<std::vector<uint8_t>> Sign(std::span<const uint8_t> message) const;

 private:
  static Result<SigningKey> FromPkey(std::shared_ptr<EVP_PKEY> pkey);
  std::shared_ptr<EVP_PKEY> pkey_;
  Key public_key_;
  std::string keyid_;
};

// NAME.pub: the SubjectPublicKeyInfo PEM of an Ed25519 TUF key. Refuses to overwrite.
Status WritePublicKeyPem(const std::string& path, const Key& key);
// Reads a public key: SubjectPublicKeyInfo PEM, or a TUF key object in JSON. Ed25519 only.
Result<Key> LoadPublicKey(const std::string& path);

}  // namespace mota::tuf
