// Crash-safe writes: the destination holds old or new bytes, temporaries never stay behind.
#include "server/storage/atomic_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>
#include <vector>

#include "tests/support/test_dir.h"

namespace mota::server::storage {
namespace {

namespace fs = std::filesystem;

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test_support::PerTestDir("mota_atomic");
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  size_t Entries() const {
    return static_cast<size_t>(std::distance(fs::directory_iterator(dir_), {}));
  }
  fs::path dir_;
};

TEST_F(AtomicFileTest, write_replaces_the_whole_file_and_leaves_no_temporary) {
  const std::string path = (dir_ / "timestamp.json").string();
  ASSERT_TRUE(WriteFileAtomic(path, "old bytes, longer than the new").ok());
  ASSERT_TRUE(WriteFileAtomic(path, "new").ok());
  EXPECT_EQ(ReadFileToString(path).value(), "new");
  EXPECT_EQ(Entries(), 1u);
}

TEST_F(AtomicFileTest, failed_write_leaves_the_old_file_and_no_temporary) {
  const std::string path = (dir_ / "sub" / "x").string();  // folder missing: the write fails
  const Status status = WriteFileAtomic(path, "bytes");
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("sub"), std::string::npos) << status.message();
  EXPECT_EQ(Entries(), 0u);
}

TEST_F(AtomicFileTest, if_absent_never_replaces_an_existing_file) {
  const std::string path = (dir_ / "blob").string();
  bool created = false;
  ASSERT_TRUE(WriteFileAtomicIfAbsent(path, "first", &created).ok());
  EXPECT_TRUE(created);
  ASSERT_TRUE(WriteFileAtomicIfAbsent(path, "second", &created).ok());
  EXPECT_FALSE(created);
  EXPECT_EQ(ReadFileToString(path).value(), "first");
  EXPECT_EQ(Entries(), 1u);
}

TEST_F(AtomicFileTest, concurrent_writers_each_leave_one_complete_version) {
  const std::string path = (dir_ / "f").string();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      const std::string bytes(4096, static_cast<char>('a' + t));
      for (int i = 0; i < 50; ++i) ASSERT_TRUE(WriteFileAtomic(path, bytes).ok());
    });
  }
  for (std::thread& th : threads) th.join();
  const std::string got = ReadFileToString(path).value();
  ASSERT_EQ(got.size(), 4096u);
  EXPECT_EQ(got.find_first_not_of(got[0]), std::string::npos) << "mixed bytes of two writers";
  EXPECT_EQ(Entries(), 1u);
}

TEST_F(AtomicFileTest, ensure_dir_creates_parents_and_read_of_a_missing_file_is_not_found) {
  const std::string nested = (dir_ / "a" / "b" / "c").string();
  ASSERT_TRUE(EnsureDir(nested).ok());
  EXPECT_TRUE(fs::is_directory(nested));
  EXPECT_EQ(ReadFileToString(nested + "/none").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace mota::server::storage
