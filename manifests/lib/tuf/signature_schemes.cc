#include "manifests/lib/tuf/signature_schemes.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <cctype>
#include <memory>
#include <vector>

#include "manifests/lib/tuf/verify.h"

namespace mota::tuf {
namespace {

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct BioDeleter {
  void operator()(BIO* p) const { BIO_free(p); }
};
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

enum class Family { kEd25519, kEcdsa, kRsaPss, kRsaPkcs1, kUnknown };

struct Scheme {
  Family family = Family::kUnknown;
  const EVP_MD* md = nullptr;
  const char* curve = nullptr;  // OpenSSL group name for ECDSA
};

const EVP_MD* ShaOf(std::string_view suffix) {
  if (suffix == "sha256") return EVP_sha256();
  if (suffix == "sha384") return EVP_sha384();
  if (suffix == "sha512") return EVP_sha512();
  return nullptr;
}

// The scheme a key's (keytype, scheme) pair names, or kUnknown. The keytype must agree with the
// scheme, so an RSA key cannot be used with an ECDSA scheme name or the other way round.
Scheme SchemeOf(const Key& key) {
  const std::string& t = key.keytype;
  const std::string& s = key.scheme;
  if (t == "ed25519" && s == "ed25519") return {Family::kEd25519, nullptr, nullptr};
  if (s == "ecdsa-sha2-nistp256" && (t == "ecdsa" || t == s)) {
    return {Family::kEcdsa, EVP_sha256(), "prime256v1"};
  }
  if (s == "ecdsa-sha2-nistp384" && (t == "ecdsa" || t == s)) {
    return {Family::kEcdsa, EVP_sha384(), "secp384r1"};
  }
  if (t == "rsa" && s.rfind("rsassa-pss-", 0) == 0) {
    if (const EVP_MD* md = ShaOf(std::string_view(s).substr(11))) return {Family::kRsaPss, md};
  }
  if (t == "rsa" && s.rfind("rsa-pkcs1v15-", 0) == 0) {
    if (const EVP_MD* md = ShaOf(std::string_view(s).substr(13))) return {Family::kRsaPkcs1, md};
  }
  return {};
}

// go-tuf before v2 wrote ECDSA public keys as the hex of the SEC1 point (04 || x || y).
PkeyPtr EcPointKey(const std::string& hex, const char* curve) {
  Result<std::vector<uint8_t>> point = FromHex(hex, "keyval.public");
  if (!point.ok() || point.value().empty()) return nullptr;
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(curve), 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.value().data(),
                                        point.value().size()),
      OSSL_PARAM_construct_end()};
  EVP_PKEY* pkey = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    return nullptr;
  }
  return PkeyPtr(pkey);
}

// The OpenSSL key for `key`, checked to be of the scheme's algorithm (and curve), else null.
PkeyPtr PublicKeyOf(const Key& key, const Scheme& scheme) {
  if (scheme.family == Family::kUnknown) return nullptr;
  if (scheme.family == Family::kEd25519) {
    if (key.public_key.size() != 2 * kEd25519PublicKeySize) return nullptr;
    Result<std::vector<uint8_t>> raw = FromHex(key.public_key, "keyval.public");
    if (!raw.ok()) return nullptr;
    return PkeyPtr(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, raw.value().data(),
                                               raw.value().size()));
  }
  if (scheme.family == Family::kEcdsa && key.public_key.rfind("-----BEGIN", 0) != 0) {
    return EcPointKey(key.public_key, scheme.curve);
  }
  std::unique_ptr<BIO, BioDeleter> bio(
      BIO_new_mem_buf(key.public_key.data(), static_cast<int>(key.public_key.size())));
  if (!bio) return nullptr;
  PkeyPtr pkey(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!pkey) return nullptr;
  if (scheme.family == Family::kEcdsa) {
    char group[64] = {0};
    size_t len = 0;
    if (!EVP_PKEY_is_a(pkey.get(), "EC") ||
        EVP_PKEY_get_group_name(pkey.get(), group, sizeof(group), &len) != 1 ||
        std::string_view(group, len) != scheme.curve) {
      return nullptr;
    }
  } else if (!EVP_PKEY_is_a(pkey.get(), "RSA")) {
    return nullptr;
  }
  return pkey;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

