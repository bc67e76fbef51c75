// Helpers for the end-to-end tests: child processes (the real `mota` binary, nginx), free
// loopback ports, files and hashes.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "server/http/test_client.h"

namespace mota::e2e {

namespace fs = std::filesystem;

std::string Slurp(const fs::path& path);
std::string Sha256(const std::string& bytes);

// Starts argv with stdout and stderr in files; returns the pid.
pid_t Spawn(const std::vector<std::string>& argv, const fs::path& out, const fs::path& err);
// Runs to completion in `dir`; returns the exit code (stdout and stderr are appended to `log`).
int RunProcess(const std::vector<std::string>& argv, const fs::path& dir, std::string* log);
// SIGTERM, then waits; returns the exit code (-1 when it died of a signal).
int Terminate(pid_t pid);

uint16_t FreePort();
bool WaitForPort(uint16_t port, std::chrono::milliseconds timeout);
// Waits for "mota serve: listening on http://127.0.0.1:PORT" in `out`; 0 after `timeout`.
uint16_t WaitForServePort(const fs::path& out, std::chrono::milliseconds timeout);

// One request with a body on a fresh connection.
std::optional<server::http::testing::ParsedResponse> Post(uint16_t port, const std::string& target,
                                                          const std::string& body);

}  // namespace mota::e2e
