// Reading files in tests. Header-only, so a test in any module can use it without linking
// mota_test_support.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace mota::test_support {

// The whole file, or "" when it cannot be read (error text for a failed assertion).
inline std::string Slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace mota::test_support
