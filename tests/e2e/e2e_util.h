// Helpers for the end-to-end tests: running the real `mota` binary, its serve port, hashes and
// requests (processes and files come from tests/support/process.h).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "server/http/test_client.h"
#include "tests/support/process.h"

namespace mota::e2e {

namespace fs = std::filesystem;

std::string Sha256(const std::string& bytes);

// Files and child processes, shared with tests outside tests/e2e.
using test_support::Slurp;
using test_support::Spawn;
using test_support::Terminate;

// Runs to completion in `dir`; returns the exit code (stdout and stderr are appended to `log`).
int RunProcess(const std::vector<std::string>& argv, const fs::path& dir, std::string* log);

// Waits for "mota serve: listening on http://127.0.0.1:PORT" in `out`; 0 after `timeout`.
uint16_t WaitForServePort(const fs::path& out, std::chrono::milliseconds timeout);

// One request with a body on a fresh connection.
std::optional<server::http::testing::ParsedResponse> Post(uint16_t port, const std::string& target,
                                                          const std::string& body);

}  // namespace mota::e2e
