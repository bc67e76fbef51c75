// The chunk store's disk budget and startup cleanup: referenced blobs always survive, the
// least recently used go first, abandoned partial downloads are removed.
#include "delivery/fetch/store_budget.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <fstream>

#include "tests/support/test_dir.h"

namespace mota::fetch {
namespace {

namespace fs = std::filesystem;

std::string Name(char c) { return std::string(64, c); }

class StoreBudgetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test_support::PerTestDir("mota_budget_test").string();
    fs::create_directories(dir_);
    fs::create_directories(dir_ + "/blobs");
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A store file of `bytes` bytes last modified `age_s` seconds ago.
  void Put(const std::string& name, size_t bytes, int age_s) {
    std::string path = dir_ + "/blobs/" + name;
    std::ofstream(path, std::ios::binary) << std::string(bytes, 'x');
    timespec times[2];
    ::clock_gettime(CLOCK_REALTIME, &times[0]);
    times[0].tv_sec -= age_s;
    times[1] = times[0];
    ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
  }
  bool Has(const std::string& name) const { return fs::exists(dir_ + "/blobs/" + name); }

  std::string dir_;
};

TEST_F(StoreBudgetTest, unreferenced_blobs_are_evicted_oldest_first_until_under_budget) {
  Put(Name('a'), 1000, 300);  // oldest, unreferenced
  Put(Name('b'), 1000, 200);  // unreferenced
  Put(Name('c'), 1000, 100);  // newest unreferenced
  Put(Name('d'), 1000, 999);  // oldest of all, but referenced
  auto r = EvictUnreferenced(dir_, {Name('d')}, 2500);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(Has(Name('a')));
  EXPECT_FALSE(Has(Name('b')));
  EXPECT_TRUE(Has(Name('c')));
  EXPECT_TRUE(Has(Name('d')));
  EXPECT_EQ(r->blobs_evicted, 2u);
  EXPECT_EQ(r->bytes_freed, 2000u);
  EXPECT_EQ(r->bytes_before, 4000u);
  EXPECT_EQ(r->bytes_after, 2000u);
  EXPECT_EQ(r->referenced_bytes, 1000u);
  EXPECT_FALSE(r->over_budget);
}

TEST_F(StoreBudgetTest, referenced_blobs_are_never_evicted_even_over_budget) {
  Put(Name('a'), 5000, 300);
  Put(Name('b'), 5000, 300);
  Put(Name('c'), 100, 1);
  auto r = EvictUnreferenced(dir_, {Name('a'), Name('b')}, 1000);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(Has(Name('a')));
  EXPECT_TRUE(Has(Name('b')));
  EXPECT_FALSE(Has(Name('c')));
  EXPECT_TRUE(r->over_budget);
  EXPECT_EQ(r->bytes_freed, 100u);
}

TEST_F(StoreBudgetTest, a_store_under_budget_and_foreign_files_are_left_alone) {
  Put(Name('a'), 1000, 300);
  Put("README", 50000, 300);        // not a store name: not counted, not removed
  Put(Name('b') + ".part", 10, 1);  // counted, never evicted here
  auto r = EvictUnreferenced(dir_, {}, 1010);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->blobs_evicted, 0u);
  EXPECT_EQ(r->bytes_before, 1010u);
  EXPECT_TRUE(Has("README"));
  EXPECT_TRUE(Has(Name('a')));
  auto missing = EvictUnreferenced(dir_ + "/no-such-store", {}, 0);
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->bytes_before, 0u);
}

TEST_F(StoreBudgetTest, stale_and_unwanted_partials_are_cleaned_wanted_fresh_ones_resume) {
  Put(Name('a') + ".part", 100, 10);         // wanted, fresh: kept
  Put(Name('b') + ".part", 200, 10);         // not wanted: removed
  Put(Name('c') + ".part", 300, 8 * 86400);  // wanted but a week old: removed
  Put(Name('d'), 400, 8 * 86400);            // a blob: not a partial
  auto r = CleanPartials(dir_, {Name('a'), Name('c')}, std::chrono::hours(24 * 7));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(Has(Name('a') + ".part"));
  EXPECT_FALSE(Has(Name('b') + ".part"));
  EXPECT_FALSE(Has(Name('c') + ".part"));
  EXPECT_TRUE(Has(Name('d')));
  EXPECT_EQ(r->parts_removed, 2u);
  EXPECT_EQ(r->bytes_freed, 500u);
  EXPECT_EQ(r->parts_kept, 1u);
}

TEST_F(StoreBudgetTest, disk_full_errors_are_recognizable_and_name_the_path) {
  Status full = WriteFailure(ENOSPC, "cannot write", "/data/store/blobs/x.part");
  EXPECT_TRUE(IsDiskFull(full));
  EXPECT_NE(full.message().find("/data/store/blobs/x.part"), std::string::npos);
  EXPECT_TRUE(IsDiskFull(WriteFailure(EDQUOT, "cannot write", "p")));
  EXPECT_FALSE(IsDiskFull(WriteFailure(EIO, "cannot write", "p")));
  EXPECT_EQ(WriteFailure(EIO, "cannot write", "p").code(), StatusCode::kIoError);
}

}  // namespace
}  // namespace mota::fetch
