// Running a built command-line tool (the `mota` binary) as a user's shell would, for tests that
// check its output and exit code. Header-only, so a test in any module can use it without linking
// mota_test_support.
//
//   ToolResult r = RunTool(MOTA_CLI_PATH, "inspect '" + path + "' --json", dir_);
//   EXPECT_EQ(r.exit_code, 0) << r.err;
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "tests/support/files.h"

namespace mota::test_support {

struct ToolResult {
  int exit_code = -1;  // 128 + signal when the tool died of a signal
  std::string out;     // stdout
  std::string err;     // stderr
};

// Runs `'<binary>' <args>` through /bin/sh (`args` is shell text: quote paths in it), with
// stdout and stderr captured in `dir`/stdout.txt and `dir`/stderr.txt (overwritten each run).
inline ToolResult RunTool(const std::string& binary, const std::string& args,
                          const std::filesystem::path& dir) {
  const std::filesystem::path out = dir / "stdout.txt", err = dir / "stderr.txt";
  const std::string cmd =
      "'" + binary + "' " + args + " >'" + out.string() + "' 2>'" + err.string() + "'";
  const int status = std::system(cmd.c_str());
  ToolResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = Slurp(out);
  r.err = Slurp(err);
  return r;
}

}  // namespace mota::test_support
