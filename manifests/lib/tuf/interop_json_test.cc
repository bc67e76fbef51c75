#include "manifests/lib/tuf/interop_json.h"

#include <gtest/gtest.h>

#include "manifests/lib/tuf/canonical_json.h"

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

}  // namespace
}  // namespace mota::tuf
