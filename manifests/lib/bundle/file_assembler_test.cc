// FileAssembler: chunks in any order, on worker threads, each byte verified, nothing half-written
// on any failure (a bad frame, a missing chunk, a full disk).
#include "manifests/lib/bundle/file_assembler.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>

#include "manifests/lib/bundle/test_util.h"
#include "tests/support/test_dir.h"

namespace mota::bundle {
namespace {

namespace fs = std::filesystem;

class FileAssemblerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test_support::PerTestDir("mota_file_assembler").string();
    fs::create_directories(dir_);
    // A head, one tensor in several pieces, small packed ones, one standalone.
    file_ = testing::MakeModel({700000, 3000, 2500, 300000}, 5);
    packed_ = testing::Pack(file_);
    ASSERT_GE(packed_.index.chunks.size(), 5u);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Out() const { return dir_ + "/model.mota"; }
  std::vector<uint8_t> ReadOut() const {
    std::ifstream in(Out(), std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
  }
  size_t FilesInDir() const {
    return static_cast<size_t>(
        std::distance(fs::directory_iterator(dir_), fs::directory_iterator()));
  }
  std::unique_ptr<FileAssembler> Begin(AssemblerOptions o = {}) {
    auto a = FileAssembler::Begin(packed_.index, Out(), std::move(o));
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    return a.ok() ? std::move(a).value() : nullptr;
  }
  void AddAllReversed(FileAssembler& a) {
    for (size_t i = packed_.index.chunks.size(); i-- > 0;)
      a.AddCheckedFrame(packed_.index.chunks[i].sha256, packed_.frames[i]);
  }

  std::string dir_;
  std::vector<uint8_t> file_;
  testing::Packed packed_;
};

TEST_F(FileAssemblerTest, chunks_added_in_reverse_on_workers_assemble_byte_exact) {
  auto a = Begin();
  AddAllReversed(*a);
  Status s = a->Finish();
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(ReadOut(), file_);
  EXPECT_EQ(FilesInDir(), 1u);
}

TEST_F(FileAssemblerTest, over_the_holding_limit_the_whole_file_hash_reads_the_file_back) {
  // Reverse order holds every chunk until the first arrives; a 1-byte limit spills at once.
  for (int threads : {0, 2}) {
    auto a = Begin({.threads = threads, .max_held_bytes = 1});
    AddAllReversed(*a);
    Status s = a->Finish();
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(ReadOut(), file_);
  }
}

TEST_F(FileAssemblerTest, a_whole_file_hash_mismatch_is_caught_also_after_spilling) {
  packed_.index.sha256 = std::string(64, 'a');
  for (uint64_t held : {uint64_t{1}, uint64_t{64} << 20}) {
    auto a = Begin({.max_held_bytes = held});
    AddAllReversed(*a);
    Status s = a->Finish();
    EXPECT_EQ(s.code(), StatusCode::kVerificationFailed) << s.ToString();
    EXPECT_NE(s.message().find("the assembled file: sha256"), std::string::npos);
    a.reset();
    EXPECT_EQ(FilesInDir(), 0u);
  }
}

TEST_F(FileAssemblerTest, a_checked_frame_of_other_content_fails_and_leaves_nothing) {
  auto a = Begin();
  for (size_t i = 0; i < packed_.index.chunks.size(); ++i) {
    // Chunk 1's name with chunk 2's (self-consistent, validly hashed) frame: content swap.
    a->AddCheckedFrame(packed_.index.chunks[i].sha256, packed_.frames[i == 1 ? 2 : i]);
  }
  Status s = a->Finish();
  EXPECT_EQ(s.code(), StatusCode::kVerificationFailed) << s.ToString();
  EXPECT_NE(s.message().find("chunk 1 (offset"), std::string::npos) << s.ToString();
  a.reset();
  EXPECT_EQ(FilesInDir(), 0u);
}

TEST_F(FileAssemblerTest, a_damaged_stored_chunk_is_rejected_and_can_be_added_again) {
  auto a = Begin();
  std::atomic<int> rejected{0};
  std::string rejected_sha;
  const std::string& bad = packed_.index.chunks[3].sha256;
  for (size_t i = 0; i < packed_.index.chunks.size(); ++i) {
    std::vector<uint8_t> stored = packed_.frames[i];
    if (i == 3) stored[stored.size() / 2] ^= 1;
    a->AddUnchecked(
        packed_.index.chunks[i].sha256,
        [stored]() -> Result<std::vector<uint8_t>> { return stored; },
        [&](const std::string& sha, const Status& why) {
          rejected_sha = sha;
          EXPECT_EQ(why.code(), StatusCode::kVerificationFailed);
          ++rejected;
        });
  }
  ASSERT_TRUE(a->Wait().ok());
  EXPECT_EQ(rejected.load(), 1);
  EXPECT_EQ(rejected_sha, bad);
  a->AddCheckedFrame(bad, packed_.frames[3]);  // fetched again
  Status s = a->Finish();
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(ReadOut(), file_);
}

TEST_F(FileAssemblerTest, a_chunk_never_added_fails_finish_naming_it) {
  auto a = Begin();
  for (size_t i = 0; i < packed_.index.chunks.size(); ++i)
    if (i != 2) a->AddCheckedFrame(packed_.index.chunks[i].sha256, packed_.frames[i]);
  Status s = a->Finish();
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_NE(s.message().find("chunk 2 (offset"), std::string::npos) << s.ToString();
  a.reset();
  EXPECT_EQ(FilesInDir(), 0u);
}

TEST_F(FileAssemblerTest, disk_full_on_write_names_the_path_and_keeps_the_old_file) {
  std::ofstream(Out()) << "previous version";
  // Injected write hook: the device's disk fills up after 500000 bytes.
  std::atomic<uint64_t> written{0};
  auto a = Begin({.pwrite = [&](int fd, const void* data, size_t n, off_t off) -> ssize_t {
    if (written.fetch_add(n) + n > 500000) {
      errno = ENOSPC;
      return -1;
    }
    return ::pwrite(fd, data, n, off);
  }});
  AddAllReversed(*a);
  Status s = a->Finish();
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted) << s.ToString();
  EXPECT_NE(s.message().find("disk full: "), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find(Out()), std::string::npos) << s.ToString();
  a.reset();
  EXPECT_EQ(FilesInDir(), 1u);  // no temporary file left
  std::ifstream in(Out());
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "previous version");
}

