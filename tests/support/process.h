// Child processes, files and loopback ports for tests that run real programs (the `mota` binary,
// nginx) next to the code under test. Test-only: no Status, since a failed fork or a missing file
// shows up as the test's own assertion on what the child did.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/files.h"  // Slurp

namespace mota::test_support {

// Starts argv[0] (a path, not searched in PATH) with stdout and stderr written to `out` and
// `err` (truncated); returns the pid. A child that cannot exec exits 127.
pid_t Spawn(const std::vector<std::string>& argv, const std::filesystem::path& out,
            const std::filesystem::path& err);
// SIGTERM, then waits; returns the exit code (-1 when it died of a signal). No-op (-1) for pid <=
// 0.
int Terminate(pid_t pid);

// A loopback port that was free a moment ago, for servers that cannot bind port 0 and report the
// port they got (nginx); servers that can (mota serve) should do that instead.
uint16_t FreeLoopbackPort();
// Whether 127.0.0.1:port accepts a connection within `timeout` (polled every 20 ms).
bool WaitForLoopbackPort(uint16_t port, std::chrono::milliseconds timeout);

}  // namespace mota::test_support
