// Signing and verifying TUF metadata, written as the attacks and behaviours they check.
#include "packager/src/tuf_sign.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "base/file.h"
#include "manifests/lib/tuf/canonical_json.h"
#include "manifests/lib/tuf/verify.h"

namespace mota::packager {
namespace {

namespace fs = std::filesystem;
using tuf::Envelope;

constexpr int64_t kNow = 1800000000;  // 2027-01-15: the injected clock

SigningKey NewKey() {
  Result<SigningKey> key = SigningKey::Generate();
  EXPECT_TRUE(key.ok()) << key.status().message();
  return key.value();
}

// A root trusting `keys` for the root role with `threshold`, the first key for the others.
tuf::Root MakeRoot(const std::vector<SigningKey>& keys, int64_t threshold) {
  tuf::Root root;
  root.version = 1;
  root.expires = kNow + 365 * 86400;
  tuf::RoleKeys root_role;
  for (const SigningKey& k : keys) {
    root.keys[k.keyid()] = k.PublicKey();
    root_role.keyids.push_back(k.keyid());
  }
  root_role.threshold = threshold;
  root.roles["root"] = root_role;
  for (const char* role : {"targets", "snapshot", "timestamp"}) {
    root.roles[role].keyids = {keys[0].keyid()};
  }
  return root;
}

Envelope Parse(const std::string& bytes) {
  Result<Envelope> env = tuf::ParseEnvelope(bytes, "root.json");
  EXPECT_TRUE(env.ok()) << env.status().message();
  return env.value();
}

Status VerifyRoot(const Envelope& env, const tuf::Root& trusted) {
  return tuf::VerifyRole(env, trusted.keys, tuf::AuthorizationOf(trusted.roles.at("root")), "root",
                         "1.root.json");
}

std::string Sign(const tuf::Root& root, const std::vector<const SigningKey*>& keys) {
  Result<std::string> bytes = SignEnvelope(tuf::ToJson(root), keys);
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.value();
}

TEST(TufSign, SignedRootVerifiesAndParsesBackToTheSameBytes) {
  SigningKey k = NewKey();
  tuf::Root root = MakeRoot({k}, 1);
  const std::string bytes = Sign(root, {&k});
  Envelope env = Parse(bytes);
  EXPECT_TRUE(VerifyRoot(env, root).ok()) << VerifyRoot(env, root).message();
  ASSERT_TRUE(tuf::CheckKeyIds(root.keys, "root").ok());
  Result<tuf::Root> parsed = tuf::ParseRoot(env.signed_json, "1.root.json");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(SignEnvelope(tuf::ToJson(parsed.value()), {&k}).value(), bytes);  // deterministic
}

TEST(TufSign, TamperedSignedBodyFailsVerification) {
  SigningKey k = NewKey();
  tuf::Root root = MakeRoot({k}, 1);
  Envelope env = Parse(Sign(root, {&k}));
  env.signed_json["expires"] = "2099-01-01T00:00:00Z";  // an attacker extends the expiry
  Status st = VerifyRoot(env, root);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kVerificationFailed);
  EXPECT_NE(st.message().find("does not verify"), std::string::npos) << st.message();
}

TEST(TufSign, SignatureByAnUnauthorizedKeyDoesNotCount) {
  SigningKey trusted = NewKey(), attacker = NewKey();
  tuf::Root root = MakeRoot({trusted}, 1);
  // The attacker's key is even listed in root.keys (e.g. as a targets key), but not for root.
  root.keys[attacker.keyid()] = attacker.PublicKey();
  Envelope env = Parse(Sign(root, {&attacker}));
  Status st = VerifyRoot(env, root);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("not authorized"), std::string::npos) << st.message();
}

TEST(TufSign, DuplicateSignaturesByOneKeyCountOnceTowardTheThreshold) {
  SigningKey a = NewKey(), b = NewKey();
  tuf::Root root = MakeRoot({a, b}, 2);
  Envelope env = Parse(Sign(root, {&a}));
  env.signatures.push_back(env.signatures[0]);
  env.signatures.push_back(env.signatures[0]);
  Status st = VerifyRoot(env, root);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("has 1 valid signature"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("already counted"), std::string::npos) << st.message();
}

TEST(TufSign, OneKeyListedUnderTwoKeyIdsCountsOnce) {
  SigningKey a = NewKey(), b = NewKey();
  tuf::Root root = MakeRoot({a, b}, 2);
  // A second keyid for a's public key: its signature must not count as a second key.
  const std::string alias(64, 'f');
  root.keys[alias] = a.PublicKey();
  root.roles["root"].keyids.push_back(alias);
  Envelope env = Parse(Sign(root, {&a}));
  tuf::Signature copy = env.signatures[0];
  copy.keyid = alias;
  env.signatures.push_back(copy);
  EXPECT_FALSE(VerifyRoot(env, root).ok());
  EXPECT_FALSE(tuf::CheckKeyIds(root.keys, "root").ok());
}