bool KeyIsUsable(const Key& key) { return PublicKeyOf(key, SchemeOf(key)) != nullptr; }

Status VerifySignature(const Key& key, std::string_view message, std::string_view sig_hex) {
  const Scheme scheme = SchemeOf(key);
  if (scheme.family == Family::kUnknown) {
    return Status(StatusCode::kUnimplemented,
                  Cat("key type \"", key.keytype, "\" with scheme \"", key.scheme,
                      "\" is not supported (ed25519, ecdsa-sha2-nistp256/384, "
                      "rsassa-pss-sha256/384/512, rsa-pkcs1v15-sha256/384/512 are)"));
  }
  PkeyPtr pkey = PublicKeyOf(key, scheme);
  if (!pkey) {
    return Invalid("keyval.public is not a valid ", key.keytype, " public key for scheme ",
                   key.scheme);
  }
  MOTA_ASSIGN_OR_RETURN(std::vector<uint8_t> sig, FromHex(sig_hex, "sig"));
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, scheme.md, nullptr, pkey.get()) != 1) {
    return Status(StatusCode::kInternal,
                  Cat("OpenSSL could not set up ", key.scheme, " verification"));
  }
  if (scheme.family == Family::kRsaPss) {
    // Writers differ in salt length (securesystemslib: digest length, go-tuf: maximum): AUTO
    // reads it from the signature, which PSS's security proof allows.
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, scheme.md) != 1) {
      return Status(StatusCode::kInternal, "OpenSSL could not set RSASSA-PSS parameters");
    }
  } else if (scheme.family == Family::kRsaPkcs1) {
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
      return Status(StatusCode::kInternal, "OpenSSL could not set PKCS #1 v1.5 padding");
    }
  }
  const int rc =
      EVP_DigestVerify(ctx.get(), sig.data(), sig.size(),
                       reinterpret_cast<const unsigned char*>(message.data()), message.size());
  if (rc != 1) {
    // "Ed25519" as verify.cc always said (golden error files match on it).
    return Rejected(scheme.family == Family::kEd25519 ? "Ed25519" : key.scheme,
                    " signature does not verify");
  }
  return Status::Ok();
}

std::optional<std::string> HashHex(std::string_view algorithm, std::string_view bytes) {
  const EVP_MD* md = ShaOf(algorithm);
  if (!md) return std::nullopt;
  uint8_t digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  // Fails only on allocation failure: an empty digest then matches no expected hash (closed).
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &size, md, nullptr) != 1) return "";
  return ToHex({digest, size});
}

Status VerifyHashes(std::string_view bytes, const std::map<std::string, std::string>& hashes,
                    std::string_view what) {
  int known = 0;
  for (const auto& [algorithm, expected] : hashes) {
    std::optional<std::string> got = HashHex(algorithm, bytes);
    if (!got) continue;  // unknown algorithm: another listed one must vouch for the bytes
    ++known;
    if (*got != Lower(expected)) {
      return Rejected(what, ": ", algorithm, " is ", *got, ", the signed metadata says ", expected,
                      " (wrong or tampered file)");
    }
  }
  if (known == 0) {
    std::string listed;
    for (const auto& [algorithm, unused] : hashes)
      listed += (listed.empty() ? "" : ", ") + algorithm;
    return Rejected(what, ": no supported hash algorithm among {", listed,
                    "} (sha256, sha384, sha512 are supported)");
  }
  return Status::Ok();
}

Status VerifyLengthAndHashes(std::string_view bytes, std::optional<int64_t> length,
                             const std::map<std::string, std::string>& hashes,
                             std::string_view what) {
  if (length && static_cast<int64_t>(bytes.size()) != *length) {
    return Rejected(what, ": ", bytes.size(), " bytes, the signed metadata says ", *length);
  }
  return VerifyHashes(bytes, hashes, what);
}

}  // namespace mota::tuf