TEST_F(FileAssemblerTest, a_file_larger_than_the_space_allowed_fails_before_any_chunk) {
  // The kernel's own refusal (RLIMIT_FSIZE: EFBIG on the reservation), not an injected one.
  ::signal(SIGXFSZ, SIG_IGN);
  rlimit old{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  rlimit small = old;
  small.rlim_cur = 100000;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  auto a = FileAssembler::Begin(packed_.index, Out());
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &old), 0);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), StatusCode::kResourceExhausted) << a.status().ToString();
  EXPECT_NE(a.status().message().find("disk full: cannot reserve"), std::string::npos)
      << a.status().ToString();
  EXPECT_EQ(FilesInDir(), 0u);
}

TEST_F(FileAssemblerTest, an_abandoned_assembly_removes_its_temporary_file) {
  auto a = Begin();
  a->AddCheckedFrame(packed_.index.chunks[0].sha256, packed_.frames[0]);
  EXPECT_TRUE(fs::exists(a->temp_path()));
  a.reset();
  EXPECT_EQ(FilesInDir(), 0u);
}

TEST_F(FileAssemblerTest, repeated_content_is_written_at_every_offset) {
  // Two identical tensors (sizes a multiple of the 64-byte alignment, so the extents match):
  // one content, two chunks; added once.
  std::vector<uint8_t> file = testing::MakeModel({100032, 100032}, 3);
  packed_ = testing::Pack(file);
  const auto& c = packed_.index.chunks;
  ASSERT_GE(c.size(), 2u);
  size_t a0 = c[c.size() - 2].offset, b0 = c.back().offset, n = c.back().size;
  ASSERT_EQ(c[c.size() - 2].size, n);
  std::copy(file.begin() + a0, file.begin() + a0 + n, file.begin() + b0);
  packed_ = testing::Pack(file);
  file_ = file;
  ASSERT_EQ(packed_.index.chunks[packed_.index.chunks.size() - 2].sha256,
            packed_.index.chunks.back().sha256);
  auto a = Begin();
  for (size_t i = 0; i + 1 < packed_.index.chunks.size(); ++i)
    a->AddCheckedFrame(packed_.index.chunks[i].sha256, packed_.frames[i]);
  Status s = a->Finish();
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(ReadOut(), file_);
}

// Early write-back: every byte written to the target has its write-back started as it is
// written (before Finish's fsync), exactly the ranges the pwrites wrote, short writes included.
TEST_F(FileAssemblerTest, every_written_range_has_its_writeback_started_before_finish) {
  for (int threads : {0, 2}) {
    std::mutex mu;
    std::map<off_t, off_t> started;  // offset -> size
    int target_fd = -1;
    auto a = Begin({.threads = threads,
                    // Short writes (at most 4000 bytes): a range per pwrite, not per chunk.
                    .pwrite = [](int fd, const void* data, size_t n, off_t at) -> ssize_t {
                      return ::pwrite(fd, data, std::min<size_t>(n, 4000), at);
                    },
                    .writeback =
                        [&](int fd, off_t at, off_t n) {
                          std::lock_guard<std::mutex> lock(mu);
                          target_fd = fd;
                          EXPECT_TRUE(started.emplace(at, n).second) << "started twice at " << at;
                        }});
    AddAllReversed(*a);
    ASSERT_TRUE(a->Wait().ok());
    {
      std::lock_guard<std::mutex> lock(mu);
      // The ranges tile the whole file: nothing is left for the fsync to start.
      off_t end = 0;
      for (const auto& [at, n] : started) {
        EXPECT_EQ(at, end) << "threads " << threads;
        EXPECT_GT(n, 0);
        EXPECT_LE(n, 4000);
        end = at + n;
      }
      EXPECT_EQ(static_cast<uint64_t>(end), packed_.index.size) << "threads " << threads;
      // ... of the target (its temporary file), not of another file.
      struct stat by_fd = {};
      struct stat by_path = {};
      ASSERT_EQ(::fstat(target_fd, &by_fd), 0);
      ASSERT_EQ(::stat(a->temp_path().c_str(), &by_path), 0);
      EXPECT_EQ(by_fd.st_ino, by_path.st_ino);
    }
    Status s = a->Finish();
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(ReadOut(), file_);
  }
}

TEST_F(FileAssemblerTest, without_start_writeback_none_is_started_and_the_file_is_whole) {
  std::atomic<int> calls{0};
  auto a = Begin({.start_writeback = false, .writeback = [&](int, off_t, off_t) { ++calls; }});
  AddAllReversed(*a);
  Status s = a->Finish();
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(calls.load(), 0);
  EXPECT_EQ(ReadOut(), file_);
}

}  // namespace
}  // namespace mota::bundle
