// Canonical JSON vectors: the bytes every signer and verifier must agree on.
#include "manifests/lib/tuf/canonical_json.h"

#include <gtest/gtest.h>

namespace mota::tuf {
namespace {

std::string Canon(std::string_view text) {
  Result<nlohmann::json> doc = ParseJson(text, "test.json");
  EXPECT_TRUE(doc.ok()) << doc.status().message();
  if (!doc.ok()) return "";
  Result<std::string> out = CanonicalJson(doc.value());
  EXPECT_TRUE(out.ok()) << out.status().message();
  return out.ok() ? out.value() : "";
}

TEST(CanonicalJson, KeysAreSortedByBytesAndWhitespaceIsRemoved) {
  EXPECT_EQ(Canon(R"( { "b" : 1, "a" : [ 2 , 3 ], "B": true, "aa": null } )"),
            R"({"B":true,"a":[2,3],"aa":null,"b":1})");
}

TEST(CanonicalJson, NestedObjectsAreSortedAtEveryLevel) {
  EXPECT_EQ(Canon(R"({"z":{"y":{"x":1,"w":[{"b":0,"a":-5}]}},"_type":"root"})"),
            R"({"_type":"root","z":{"y":{"w":[{"a":-5,"b":0}],"x":1}}})");
}

TEST(CanonicalJson, OnlyQuoteAndBackslashAreEscaped) {
  // Input escapes \u0041 and \/ become raw bytes; only " and \ are escaped on output.
  EXPECT_EQ(Canon(R"({"s":"a\"b\\c\u0041d\/g\u007f"})"),
            std::string("{\"s\":\"a\\\"b\\\\cAd/g\x7f\"}"));
}

// Found by tests/fuzz/tuf_metadata_fuzz.cc: canonical(parse(x)) did not parse again when x held
// an escaped control character, because canonical JSON writes it raw.
TEST(CanonicalJson, control_character_in_string_or_key_is_rejected) {
  for (const char* text :
       {R"({"s":"a\u0001b"})", R"({"s":"line\nbreak"})", R"({"k\t":1})", R"(["\u0000"])"}) {
    Result<nlohmann::json> doc = ParseJson(text, "test.json");
    ASSERT_FALSE(doc.ok()) << text;
    EXPECT_NE(doc.status().message().find("control character U+00"), std::string::npos)
        << doc.status().message();
  }
  nlohmann::json value = {{"ok", "fine"}, {"reason", "two\nlines"}};
  Result<std::string> bytes = CanonicalJson(value);
  ASSERT_FALSE(bytes.ok());
  EXPECT_NE(bytes.status().message().find("$.reason: string holds control character U+000A"),
            std::string::npos)
      << bytes.status().message();
}

TEST(CanonicalJson, UnicodePassesThroughAsUtf8Bytes) {
  EXPECT_EQ(Canon(R"({"m":"\u00e9\u4e2d","k\u00e9":"😀"})"),
            "{\"k\xc3\xa9\":\"\xf0\x9f\x98\x80\",\"m\":\"\xc3\xa9\xe4\xb8\xad\"}");
}

TEST(CanonicalJson, IntegersKeepTheirFullRange) {
  EXPECT_EQ(Canon(R"([0,-1,9223372036854775807,-9223372036854775808,18446744073709551615])"),
            "[0,-1,9223372036854775807,-9223372036854775808,18446744073709551615]");
}

TEST(CanonicalJson, FloatsAreRejectedWhenParsing) {
  for (const char* text :
       {R"({"v":1.5})", R"({"v":1e3})", R"({"v":1.0})", R"({"v":18446744073709551616})"}) {
    Result<nlohmann::json> doc = ParseJson(text, "f.json");
    ASSERT_FALSE(doc.ok()) << text;
    EXPECT_NE(doc.status().message().find("not an integer"), std::string::npos)
        << doc.status().message();
  }
}

TEST(CanonicalJson, FloatsBuiltInCodeAreRejectedWithTheirPath) {
  nlohmann::json v = {{"signed", {{"ratio", 0.5}}}};
  Result<std::string> out = CanonicalJson(v);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("$.signed.ratio"), std::string::npos)
      << out.status().message();
}

TEST(CanonicalJson, DuplicateKeysAreRejected) {
  // Two parsers could pick different values for "version": a signature would then mean two things.
  Result<nlohmann::json> doc = ParseJson(R"({"a":{"version":1,"version":2}})", "dup.json");
  ASSERT_FALSE(doc.ok());
  EXPECT_NE(doc.status().message().find("duplicate object key \"version\""), std::string::npos);
  EXPECT_TRUE(ParseJson(R"({"a":{"v":1},"b":{"v":2}})", "ok.json").ok());
}

TEST(CanonicalJson, InvalidJsonNamesTheFileAndOffset) {
  Result<nlohmann::json> doc = ParseJson(R"({"a":1,})", "broken.json");
  ASSERT_FALSE(doc.ok());
  EXPECT_NE(doc.status().message().find("broken.json: not valid JSON at byte"), std::string::npos)
      << doc.status().message();
  EXPECT_FALSE(ParseJson("{\"a\":\"\xff\"}", "utf8.json").ok());
}

TEST(CanonicalJson, DeepNestingIsRejected) {
  std::string deep(kMaxJsonDepth + 1, '[');
  deep += std::string(kMaxJsonDepth + 1, ']');
  EXPECT_FALSE(ParseJson(deep, "deep.json").ok());
  std::string ok(kMaxJsonDepth, '[');
  ok += std::string(kMaxJsonDepth, ']');
  EXPECT_TRUE(ParseJson(ok, "ok.json").ok());
}

}  // namespace
}  // namespace mota::tuf
