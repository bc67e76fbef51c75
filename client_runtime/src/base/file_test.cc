// MappedFile and ReleaseMappedPages: releasing pages of a mapping keeps its bytes (they fault
// back in from the file), and memory that is not a live mapping is never touched (MADV_DONTNEED
// on heap memory would zero it).
#include "base/file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "base/aligned_buffer.h"

namespace mota {
namespace {

std::vector<uint8_t> Pattern(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i * 131 + (i >> 12));
  return v;
}

std::string TempPath(const char* name) {
  const char* dir = std::getenv("TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/mota_file_test_" +
         std::to_string(::getpid()) + "_" + name;
}

TEST(ReleaseMappedPages, MappedBytesSurviveRelease) {
  const std::string path = TempPath("map");
  const std::vector<uint8_t> want = Pattern(5 * 4096 + 123);  // a partial last page
  ASSERT_TRUE(WriteFileAtomic(path, want).ok());
  auto file = MappedFile::Open(path);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  const uint8_t* p = (*file)->data();
  EXPECT_EQ(std::vector<uint8_t>(p, p + want.size()), want);
  ReleaseMappedPages(p + 100, 2 * 4096);                  // rounded out to whole pages
  ReleaseMappedPages(p + 4 * 4096, 10 * 4096);            // clipped to the mapping
  ReleaseMappedPages(p + want.size() + 4096 * 100, 100);  // past the mapping: ignored
  EXPECT_EQ(std::vector<uint8_t>(p, p + want.size()), want);
  ReleaseMappedPages(p, want.size());
  EXPECT_EQ(std::vector<uint8_t>(p, p + want.size()), want);
  file->reset();
  ::unlink(path.c_str());
}

TEST(ReleaseMappedPages, IgnoresMemoryOutsideMappings) {
  AlignedBuffer heap(64 * 4096);
  const std::vector<uint8_t> want = Pattern(heap.size());
  std::copy(want.begin(), want.end(), heap.data());
  ReleaseMappedPages(heap.data(), heap.size());
  EXPECT_EQ(std::vector<uint8_t>(heap.data(), heap.data() + heap.size()), want);
  ReleaseMappedPages(nullptr, 100);
}

TEST(AlignedBuffer, ZeroedUninitializedAndHugePages) {
  AlignedBuffer zeroed(1000);
  for (size_t i = 0; i < 1000 + AlignedBuffer::kTailPadding; ++i) ASSERT_EQ(zeroed.data()[i], 0);
  AlignedBuffer big;
  ASSERT_TRUE(big.ResizeUninitialized((5 << 20) + 7));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(big.data()) % AlignedBuffer::kAlignment, 0u);
  for (size_t i = 0; i < AlignedBuffer::kTailPadding; ++i) ASSERT_EQ(big.data()[big.size() + i], 0);
  big.AdviseHugePages();  // advice only: the buffer works the same
  const std::vector<uint8_t> want = Pattern(big.size());
  std::copy(want.begin(), want.end(), big.data());
  EXPECT_EQ(std::vector<uint8_t>(big.data(), big.data() + big.size()), want);
  AlignedBuffer small;
  ASSERT_TRUE(small.ResizeUninitialized(10));
  small.AdviseHugePages();  // no whole 2 MiB page inside: nothing to advise
}

}  // namespace
}  // namespace mota
