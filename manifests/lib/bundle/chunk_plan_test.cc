#include "manifests/lib/bundle/chunk_plan.h"

#include <gtest/gtest.h>

#include <cstring>

#include "manifests/lib/bundle/test_util.h"

namespace mota::bundle {
namespace {

uint64_t DataOffset(const std::vector<uint8_t>& file) {
  format::ModelHeader h;
  std::memcpy(&h, file.data(), sizeof(h));
  return h.data_offset;
}

void ExpectContiguous(const std::vector<ChunkSpan>& plan, uint64_t size) {
  uint64_t at = 0;
  for (const ChunkSpan& s : plan) {
    EXPECT_EQ(s.offset, at);
    EXPECT_GT(s.size, 0u);
    at += s.size;
  }
  EXPECT_EQ(at, size);
}

TEST(PlanChunks, chunks_cover_the_file_contiguously_and_the_head_stands_alone) {
  auto file = testing::MakeModel({10, 20, 3000, 400000, 7});
  auto plan = PlanChunks(file);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ExpectContiguous(plan.value(), file.size());
  EXPECT_EQ(plan.value()[0], (ChunkSpan{0, DataOffset(file)}));
}

TEST(PlanChunks, small_tensors_are_packed_up_to_the_target) {
  ChunkingOptions options{.pack_target = 1024, .piece_size = 4096};
  // Six 300-byte tensors take 320 bytes each with padding: three fit in 1024.
  auto file = testing::MakeModel({300, 300, 300, 300, 300, 300});
  auto plan = PlanChunks(file, options).value();
  ASSERT_EQ(plan.size(), 3u);
  EXPECT_EQ(plan[1], (ChunkSpan{DataOffset(file), 960}));
  EXPECT_EQ(plan[2], (ChunkSpan{DataOffset(file) + 960, 960}));
}

TEST(PlanChunks, large_tensors_are_split_from_their_own_start) {
  ChunkingOptions options{.pack_target = 1024, .piece_size = 4096};
  auto file = testing::MakeModel({100, 10000, 100});
  auto plan = PlanChunks(file, options).value();
  uint64_t big = DataOffset(file) + 128;
  ASSERT_EQ(plan.size(), 6u);
  EXPECT_EQ(plan[1], (ChunkSpan{DataOffset(file), 128}));  // the small tensor before it, alone
  EXPECT_EQ(plan[2], (ChunkSpan{big, 4096}));
  EXPECT_EQ(plan[3], (ChunkSpan{big + 4096, 4096}));
  EXPECT_EQ(plan[4], (ChunkSpan{big + 8192, 10048 - 8192}));
  EXPECT_EQ(plan[5], (ChunkSpan{big + 10048, 128}));
}

TEST(PlanChunks, a_tensor_that_moves_keeps_its_chunk_bytes) {
  ChunkingOptions options{.pack_target = 1024, .piece_size = 4096};
  // The same big tensor (same seed) after a first tensor of another size.
  auto a = testing::MakeModel({64, 9000}, 5);
  auto b = testing::MakeModel({3000, 9000}, 5);
  auto pa = PlanChunks(a, options).value();
  auto pb = PlanChunks(b, options).value();
  auto last = [](const std::vector<uint8_t>& f, const ChunkSpan& s) {
    return std::vector<uint8_t>(f.begin() + s.offset, f.begin() + s.offset + s.size);
  };
  ASSERT_GE(pa.size(), 3u);
  ASSERT_GE(pb.size(), 3u);
  // Buffer 1 has seed 6 in both files: its pieces are byte-identical.
  EXPECT_EQ(last(a, pa[pa.size() - 1]), last(b, pb[pb.size() - 1]));
  EXPECT_EQ(last(a, pa[pa.size() - 2]), last(b, pb[pb.size() - 2]));
}

TEST(PlanChunks, the_same_bytes_give_the_same_plan) {
  auto file = testing::MakeModel({1, 2, 3, 300000, 2000000, 5});
  EXPECT_EQ(PlanChunks(file).value(), PlanChunks(file).value());
}

TEST(PlanChunks, a_model_without_data_is_one_chunk) {
  auto file = testing::MakeModel({});
  auto plan = PlanChunks(file).value();
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0], (ChunkSpan{0, file.size()}));
}

TEST(PlanChunks, bytes_that_are_not_a_mota_file_are_rejected) {
  auto file = testing::MakeModel({100});
  auto truncated = std::vector<uint8_t>(file.begin(), file.end() - 1);
  EXPECT_NE(PlanChunks(truncated).status().message().find("header file_size"), std::string::npos);
  auto bad_magic = file;
  bad_magic[0] = 'X';
  EXPECT_NE(PlanChunks(bad_magic).status().message().find("magic"), std::string::npos);
  EXPECT_FALSE(PlanChunks(std::vector<uint8_t>(10, 0)).ok());
  auto bad_graph = file;
  bad_graph[64] ^= 0xff;  // the FlatBuffer's root offset
  EXPECT_NE(PlanChunks(bad_graph).status().message().find("verifier"), std::string::npos);
}

TEST(PlanChunks, a_buffer_outside_the_data_section_is_rejected) {
  auto file = testing::MakeModel({100});
  format::ModelHeader h;
  std::memcpy(&h, file.data(), sizeof(h));
  h.data_size = 50;  // the buffer now reaches past the data section
  h.file_size = file.size();
  std::memcpy(file.data(), &h, sizeof(h));
  auto plan = PlanChunks(file);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("outside the data section"), std::string::npos)
      << plan.status().ToString();
}

TEST(PlanChunks, out_of_range_options_are_rejected) {
  auto file = testing::MakeModel({100});
  EXPECT_FALSE(PlanChunks(file, {.pack_target = 0, .piece_size = 4096}).ok());
  EXPECT_FALSE(PlanChunks(file, {.pack_target = 8192, .piece_size = 4096}).ok());
  EXPECT_FALSE(PlanChunks(file, {.pack_target = 1024, .piece_size = kMaxChunkSize + 1}).ok());
}

}  // namespace
}  // namespace mota::bundle
