// One JSON object per request, one line each (internal to server/http):
//   {"time":"2026-11-26T22:10:00.123Z","remote":"127.0.0.1:5555","method":"GET",
//    "target":"/blobs/ab..","route":"blobs","status":206,"bytes":1048576,"duration_ms":0.412}
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace mota::server::http::internal {

struct LogEntry {
  std::string_view remote, method, target, route;
  int status = 0;
  uint64_t bytes = 0;
  double duration_ms = 0;
};

// Appends `value` as a JSON string (quoted, escaped; bytes that are not printable ASCII become
// \u00XX so a hostile target cannot break the line or the encoding).
void AppendJsonString(std::string& out, std::string_view value);

// Appends the line to this thread's buffer, which goes out with one write(2) of whole lines once
// it holds 32 KiB, when FlushThreadLog runs (every second on each io thread, and when the thread
// ends), or at once when `log` is stderr. No lock is shared between io threads.
void WriteLogLine(FILE* log, const LogEntry& entry);
void FlushThreadLog();

// The current time as an RFC 7231 HTTP date ("Thu, 26 Nov 2026 22:10:00 GMT"), cached per
// second and per thread.
const std::string& HttpDateNow();

}  // namespace mota::server::http::internal
