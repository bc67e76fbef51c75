#include "manifests/lib/bundle/assemble.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include "manifests/lib/bundle/test_util.h"
#include "tests/support/test_dir.h"

namespace mota::bundle {
namespace {

namespace fs = std::filesystem;

class Assemble : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test_support::PerTestDir("mota_assemble");
    fs::create_directories(dir_);
    file_ = testing::MakeModel({100, 20, 3000, 2500000, 300000, 7}, 9);
    packed_ = testing::Pack(file_);
    for (size_t i = 0; i < packed_.frames.size(); ++i)
      store_[packed_.index.chunks[i].sha256] = packed_.frames[i];
  }
  void TearDown() override { fs::remove_all(dir_); }

  ChunkSource Source() {
    return [this](const ChunkRef& c) -> Result<std::vector<uint8_t>> {
      auto it = store_.find(c.sha256);
      if (it == store_.end()) return Status(StatusCode::kNotFound, "no blob " + c.sha256);
      return it->second;
    };
  }
  std::string Out() const { return (dir_ / "model.mota").string(); }
  std::vector<uint8_t> ReadOut() const {
    std::ifstream in(Out(), std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
  }
  // Only `expected` files in the directory: no temporary file survives a failure.
  void ExpectDirHolds(size_t expected) const {
    EXPECT_EQ(
        static_cast<size_t>(std::distance(fs::directory_iterator(dir_), fs::directory_iterator())),
        expected);
  }
  void ExpectVerificationFailure(const Status& s, const std::string& fragment) {
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.code(), StatusCode::kVerificationFailed) << s.ToString();
    EXPECT_NE(s.message().find(fragment), std::string::npos) << s.ToString();
    EXPECT_FALSE(fs::exists(Out()));
    ExpectDirHolds(0);
  }

  fs::path dir_;
  std::vector<uint8_t> file_;
  testing::Packed packed_;
  std::map<std::string, std::vector<uint8_t>> store_;
};

TEST_F(Assemble, compressed_chunks_reassemble_byte_exact) {
  Status s = AssembleFile(packed_.index, Source(), Out());
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(ReadOut(), file_);
  ExpectDirHolds(1);
}

TEST_F(Assemble, raw_chunks_from_a_local_copy_are_accepted) {
  for (const ChunkRef& c : packed_.index.chunks) {
    store_[c.sha256] =
        std::vector<uint8_t>(file_.begin() + c.offset, file_.begin() + c.offset + c.size);
  }
  ASSERT_TRUE(AssembleFile(packed_.index, Source(), Out()).ok());
  EXPECT_EQ(ReadOut(), file_);
}

TEST_F(Assemble, corrupted_chunk_fails_verification_naming_the_chunk) {
  store_[packed_.index.chunks[3].sha256][100] ^= 1;
  ExpectVerificationFailure(AssembleFile(packed_.index, Source(), Out()),
                            "chunk 3 (offset " + std::to_string(packed_.index.chunks[3].offset));
}

TEST_F(Assemble, truncated_chunk_fails_verification) {
  store_[packed_.index.chunks[2].sha256].pop_back();
  ExpectVerificationFailure(AssembleFile(packed_.index, Source(), Out()), "chunk 2");
}

TEST_F(Assemble, a_frame_swapped_for_another_chunk_fails_verification) {
  store_[packed_.index.chunks[1].sha256] = store_[packed_.index.chunks[2].sha256];
  ExpectVerificationFailure(AssembleFile(packed_.index, Source(), Out()), "chunk 1");
}

TEST_F(Assemble, a_frame_decoding_to_other_content_fails_verification) {
  // An index whose hashes are self-consistent but describe a frame of different content.
  VariantIndex index = packed_.index;
  ChunkRef& c = index.chunks[0];
  std::vector<uint8_t> other(c.size, 0x55);
  std::vector<uint8_t> frame(ZSTD_compressBound(other.size()));
  frame.resize(ZSTD_compress(frame.data(), frame.size(), other.data(), other.size(), 3));
  c.zstd_sha256 = Sha256Hex(frame);
  c.zstd_size = frame.size();
  store_[c.sha256] = frame;
  ExpectVerificationFailure(AssembleFile(index, Source(), Out()), "the frame decodes to sha256");
}

TEST_F(Assemble, wrong_size_in_the_index_fails_verification) {
  VariantIndex index = packed_.index;
  // Shift one byte from chunk 2 to chunk 3: still a valid, contiguous index.
  index.chunks[2].size -= 1;
  index.chunks[3].offset -= 1;
  index.chunks[3].size += 1;
  // Both entries are now wrong; the assembler's workers verify chunks in parallel and the first
  // failure reported may be either (the run of 2026-11-27 04:58 saw chunk 3).
  const Status s = AssembleFile(index, Source(), Out());
  const bool names_a_wrong_chunk = s.message().find("chunk 2 ") != std::string::npos ||
                                   s.message().find("chunk 3 ") != std::string::npos;
  EXPECT_TRUE(names_a_wrong_chunk) << s.ToString();
  ExpectVerificationFailure(s, "the chunk was not used");
}

TEST_F(Assemble, a_whole_file_hash_mismatch_fails_and_names_the_file) {
  VariantIndex index = packed_.index;
  index.sha256 = std::string(64, '0');
  ExpectVerificationFailure(AssembleFile(index, Source(), Out()), "the assembled file: sha256");
}

TEST_F(Assemble, an_invalid_index_writes_nothing) {
  VariantIndex index = packed_.index;
  std::swap(index.chunks[1], index.chunks[2]);
  Status s = AssembleFile(index, Source(), Out());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  ExpectDirHolds(0);
}

TEST_F(Assemble, a_source_error_is_passed_through_with_the_chunk) {
  store_.erase(packed_.index.chunks[4].sha256);
  Status s = AssembleFile(packed_.index, Source(), Out());
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_NE(s.message().find("chunk 4 (sha256 " + packed_.index.chunks[4].sha256),
            std::string::npos);
  ExpectDirHolds(0);
}

TEST_F(Assemble, a_failed_update_leaves_the_previous_file_untouched) {
  ASSERT_TRUE(AssembleFile(packed_.index, Source(), Out()).ok());
  store_[packed_.index.chunks[3].sha256][7] ^= 0x80;
  EXPECT_EQ(AssembleFile(packed_.index, Source(), Out()).code(), StatusCode::kVerificationFailed);
  EXPECT_EQ(ReadOut(), file_);
  ExpectDirHolds(1);
}

TEST(DecodeVerified, a_frame_declaring_another_size_is_rejected_before_decoding) {
  std::vector<uint8_t> raw(1000, 1);
  std::vector<uint8_t> frame(ZSTD_compressBound(raw.size()));
  frame.resize(ZSTD_compress(frame.data(), frame.size(), raw.data(), raw.size(), 3));
  auto got = DecodeVerified("blob x", Sha256Hex(raw), 999, Sha256Hex(frame), frame.size(), frame);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("declares 1000 bytes, expected 999"), std::string::npos)
      << got.status().ToString();
}

}  // namespace
}  // namespace mota::bundle
