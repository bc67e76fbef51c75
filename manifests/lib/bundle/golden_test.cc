// The committed golden variant indexes (manifests/golden/bundle): every valid file parses and
// re-serializes to its exact bytes; every invalid file is rejected with an error that contains the
// text in its .expected file (the field and the rule it breaks).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "manifests/lib/bundle/index.h"

namespace mota::bundle {
namespace {
namespace fs = std::filesystem;

const fs::path kGolden = fs::path(MOTA_SOURCE_DIR) / "manifests/golden/bundle";

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<fs::path> Files(const fs::path& dir, const std::string& suffix) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.size() > suffix.size() && name.ends_with(suffix)) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(GoldenIndex, ValidFilesParseAndKeepTheirExactBytes) {
  const auto files = Files(kGolden / "valid", ".index.json");
  ASSERT_GE(files.size(), 2u);
  for (const fs::path& f : files) {
    const std::string text = Slurp(f);
    Result<VariantIndex> index = ParseIndex(text);
    ASSERT_TRUE(index.ok()) << f << ": " << index.status().message();
    Result<std::string> again = SerializeIndex(*index);
    ASSERT_TRUE(again.ok()) << f;
    EXPECT_EQ(*again, text) << f;
  }
}

TEST(GoldenIndex, InvalidFilesAreRejectedWithTheExpectedError) {
  const auto files = Files(kGolden / "invalid", ".index.json");
  ASSERT_GE(files.size(), 10u);
  for (const fs::path& f : files) {
    std::string stem = f.filename().string();
    stem.resize(stem.size() - std::string(".index.json").size());
    std::string expected = Slurp(f.parent_path() / (stem + ".expected"));
    while (!expected.empty() && (expected.back() == '\n' || expected.back() == '\r')) expected.pop_back();
    ASSERT_FALSE(expected.empty()) << stem << ".expected must say which error to expect";
    Result<VariantIndex> index = ParseIndex(Slurp(f));
    ASSERT_FALSE(index.ok()) << f << " was accepted";
    EXPECT_NE(index.status().message().find(expected), std::string::npos)
        << stem << ": expected '" << expected << "' in: " << index.status().message();
  }
}

}  // namespace
}  // namespace mota::bundle
