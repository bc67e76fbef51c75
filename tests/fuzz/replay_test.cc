// Replays every fuzz target (fuzz_target.h) over its seed corpus and saved regression inputs:
// the parsers must take each file without crashing and keep the targets' round-trip rules.
// seeds.txt lists each target's seed folders or files (relative to the source tree);
// regressions/<target>/ holds inputs that once crashed or broke a rule (small files only).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz_target.h"

namespace {

namespace fs = std::filesystem;

const fs::path kSource = MOTA_SOURCE_DIR;
constexpr uintmax_t kMaxReplayBytes = 1 << 20;

// target -> seed paths, from seeds.txt ("target path path ..."; '#' starts a comment).
std::map<std::string, std::vector<fs::path>> SeedPaths() {
  std::map<std::string, std::vector<fs::path>> out;
  std::ifstream in(kSource / "tests/fuzz/seeds.txt");
  std::string line;
  while (std::getline(in, line)) {
    line = line.substr(0, line.find('#'));
    std::istringstream words(line);
    std::string target, path;
    if (!(words >> target)) continue;
    while (words >> path) out[target].push_back(kSource / path);
  }
  return out;
}

// The regular files of each path (a folder: its files, not recursive), sorted.
std::vector<fs::path> Files(const std::vector<fs::path>& paths) {
  std::vector<fs::path> files;
  for (const fs::path& p : paths) {
    if (fs::is_regular_file(p)) files.push_back(p);
    if (!fs::is_directory(p)) continue;
    for (const auto& e : fs::directory_iterator(p)) {
      if (e.is_regular_file() && e.file_size() <= kMaxReplayBytes) files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class Replay : public testing::TestWithParam<mota::fuzz::Target> {};

TEST_P(Replay, parser_takes_every_seed_and_saved_crash_without_crashing) {
  const mota::fuzz::Target& target = GetParam();
  std::vector<fs::path> paths = SeedPaths()[target.name];
  ASSERT_FALSE(paths.empty()) << "tests/fuzz/seeds.txt lists no seeds for " << target.name;
  paths.push_back(kSource / "tests/fuzz/regressions" / target.name);
  const std::vector<fs::path> files = Files(paths);
  ASSERT_GE(files.size(), 3u) << target.name << ": expected a seed corpus of at least 3 files";
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.string());
    const std::string bytes = ReadAll(file);
    EXPECT_EQ(target.entry(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), 0);
  }
}

TEST(ReplayTargets, every_target_in_seeds_txt_is_built) {
  for (const auto& [name, paths] : SeedPaths()) {
    if (name == MOTA_FUZZ_UNBUILT) continue;  // its build dependency is missing here (CMake)
    const auto& t = mota::fuzz::Targets();
    EXPECT_TRUE(std::any_of(t.begin(), t.end(), [&](const auto& x) { return x.name == name; }))
        << "seeds.txt names " << name << ", which no *_fuzz.cc registers";
  }
}

INSTANTIATE_TEST_SUITE_P(FuzzTargets, Replay, testing::ValuesIn(mota::fuzz::Targets()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
