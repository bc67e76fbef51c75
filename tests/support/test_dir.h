// A per-test scratch folder under the system temp dir, for GoogleTest fixtures. Header-only, so a
// test in any module can use it without linking mota_test_support.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace mota::test_support {

// <temp>/<prefix>_<pid>_<current test's name>, with whatever an earlier (crashed) run left there
// removed; not created. The pid keeps parallel ctest processes apart, the test name keeps a
// binary's tests apart.
inline std::filesystem::path PerTestDir(const std::string& prefix) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      (prefix + "_" + std::to_string(::getpid()) + "_" +
       ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  return dir;
}

}  // namespace mota::test_support