TEST(TufSign, ThresholdTwoOfThree) {
  SigningKey a = NewKey(), b = NewKey(), c = NewKey();
  tuf::Root root = MakeRoot({a, b, c}, 2);
  EXPECT_FALSE(VerifyRoot(Parse(Sign(root, {&c})), root).ok());
  EXPECT_TRUE(VerifyRoot(Parse(Sign(root, {&a, &c})), root).ok());
  EXPECT_TRUE(VerifyRoot(Parse(Sign(root, {&a, &b, &c})), root).ok());
  // Signing in turn (offline keys on different machines) reaches the threshold too.
  Result<std::string> both = AddSignatures(Parse(Sign(root, {&b})), {&c});
  ASSERT_TRUE(both.ok());
  EXPECT_TRUE(VerifyRoot(Parse(both.value()), root).ok());
  // One valid and one forged signature is still one.
  Envelope forged = Parse(Sign(root, {&a, &b}));
  forged.signatures[1].sig[0] = forged.signatures[1].sig[0] == '0' ? '1' : '0';
  EXPECT_FALSE(VerifyRoot(forged, root).ok());
}

TEST(TufSign, ExpiredMetadataIsRejectedByTheInjectedClock) {
  SigningKey k = NewKey();
  tuf::Root root = MakeRoot({k}, 1);
  root.expires = kNow;
  tuf::Root parsed = tuf::ParseRoot(Parse(Sign(root, {&k})).signed_json, "r").value();
  EXPECT_TRUE(tuf::CheckNotExpired(parsed, kNow - 1, "1.root.json").ok());
  Status st = tuf::CheckNotExpired(parsed, kNow, "1.root.json");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("expired at 2027-01-15T08:00:00Z"), std::string::npos)
      << st.message();
}

TEST(TufSign, VersionRollbackAndRootSkipsAreRejected) {
  EXPECT_FALSE(tuf::CheckNoRollback(5, 4, "timestamp.json").ok());
  EXPECT_TRUE(tuf::CheckNoRollback(5, 5, "timestamp.json").ok());
  EXPECT_TRUE(tuf::CheckRootSuccessor(1, 2, "2.root.json").ok());
  EXPECT_FALSE(tuf::CheckRootSuccessor(1, 3, "3.root.json").ok());
  EXPECT_FALSE(tuf::CheckVersionMatches(3, 2, "2.snapshot.json").ok());
}

TEST(TufSign, UnknownFieldsSurviveParsingSoTheSignatureStillVerifies) {
  SigningKey k = NewKey();
  tuf::Root root = MakeRoot({k}, 1);
  nlohmann::json signed_json = tuf::ToJson(root);
  signed_json["x_future_field"] = {{"nested", 1}};
  signed_json["roles"]["root"]["x_role_note"] = "keep";
  const std::string bytes = SignEnvelope(signed_json, {&k}).value();
  Envelope env = Parse(bytes);
  tuf::Root parsed = tuf::ParseRoot(env.signed_json, "1.root.json").value();
  EXPECT_EQ(tuf::ToJson(parsed), signed_json);
  EXPECT_TRUE(VerifyRoot(env, parsed).ok());
}

TEST(TufSign, DelegatedRoleMayListOnlyItsOwnModelsPaths) {
  const std::string text = R"({"_type":"targets","spec_version":"1.0.31","version":1,
    "expires":"2030-01-01T00:00:00Z","targets":{},
    "delegations":{"keys":{},"roles":[{"name":"mobilenet","keyids":[],"threshold":1,
      "terminating":true,"paths":["models/mobilenet/*"]}]}})";
  Result<tuf::Targets> t = tuf::ParseTargets(tuf::ParseJson(text, "t").value(), "t");
  ASSERT_TRUE(t.ok()) << t.status().message();
  const tuf::DelegatedRole& role = t.value().delegations->roles[0];
  EXPECT_TRUE(tuf::RoleMayList(role, "models/mobilenet/cpu-int8.r3.json"));
  EXPECT_FALSE(tuf::RoleMayList(role, "models/resnet/cpu-int8.r3.json"));
  EXPECT_FALSE(tuf::RoleMayList(role, "models/mobilenet/../resnet/x.json"));
  EXPECT_FALSE(tuf::RoleMayList(role, "models/mobilenet/"));
  EXPECT_FALSE(tuf::RoleMayList(role, "models/mobilenetx/a.json"));
}

