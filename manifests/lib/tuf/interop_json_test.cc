#include "manifests/lib/tuf/interop_json.h"

#include <gtest/gtest.h>

#include "manifests/lib/tuf/canonical_json.h"
#include "manifests/lib/tuf/metadata.h"

namespace mota::tuf {
namespace {

constexpr char kPemEnvelope[] =
    R"({"signatures": [{"keyid": "ab", "sig": "cd"}],)"
    R"( "signed": {"b": 1, "a": "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n"}})";

TEST(InteropJson, pem_keys_with_newlines_are_read_and_signed_bytes_keep_them_raw) {
  EXPECT_FALSE(ParseJson(kPemEnvelope, "x").ok());  // mota's own reader refuses them
  Result<Envelope> env = ParseEnvelopeInterop(kPemEnvelope, "x");
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  ASSERT_EQ(env.value().signatures.size(), 1u);
  Result<std::string> bytes = SigningBytes(env.value().signed_json);
  ASSERT_TRUE(bytes.ok());
  // securesystemslib's encode_canonical: sorted keys, raw newlines.
  EXPECT_EQ(bytes.value(),
            "{\"a\":\"-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n\",\"b\":1}");
}

TEST(InteropJson, still_strict_about_duplicates_floats_and_missing_signed) {
  EXPECT_FALSE(ParseJsonInterop(R"({"a": 1, "a": 2})", "x").ok());
  EXPECT_FALSE(ParseJsonInterop(R"({"a": 1.5})", "x").ok());
  EXPECT_FALSE(ParseEnvelopeInterop(R"({"signatures": []})", "x").ok());
  EXPECT_FALSE(ParseEnvelopeInterop(R"({"signatures": [], "signed": 3})", "x").ok());
}

TEST(InteropJson, signing_bytes_equal_canonical_json_without_control_characters) {
  Json doc = Json::parse(R"({"z": [1, true, null, "q\"\\"], "a": {"y": -5}})");
  EXPECT_EQ(SigningBytes(doc).value(), CanonicalJson(doc).value());
}

TEST(InteropJson, unknown_key_type_without_public_parses_and_round_trips) {
  // Other TUF clients accept any keyval for key types they cannot use (tuf-conformance lists
  // such keys in root): the key never counts, but the root must not be refused for it.
  Json raw = Json::parse(R"({"keytype": "x-hsm", "scheme": "x-hsm-v1", "keyval": {"handle": 7}})");
  Result<Key> key = ParseKey(raw, "root.keys.k1");
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_FALSE(key.value().has_public);
  EXPECT_EQ(ToJson(key.value()), raw);
}

TEST(InteropJson, ed25519_key_without_public_is_refused_naming_the_field) {
  Json raw = Json::parse(R"({"keytype": "ed25519", "scheme": "ed25519", "keyval": {}})");
  Result<Key> key = ParseKey(raw, "root.keys.k1");
  ASSERT_FALSE(key.ok());
  EXPECT_NE(key.status().message().find("root.keys.k1.keyval.public"), std::string::npos)
      << key.status().message();
}

}  // namespace
}  // namespace mota::tuf
