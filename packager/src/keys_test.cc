// Key files: generation, the 0600 rule, wrong key types, public key formats.
#include "packager/src/keys.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "base/file.h"
#include "manifests/lib/tuf/verify.h"
#include "tests/support/test_dir.h"

namespace mota::packager {
namespace {

namespace fs = std::filesystem;

class KeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test_support::PerTestDir("mota_keys_test");
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

TEST_F(KeysTest, GeneratedPrivateKeyIsWrittenWithMode0600AndLoadsBackToTheSameKey) {
  Result<SigningKey> key = SigningKey::Generate();
  ASSERT_TRUE(key.ok()) << key.status().message();
  EXPECT_EQ(key->PublicKey().keytype, "ed25519");
  EXPECT_EQ(key->PublicKey().public_key.size(), 64u);
  EXPECT_EQ(key->keyid().size(), 64u);
  ASSERT_TRUE(key->SavePrivate(Path("a.key")).ok());
  EXPECT_EQ(ModeOf(Path("a.key")), 0600u);
  Result<SigningKey> loaded = SigningKey::LoadPrivate(Path("a.key"));
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ(loaded->keyid(), key->keyid());
}

TEST_F(KeysTest, PrivateKeyReadableByOthersIsRefusedWithTheFileTheModeAndTheFix) {
  Result<SigningKey> key = SigningKey::Generate();
  ASSERT_TRUE(key.ok());
  ASSERT_TRUE(key->SavePrivate(Path("leaky.key")).ok());
  ASSERT_EQ(::chmod(Path("leaky.key").c_str(), 0644), 0);
  Result<SigningKey> loaded = SigningKey::LoadPrivate(Path("leaky.key"));
  ASSERT_FALSE(loaded.ok());
  const std::string& msg = loaded.status().message();
  EXPECT_NE(msg.find(Path("leaky.key")), std::string::npos) << msg;
  EXPECT_NE(msg.find("0644"), std::string::npos) << msg;
  EXPECT_NE(msg.find("chmod 600"), std::string::npos) << msg;
  // Group-only access is refused too.
  ASSERT_EQ(::chmod(Path("leaky.key").c_str(), 0640), 0);
  EXPECT_FALSE(SigningKey::LoadPrivate(Path("leaky.key")).ok());
  ASSERT_EQ(::chmod(Path("leaky.key").c_str(), 0600), 0);
  EXPECT_TRUE(SigningKey::LoadPrivate(Path("leaky.key")).ok());
}

TEST_F(KeysTest, ExistingKeyFileIsNeverOverwritten) {
  Result<SigningKey> a = SigningKey::Generate();
  Result<SigningKey> b = SigningKey::Generate();
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(a->SavePrivate(Path("k.key")).ok());
  Status st = b->SavePrivate(Path("k.key"));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("already exists"), std::string::npos) << st.message();
  EXPECT_EQ(SigningKey::LoadPrivate(Path("k.key"))->keyid(), a->keyid());
}

TEST_F(KeysTest, KeyOfTheWrongTypeIsRefused) {
  EVP_PKEY* ec = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  ASSERT_NE(ec, nullptr);
  FILE* f = std::fopen(Path("ec.key").c_str(), "w");
  ASSERT_NE(f, nullptr);
  PEM_write_PrivateKey(f, ec, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  EVP_PKEY_free(ec);
  ASSERT_EQ(::chmod(Path("ec.key").c_str(), 0600), 0);
  Result<SigningKey> loaded = SigningKey::LoadPrivate(Path("ec.key"));
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find("Ed25519"), std::string::npos)
      << loaded.status().message();
}

TEST_F(KeysTest, GarbageKeyFileIsRefusedClearly) {
  ASSERT_TRUE(WriteFileAtomic(Path("junk.key"), std::string("not a key")).ok());
  ASSERT_EQ(::chmod(Path("junk.key").c_str(), 0600), 0);
  Result<SigningKey> loaded = SigningKey::LoadPrivate(Path("junk.key"));
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find("not a PEM private key"), std::string::npos);
  EXPECT_FALSE(SigningKey::LoadPrivate(Path("missing.key")).ok());
}

TEST_F(KeysTest, PublicKeyPemAndTufJsonLoadToTheSameKeyId) {
  Result<SigningKey> key = SigningKey::Generate();
  ASSERT_TRUE(key.ok());
  ASSERT_TRUE(WritePublicKeyPem(Path("k.pub"), key->PublicKey()).ok());
  Result<tuf::Key> from_pem = LoadPublicKey(Path("k.pub"));
  ASSERT_TRUE(from_pem.ok()) << from_pem.status().message();
  EXPECT_EQ(tuf::KeyId(from_pem.value()).value(), key->keyid());

  ASSERT_TRUE(WriteFileAtomic(Path("k.json"), tuf::ToJson(key->PublicKey()).dump()).ok());
  Result<tuf::Key> from_json = LoadPublicKey(Path("k.json"));
  ASSERT_TRUE(from_json.ok()) << from_json.status().message();
  EXPECT_EQ(tuf::KeyId(from_json.value()).value(), key->keyid());

  ASSERT_TRUE(key->SavePrivate(Path("k.key")).ok());
  Result<tuf::Key> private_given = LoadPublicKey(Path("k.key"));
  ASSERT_FALSE(private_given.ok());
  EXPECT_NE(private_given.status().message().find("is a private key"), std::string::npos);
}

}  // namespace
}  // namespace mota::packager