TEST(TufSign, MalformedMetadataNamesTheFieldAndTheValue) {
  const std::string text = R"({"_type":"snapshot","spec_version":"1.0.31","version":"7",
    "expires":"2030-01-01T00:00:00Z","meta":{}})";
  Result<tuf::Snapshot> s =
      tuf::ParseSnapshot(tuf::ParseJson(text, "s").value(), "3.snapshot.json");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("3.snapshot.json: signed.version: expected an integer >= 1, "
                                      "got \"7\""),
            std::string::npos)
      << s.status().message();
  Result<int64_t> t = tuf::ParseUtcTime("2030-02-30T00:00:00Z");
  EXPECT_FALSE(t.ok());
  EXPECT_EQ(tuf::FormatUtcTime(tuf::ParseUtcTime("2028-02-29T23:59:59Z").value()),
            "2028-02-29T23:59:59Z");
}

// --- independent implementations ---------------------------------------------------------

class IndependentVerifier : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mota_tuf_indep_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    key_ = NewKey();
    root_ = MakeRoot({key_}, 1);
    // Non-ASCII and escapes inside "signed" exercise the canonical encoding too.
    signed_ = tuf::ToJson(root_);
    signed_["x_note"] = "caf\xc3\xa9 \"quoted\" back\\slash";
    bytes_ = SignEnvelope(signed_, {&key_}).value();
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
  SigningKey key_ = NewKey();
  tuf::Root root_;
  nlohmann::json signed_;
  std::string bytes_;
};

TEST_F(IndependentVerifier, OpenSslCommandLineVerifiesOurSignatureOverTheCanonicalBytes) {
  Envelope env = Parse(bytes_);
  const std::string canonical = tuf::CanonicalJson(env.signed_json).value();
  const std::vector<uint8_t> sig = tuf::FromHex(env.signatures[0].sig, "sig").value();
  ASSERT_TRUE(WriteFileAtomic(Path("canonical.bin"), canonical).ok());
  ASSERT_TRUE(WriteFileAtomic(Path("sig.bin"), sig).ok());
  ASSERT_TRUE(WritePublicKeyPem(Path("pub.pem"), key_.PublicKey()).ok());
  const std::string cmd = "openssl pkeyutl -verify -pubin -inkey " + Path("pub.pem") +
                          " -rawin -in " + Path("canonical.bin") + " -sigfile " + Path("sig.bin") +
                          " > " + Path("out.txt") + " 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << ReadFile(Path("out.txt")).ok();
  // The same check fails on a one-byte change, so the command really verifies.
  ASSERT_TRUE(WriteFileAtomic(Path("canonical.bin"), canonical + " ").ok());
  EXPECT_NE(std::system(cmd.c_str()), 0);
}

TEST_F(IndependentVerifier, SecuresystemslibVerifiesOurSignatureAndCanonicalBytes) {
  if (std::system("/usr/bin/python3 -c 'import securesystemslib' > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "python3-securesystemslib is not installed (apt-get install "
                    "python3-securesystemslib); the OpenSSL CLI check still ran";
  }
  ASSERT_TRUE(WriteFileAtomic(Path("root.json"), bytes_).ok());
  // securesystemslib re-encodes "signed" itself and verifies with its own Ed25519 code.
  const std::string script = R"PY(
import json, sys
from securesystemslib.formats import encode_canonical
from securesystemslib import keys
raw = open(sys.argv[1], 'rb').read()
env = json.loads(raw)
assert encode_canonical(env).encode() == raw, 'file is not canonical JSON'
data = encode_canonical(env['signed']).encode()
k = env['signed']['keys']
for sig in env['signatures']:
    key = dict(k[sig['keyid']]); key['keyid'] = sig['keyid']
    assert keys.verify_signature(key, sig, data), 'signature rejected'
    bad = dict(sig); bad['sig'] = ('1' if sig['sig'][0] == '0' else '0') + sig['sig'][1:]
    assert not keys.verify_signature(key, bad, data), 'forgery accepted'
print('ok')
)PY";
  ASSERT_TRUE(WriteFileAtomic(Path("check.py"), script).ok());
  const std::string cmd = "/usr/bin/python3 " + Path("check.py") + " " + Path("root.json") + " > " +
                          Path("py.txt") + " 2>&1";
  const int rc = std::system(cmd.c_str());
  Result<std::vector<uint8_t>> out = ReadFile(Path("py.txt"));
  EXPECT_EQ(rc, 0) << (out.ok() ? std::string(out->begin(), out->end()) : "");
}

}  // namespace
}  // namespace mota::packager
