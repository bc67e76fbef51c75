// The ONNX backend conformance run. Every case whose ops mota supports must pass; the cases mota
// skips (unsupported op, dtype or feature) are listed in expected_skips.txt, so that a case that
// starts failing or skipping, or starts passing while listed, fails CI.
// Set MOTA_CONFORMANCE_WRITE_SKIPS=1 to rewrite the list from the current run (then review the diff).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "base/file.h"
#include "tests/conformance/conformance.h"

namespace mota::conformance {
namespace {

const char* kSkipsPath = MOTA_SOURCE_DIR "/tests/conformance/expected_skips.txt";

std::set<std::string> ReadExpectedSkips() {
  std::set<std::string> ids;
  std::ifstream in(kSkipsPath);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    ids.insert(line.substr(0, line.find(' ')));
  }
  return ids;
}

std::string OneLine(std::string s) {
  for (char& c : s) c = (c == '\n' ? ' ' : c);
  return s.size() > 300 ? s.substr(0, 300) + "..." : s;
}

void RunSuites(const std::string& backend) {
  const std::vector<std::string> ids =
      ListCases(MOTA_TESTDATA_DIR, {"node", "pytorch-converted", "pytorch-operator", "simple"});
  ASSERT_GT(ids.size(), 900u) << "libonnx-testdata not found under " << MOTA_TESTDATA_DIR;
  const std::set<std::string> expected_skips = ReadExpectedSkips();
  int passed = 0, failed = 0, skipped = 0;
  std::string skips_file =
      "# ONNX backend test cases mota skips (unsupported op, dtype or feature), with the reason.\n"
      "# Regenerate: MOTA_CONFORMANCE_WRITE_SKIPS=1 build/tests/conformance/mota_conformance_tests\n";
  for (const std::string& id : ids) {
    const CaseResult r = RunCase(MOTA_TESTDATA_DIR, id, backend, {});
    switch (r.outcome) {
      case Outcome::kPassed:
        ++passed;
        EXPECT_EQ(expected_skips.count(id), 0u) << id << " now passes: remove it from expected_skips.txt";
        break;
      case Outcome::kFailed:
        ++failed;
        ADD_FAILURE() << id << " FAILED: " << OneLine(r.detail);
        break;
      case Outcome::kSkipped:
        ++skipped;
        skips_file += id + "  # " + OneLine(r.detail) + "\n";
        EXPECT_EQ(expected_skips.count(id), 1u) << id << " is skipped but not listed as an expected skip: "
                                               << OneLine(r.detail);
        break;
    }
  }
  std::printf("conformance (%s): %d passed, %d failed, %d skipped\n", backend.c_str(), passed, failed, skipped);
  if (backend == "reference" && std::getenv("MOTA_CONFORMANCE_WRITE_SKIPS") != nullptr) {
    ASSERT_TRUE(WriteFileAtomic(kSkipsPath, skips_file).ok());
  }
}

TEST(Conformance, ReferenceBackend) { RunSuites("reference"); }

// The fast CPU path must pass the same cases (the skip list is about the converter, so it is
// the same list).
TEST(Conformance, AutoBackend) { RunSuites("auto"); }

}  // namespace
}  // namespace mota::conformance
