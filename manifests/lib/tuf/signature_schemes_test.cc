// Signatures of every standard TUF scheme, made here with OpenSSL keys generated in the test, and
// target hash checks.
#include "manifests/lib/tuf/signature_schemes.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <memory>

#include "manifests/lib/tuf/canonical_json.h"
#include "manifests/lib/tuf/verify.h"

namespace mota::tuf {
namespace {

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

PkeyPtr Generate(const char* algorithm, const char* param) {
  if (std::string(algorithm) == "EC")
    return PkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", param));
  // RSA key generation takes ~0.5 s: one key serves every test.
  static EVP_PKEY* rsa = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048});
  EVP_PKEY_up_ref(rsa);
  return PkeyPtr(rsa);
}

Key PemKey(EVP_PKEY* pkey, const std::string& keytype, const std::string& scheme) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, pkey);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  Key key;
  key.keytype = keytype;
  key.scheme = scheme;
  key.public_key.assign(data, static_cast<size_t>(n));
  BIO_free(bio);
  return key;
}

// pss_salt: kPkcs1 for PKCS #1 v1.5 (and for non-RSA keys), else the RSASSA-PSS salt length
// (RSA_PSS_SALTLEN_*, which are small negative numbers themselves).
constexpr int kPkcs1 = -1000;
std::string SignHex(EVP_PKEY* pkey, const EVP_MD* md, std::string_view message, int pss_salt) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  EXPECT_EQ(EVP_DigestSignInit(ctx, &pctx, md, nullptr, pkey), 1);
  if (EVP_PKEY_is_a(pkey, "RSA")) {
    EVP_PKEY_CTX_set_rsa_padding(pctx,
                                 pss_salt == kPkcs1 ? RSA_PKCS1_PADDING : RSA_PKCS1_PSS_PADDING);
    if (pss_salt != kPkcs1) EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, pss_salt);
  }
  size_t size = 0;
  EVP_DigestSign(ctx, nullptr, &size, reinterpret_cast<const uint8_t*>(message.data()),
                 message.size());
  std::vector<uint8_t> sig(size);
  EXPECT_EQ(EVP_DigestSign(ctx, sig.data(), &size, reinterpret_cast<const uint8_t*>(message.data()),
                           message.size()),
            1);
  sig.resize(size);
  EVP_MD_CTX_free(ctx);
  return ToHex(sig);
}

constexpr std::string_view kMessage = R"({"_type":"timestamp","version":1})";

TEST(SignatureSchemes, ecdsa_p256_signature_verifies_and_a_tampered_one_does_not) {
  PkeyPtr pkey = Generate("EC", "P-256");
  for (const char* keytype : {"ecdsa", "ecdsa-sha2-nistp256"}) {
    const Key key = PemKey(pkey.get(), keytype, "ecdsa-sha2-nistp256");
    EXPECT_TRUE(KeyIsUsable(key));
    const std::string sig = SignHex(pkey.get(), EVP_sha256(), kMessage, kPkcs1);
    EXPECT_TRUE(VerifySignature(key, kMessage, sig).ok()) << keytype;
    EXPECT_EQ(VerifySignature(key, std::string(kMessage) + " ", sig).code(),
              StatusCode::kVerificationFailed);
  }
}

TEST(SignatureSchemes, ecdsa_key_as_hex_point_like_go_tuf_v0_verifies) {
  PkeyPtr pkey = Generate("EC", "P-256");
  uint8_t point[128];
  size_t n = 0;
  ASSERT_EQ(
      EVP_PKEY_get_octet_string_param(pkey.get(), "encoded-pub-key", point, sizeof(point), &n), 1);
  ASSERT_EQ(n, 65u);
  Key key{.keytype = "ecdsa-sha2-nistp256",
          .scheme = "ecdsa-sha2-nistp256",
          .public_key = ToHex({point, n})};
  EXPECT_TRUE(
      VerifySignature(key, kMessage, SignHex(pkey.get(), EVP_sha256(), kMessage, kPkcs1)).ok());
  key.public_key[5] ^= 1;  // another point (or none on the curve)
  EXPECT_FALSE(
      VerifySignature(key, kMessage, SignHex(pkey.get(), EVP_sha256(), kMessage, kPkcs1)).ok());
}

TEST(SignatureSchemes, ecdsa_key_on_another_curve_is_unusable) {
  PkeyPtr pkey = Generate("EC", "P-384");
  EXPECT_FALSE(KeyIsUsable(PemKey(pkey.get(), "ecdsa", "ecdsa-sha2-nistp256")));
  const Key p384 = PemKey(pkey.get(), "ecdsa", "ecdsa-sha2-nistp384");
  EXPECT_TRUE(
      VerifySignature(p384, kMessage, SignHex(pkey.get(), EVP_sha384(), kMessage, kPkcs1)).ok());
}

