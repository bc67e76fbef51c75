// A real nginx for tests that check mota against a plain static file server (as a CDN or an
// app's own mirror would be). nginx runs in the foreground under a prefix in the test's own temp
// dir, on a free loopback port, as the test's user, and stops when the NginxServer goes away.
//
//   test_support::NginxServer nginx;
//   Status s = nginx.Start({.prefix = dir / "nginx",
//                           .server = "server { listen 8080; root " + dir.string() + "/repo; }"});
//   if (s.code() == StatusCode::kNotFound) GTEST_SKIP() << s.message();  // nginx not installed
//   ... http://127.0.0.1:<nginx.port()>/...
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "manifests/lib/status/status.h"

namespace mota::test_support {

// nginx's path ("" when it is not installed; scripts/setup.sh installs it).
std::string FindNginx();

// What nginx serves. nginx cannot listen on port 0 and report the port it got, so `server`
// listens on 8080 (as `mota mirror export`'s nginx.conf.example does) and Start moves that
// listen to a loopback port that was free a moment ago.
struct NginxConfig {
  // nginx -p: nginx.conf, server.conf, nginx.pid, logs/, the temp dirs, nginx.out/.err go here.
  std::filesystem::path prefix;
  // The server block(s) of the http block; must contain "listen 8080;" exactly once.
  std::string server;
  int worker_connections = 64;
  bool access_log = false;  // prefix/logs/access.log when true, else off
};

class NginxServer {
 public:
  NginxServer() = default;
  NginxServer(const NginxServer&) = delete;
  NginxServer& operator=(const NginxServer&) = delete;
  ~NginxServer() { Stop(); }

  // Writes the configuration under config.prefix, starts nginx ("daemon off;") and waits up to
  // 10 s for its port. NotFound when nginx is not installed; InvalidArgument when `server` has
  // no "listen 8080;"; Unavailable, with nginx's stderr and error log, when it does not come up.
  Status Start(const NginxConfig& config);
  // SIGTERM (fast shutdown), then waits for nginx to exit; nothing when it is not running.
  void Stop();

  uint16_t port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

}  // namespace mota::test_support
