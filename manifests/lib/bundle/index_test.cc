#include "manifests/lib/bundle/index.h"

#include <gtest/gtest.h>

#include "manifests/lib/bundle/test_util.h"

namespace mota::bundle {
namespace {

VariantIndex SampleIndex() {
  auto packed = testing::Pack(testing::MakeModel({100, 300000, 5000, 2500000}));
  VariantIndex index = packed.index;
  BlobRef in{"input", std::string(64, 'a'), 602112, std::string(64, 'b'), 500000};
  BlobRef out{"output", std::string(64, 'c'), 4128, std::string(64, 'd'), 3000};
  index.selftest.vectors.push_back({{in}, {out}});
  index.selftest.max_abs_error = "1e-3";
  index.selftest.min_cosine = "0.995";
  return index;
}

std::string Serialized(const VariantIndex& index) {
  auto text = SerializeIndex(index);
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  return text.ok() ? text.value() : "";
}

void ExpectRejected(const std::string& text, const std::string& fragment) {
  auto parsed = ParseIndex(text);
  ASSERT_FALSE(parsed.ok()) << "accepted: " << text.substr(0, 200);
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(parsed.status().message().find(fragment), std::string::npos)
      << parsed.status().ToString();
}

void ExpectInvalid(const VariantIndex& index, const std::string& fragment) {
  Status s = ValidateIndex(index);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(fragment), std::string::npos) << s.ToString();
  EXPECT_FALSE(SerializeIndex(index).ok()) << "an invalid index must never be serialized";
}

void Replace(std::string* text, const std::string& from, const std::string& to) {
  size_t at = text->find(from);
  ASSERT_NE(at, std::string::npos) << from;
  text->replace(at, from.size(), to);
}

TEST(VariantIndex, serialize_then_parse_round_trips_exactly) {
  VariantIndex index = SampleIndex();
  std::string text = Serialized(index);
  auto parsed = ParseIndex(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed.value(), index);
  EXPECT_EQ(Serialized(parsed.value()), text);
}

TEST(VariantIndex, canonical_form_has_sorted_keys_and_no_whitespace) {
  std::string text = Serialized(SampleIndex());
  EXPECT_EQ(text.find_first_of(" \n\t"), std::string::npos);
  EXPECT_EQ(text.rfind("{\"chunks\":[{\"offset\":0,\"sha256\":\"", 0), 0u) << text.substr(0, 60);
  EXPECT_NE(
      text.find("\"format_version\":1,\"selftest\":{\"tolerance\":{\"max_abs_error\":\"1e-3\","
                "\"min_cosine\":\"0.995\"},\"vectors\":[{\"inputs\":[{\"name\":\"input\""),
      std::string::npos);
  EXPECT_NE(text.find(",\"type\":\"mota-variant-index\"}"), std::string::npos);
}

TEST(VariantIndex, whitespace_or_repeated_keys_are_not_canonical) {
  std::string text = Serialized(SampleIndex());
  ExpectRejected(" " + text, "canonical");
  std::string repeated = text;
  Replace(&repeated, "{\"chunks\":", "{\"type\":\"mota-variant-index\",\"chunks\":");
  ExpectRejected(repeated, "canonical");
}

TEST(VariantIndex, unknown_key_newer_version_and_wrong_type_are_rejected) {
  std::string text = Serialized(SampleIndex());
  std::string extra = text;
  Replace(&extra, "\"format_version\":1", "\"extra\":1,\"format_version\":1");
  ExpectRejected(extra, "unknown key \"extra\"");
  std::string newer = text;
  Replace(&newer, "\"format_version\":1", "\"format_version\":2");
  ExpectRejected(newer, "format_version: 2, this reader knows only 1");
  std::string other = text;
  Replace(&other, "mota-variant-index", "tuf-targets");
  ExpectRejected(other, "type: \"tuf-targets\"");
  ExpectRejected("[1,2", "not valid JSON");
}

TEST(VariantIndex, floats_negative_numbers_and_strings_for_sizes_are_rejected) {
  std::string text = Serialized(SampleIndex());
  std::string size_field = "\"size\":" + std::to_string(SampleIndex().size);
  std::string as_float = text, negative = text, as_string = text;
  Replace(&as_float, size_field, size_field + ".0");
  ExpectRejected(as_float, "size: expected a non-negative integer");
  Replace(&negative, "\"offset\":0", "\"offset\":-1");
  ExpectRejected(negative, "chunks[0].offset: expected a non-negative integer");
  Replace(&as_string, "\"offset\":0", "\"offset\":\"0\"");
  ExpectRejected(as_string, "chunks[0].offset");
}

TEST(VariantIndex, bad_hex_is_rejected_with_the_field) {
  VariantIndex index = SampleIndex();
  index.chunks[1].sha256.pop_back();
  ExpectInvalid(index, "chunks[1].sha256");
  index = SampleIndex();
  index.chunks[0].zstd_sha256[5] = 'F';  // uppercase is not canonical hex
  ExpectInvalid(index, "chunks[0].zstd_sha256");
  index = SampleIndex();
  index.sha256 = "not-a-hash";
  ExpectInvalid(index, "sha256: \"not-a-hash\"");
}

TEST(VariantIndex, reordered_entries_are_rejected) {
  VariantIndex index = SampleIndex();
  std::swap(index.chunks[0], index.chunks[1]);
  ExpectInvalid(index, "chunks[0].offset");
}

TEST(VariantIndex, index_not_covering_the_file_is_rejected) {
  VariantIndex index = SampleIndex();
  index.chunks.pop_back();
  ExpectInvalid(index, "chunks: cover");
  index = SampleIndex();
  index.size -= 1;
  ExpectInvalid(index, "past the file size");
  index = SampleIndex();
  index.chunks.clear();
  ExpectInvalid(index, "chunks: empty");
}

TEST(VariantIndex, a_gap_or_overlap_between_chunks_is_rejected) {
  VariantIndex index = SampleIndex();
  index.chunks[2].offset += 1;
  ExpectInvalid(index, "chunks[2].offset");
  index = SampleIndex();
  index.chunks[1].size += 64;  // overlaps the next chunk
  ExpectInvalid(index, "chunks[2].offset");
}

TEST(VariantIndex, impossible_sizes_are_rejected) {
  VariantIndex index = SampleIndex();
  index.chunks[0].size = 0;
  ExpectInvalid(index, "chunks[0].size: 0");
  index = SampleIndex();
  index.chunks[0].zstd_size = index.chunks[0].size * 2 + 1000;  // above ZSTD_COMPRESSBOUND
  ExpectInvalid(index, "chunks[0].zstd_size");
  index = SampleIndex();
  index.chunks[0].size = kMaxChunkSize + 1;
  ExpectInvalid(index, "expected 1..67108864");
}

TEST(VariantIndex, repeated_content_must_repeat_the_same_frame) {
  VariantIndex index = SampleIndex();
  ChunkRef copy = index.chunks[0];
  copy.offset = index.size;
  index.chunks.push_back(copy);
  index.size += copy.size;
  EXPECT_TRUE(ValidateIndex(index).ok()) << "identical chunks at two offsets are allowed";
  index.chunks.back().zstd_sha256 = std::string(64, 'e');
  ExpectInvalid(index, "repeats chunks[0] with a different size or zstd frame");
  index.chunks.back() = copy;
  index.chunks.back().sha256 = std::string(64, '7');
  ExpectInvalid(index, "also stands for chunks[0]");
}

TEST(VariantIndex, selftest_names_and_tolerances_are_checked) {
  VariantIndex index = SampleIndex();
  index.selftest.vectors[0].inputs.push_back(index.selftest.vectors[0].inputs[0]);
  ExpectInvalid(index, "selftest.vectors[0].inputs[1].name: \"input\" appears twice");
  index = SampleIndex();
  index.selftest.vectors[0].outputs[0].name = "bad\"name";
  ExpectInvalid(index, "selftest.vectors[0].outputs[0].name");
  index = SampleIndex();
  index.selftest.min_cosine = "-0.5";
  ExpectInvalid(index, "selftest.tolerance.min_cosine");
  index = SampleIndex();
  index.selftest.max_abs_error = "1e";
  ExpectInvalid(index, "selftest.tolerance.max_abs_error");
  index = SampleIndex();
  index.selftest.vectors[0].outputs.clear();
  ExpectInvalid(index, "at least one input and one output");
}

TEST(VariantIndex, an_empty_selftest_is_valid) {
  VariantIndex index = SampleIndex();
  index.selftest = Selftest{};
  std::string text = Serialized(index);
  EXPECT_NE(text.find("\"selftest\":{\"tolerance\":{\"max_abs_error\":\"0\",\"min_cosine\":\"0\"},"
                      "\"vectors\":[]}"),
            std::string::npos);
  EXPECT_TRUE(ParseIndex(text).ok());
}

}  // namespace
}  // namespace mota::bundle