TEST(SignatureSchemes, rsassa_pss_sha256_verifies_with_any_salt_length) {
  PkeyPtr pkey = Generate("RSA", nullptr);
  const Key key = PemKey(pkey.get(), "rsa", "rsassa-pss-sha256");
  // securesystemslib signs with the digest length, go-tuf with the maximum.
  for (int salt : {RSA_PSS_SALTLEN_DIGEST, RSA_PSS_SALTLEN_MAX}) {
    const std::string sig = SignHex(pkey.get(), EVP_sha256(), kMessage, salt);
    EXPECT_TRUE(VerifySignature(key, kMessage, sig).ok()) << salt;
    EXPECT_EQ(VerifySignature(key, "other", sig).code(), StatusCode::kVerificationFailed);
  }
  // A PKCS #1 v1.5 signature is not a PSS signature.
  EXPECT_FALSE(
      VerifySignature(key, kMessage, SignHex(pkey.get(), EVP_sha256(), kMessage, kPkcs1)).ok());
}

TEST(SignatureSchemes, rsa_pkcs1v15_sha256_verifies) {
  PkeyPtr pkey = Generate("RSA", nullptr);
  const Key key = PemKey(pkey.get(), "rsa", "rsa-pkcs1v15-sha256");
  EXPECT_TRUE(
      VerifySignature(key, kMessage, SignHex(pkey.get(), EVP_sha256(), kMessage, kPkcs1)).ok());
  EXPECT_FALSE(VerifySignature(key, kMessage,
                               SignHex(pkey.get(), EVP_sha256(), kMessage, RSA_PSS_SALTLEN_DIGEST))
                   .ok());
  // An RSA key claiming to be ECDSA is unusable.
  EXPECT_FALSE(KeyIsUsable(PemKey(pkey.get(), "ecdsa", "ecdsa-sha2-nistp256")));
}

TEST(SignatureSchemes, unknown_key_type_is_ignored_for_the_threshold_not_a_crash) {
  PkeyPtr ec = Generate("EC", "P-256");
  PkeyPtr rsa = Generate("RSA", nullptr);
  std::map<std::string, Key> keys = {
      {"ec", PemKey(ec.get(), "ecdsa", "ecdsa-sha2-nistp256")},
      {"rsa", PemKey(rsa.get(), "rsa", "rsassa-pss-sha256")},
      {"pq", Key{.keytype = "sphincs", .scheme = "sphincs-shake-256f", .public_key = "00"}},
  };
  Envelope env;
  env.signed_json = Json::object({{"_type", "timestamp"}, {"version", 1}});
  const std::string message = CanonicalJson(env.signed_json).value();
  env.signatures = {{"ec", SignHex(ec.get(), EVP_sha256(), message, kPkcs1)},
                    {"rsa", SignHex(rsa.get(), EVP_sha256(), message, RSA_PSS_SALTLEN_DIGEST)},
                    {"pq", "abcd"}};
  EXPECT_TRUE(VerifyRole(env, keys, {{"ec", "rsa", "pq"}, 2}, "timestamp", "ts").ok());
  Status st = VerifyRole(env, keys, {{"ec", "rsa", "pq"}, 3}, "timestamp", "ts");
  EXPECT_EQ(st.code(), StatusCode::kVerificationFailed);
  EXPECT_NE(st.message().find("not supported"), std::string::npos) << st.message();
}

TEST(Hashes, sha512_alone_is_enough_and_every_known_hash_must_match) {
  const std::string bytes = "target bytes";
  const std::string sha256 = *HashHex("sha256", bytes), sha512 = *HashHex("sha512", bytes);
  EXPECT_EQ(sha512.size(), 128u);
  EXPECT_TRUE(VerifyLengthAndHashes(bytes, 12, {{"sha512", sha512}}, "t").ok());
  EXPECT_TRUE(VerifyLengthAndHashes(bytes, 12, {{"sha256", sha256}, {"blake9", "00"}}, "t").ok());
  EXPECT_FALSE(
      VerifyLengthAndHashes(bytes, 12, {{"sha256", sha256}, {"sha512", sha256}}, "t").ok());
  EXPECT_FALSE(VerifyLengthAndHashes(bytes, 13, {{"sha256", sha256}}, "t").ok());
  Status none = VerifyLengthAndHashes(bytes, 12, {{"blake9", "00"}}, "t");
  EXPECT_NE(none.message().find("no supported hash algorithm"), std::string::npos);
}

}  // namespace
}  // namespace mota::tuf
