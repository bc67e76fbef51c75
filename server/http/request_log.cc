#include "server/http/request_log.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <ctime>

namespace mota::server::http::internal {

void AppendJsonString(std::string& out, std::string_view value) {
  static const char kHex[] = "0123456789abcdef";
  out += '"';
  for (unsigned char c : value) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

namespace {
struct ThreadLog {
  FILE* log = nullptr;
  std::string buffer;
  ~ThreadLog() { FlushThreadLog(); }
};
ThreadLog& Local() {
  thread_local ThreadLog t;
  return t;
}
}  // namespace

void WriteLogLine(FILE* log, const LogEntry& e) {
  if (log == nullptr) return;
  auto now = std::chrono::system_clock::now();
  std::time_t secs = std::chrono::system_clock::to_time_t(now);
  int millis = static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000);
  // "2026-11-26T22:10:00." is formatted once per second per thread.
  thread_local std::time_t cached_second = -1;
  thread_local char cached_prefix[64];
  if (secs != cached_second) {
    std::tm tm{};
    gmtime_r(&secs, &tm);
    std::strftime(cached_prefix, sizeof(cached_prefix), "%Y-%m-%dT%H:%M:%S.", &tm);
    cached_second = secs;
  }
  char time_buf[80];
  std::snprintf(time_buf, sizeof(time_buf), "%s%03dZ", cached_prefix, millis);
  std::string line;
  line.reserve(256);
  line += "{\"time\":\"";
  line += time_buf;
  line += "\",\"remote\":";
  AppendJsonString(line, e.remote);
  line += ",\"method\":";
  AppendJsonString(line, e.method);
  line += ",\"target\":";
  AppendJsonString(line, e.target);
  line += ",\"route\":";
  AppendJsonString(line, e.route);
  char tail[96];
  std::snprintf(tail, sizeof(tail), ",\"status\":%d,\"bytes\":%llu,\"duration_ms\":%.3f}\n",
                e.status, static_cast<unsigned long long>(e.bytes), e.duration_ms);
  line += tail;
  ThreadLog& t = Local();
  if (t.log != log) {
    FlushThreadLog();
    t.log = log;
  }
  t.buffer += line;
  if (log == stderr || t.buffer.size() >= 32 * 1024) FlushThreadLog();
}

void FlushThreadLog() {
  ThreadLog& t = Local();
  if (t.log == nullptr || t.buffer.empty()) return;
  const int fd = fileno(t.log);
  size_t done = 0;
  while (done < t.buffer.size()) {
    ssize_t n = ::write(fd, t.buffer.data() + done, t.buffer.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // a full disk must not stop serving; the lines are dropped
    done += static_cast<size_t>(n);
  }
  t.buffer.clear();
}

const std::string& HttpDateNow() {
  thread_local std::time_t cached_second = 0;
  thread_local std::string cached;
  std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[64];
    std::strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached = buf;
    cached_second = now;
  }
  return cached;
}

}  // namespace mota::server::http::internal
