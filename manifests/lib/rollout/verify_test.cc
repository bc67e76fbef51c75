// A device's check of a rollout document, read as attacks: each tampering is refused.
#include "manifests/lib/rollout/verify.h"

#include <gtest/gtest.h>

#include "manifests/lib/tuf/verify.h"
#include "manifests/lib/tuf_sign/keys.h"
#include "manifests/lib/tuf_sign/sign.h"

namespace mota::rollout {
namespace {

constexpr int64_t kNow = 1'800'000'000;

class VerifyRolloutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    snapshot_ = tuf::SigningKey::Generate().value();
    other_ = tuf::SigningKey::Generate().value();
    root_.keys[snapshot_.keyid()] = snapshot_.PublicKey();
    root_.keys[other_.keyid()] = other_.PublicKey();
    root_.roles["snapshot"].keyids = {snapshot_.keyid()};
    root_.roles["targets"].keyids = {other_.keyid()};
    doc_.model = "mlp";
    doc_.version = 3;
    doc_.expires = kNow + 100;
    ReleaseRollout e;
    e.release = 2;
    e.basis_points = 1000;
    doc_.releases = {e};
  }
  std::string Sign(const Rollout& doc, const tuf::SigningKey& key) {
    return tuf::SignEnvelope(ToJson(doc), {&key}).value();
  }
  tuf::MetaFile Listed(const std::string& bytes, int64_t version) {
    tuf::MetaFile m;
    m.version = version;
    m.length = static_cast<int64_t>(bytes.size());
    m.hashes["sha256"] = tuf::Sha256Hex(bytes);
    return m;
  }
  void ExpectRefused(const std::string& bytes, const tuf::MetaFile& listed, int64_t trusted,
                     int64_t now, const std::string& why) {
    Result<Rollout> r = VerifyRolloutDocument(bytes, root_, listed, trusted, now, "mlp");
    ASSERT_FALSE(r.ok()) << why;
    EXPECT_NE(r.status().message().find(why), std::string::npos) << r.status().message();
  }

  tuf::SigningKey snapshot_, other_;
  tuf::Root root_;
  Rollout doc_;
};

TEST_F(VerifyRolloutTest, genuine_document_verifies) {
  const std::string bytes = Sign(doc_, snapshot_);
  Result<Rollout> r = VerifyRolloutDocument(bytes, root_, Listed(bytes, 3), 2, kNow, "mlp");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->Find(2)->basis_points, 1000);
}

TEST_F(VerifyRolloutTest, tampered_document_is_refused_by_its_hash) {
  const std::string bytes = Sign(doc_, snapshot_);
  std::string tampered = bytes;
  tampered.replace(tampered.find("1000"), 4, "9000");
  ExpectRefused(tampered, Listed(bytes, 3), 0, kNow, "sha256");
}

TEST_F(VerifyRolloutTest, document_signed_by_a_key_other_than_the_snapshot_role_is_refused) {
  const std::string bytes = Sign(doc_, other_);  // e.g. the (offline) targets key
  ExpectRefused(bytes, Listed(bytes, 3), 0, kNow, "role rollout has 0");
}

TEST_F(VerifyRolloutTest, rollback_to_an_older_document_is_refused) {
  const std::string bytes = Sign(doc_, snapshot_);
  ExpectRefused(bytes, Listed(bytes, 3), 4, kNow, "version 3 is lower than the trusted version 4");
}

TEST_F(VerifyRolloutTest, version_other_than_the_snapshot_lists_is_refused) {
  const std::string bytes = Sign(doc_, snapshot_);
  ExpectRefused(bytes, Listed(bytes, 5), 0, kNow, "version 3 differs from the version 5");
}

TEST_F(VerifyRolloutTest, expired_document_is_refused) {
  const std::string bytes = Sign(doc_, snapshot_);
  ExpectRefused(bytes, Listed(bytes, 3), 0, kNow + 100, "expired");
}

TEST_F(VerifyRolloutTest, another_models_document_is_refused) {
  doc_.model = "other";
  const std::string bytes = Sign(doc_, snapshot_);
  ExpectRefused(bytes, Listed(bytes, 3), 0, kNow, "is for model 'other'");
}

}  // namespace
}  // namespace mota::rollout
