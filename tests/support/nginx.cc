#include "tests/support/nginx.h"

#include <unistd.h>

#include <chrono>
#include <fstream>

#include "tests/support/process.h"

namespace mota::test_support {
namespace fs = std::filesystem;
namespace {

constexpr const char kListen[] = "listen 8080;";

// nginx.conf around prefix/server.conf: everything nginx writes stays under the prefix.
void WriteMainConf(const NginxConfig& config) {
  const fs::path& p = config.prefix;
  std::ofstream conf(p / "nginx.conf");
  if (::geteuid() == 0) conf << "user root;\n";  // workers must read the test's temp files
  conf << "worker_processes 1;\npid " << (p / "nginx.pid").string() << ";\nerror_log "
       << (p / "logs/error.log").string() << ";\nevents { worker_connections "
       << config.worker_connections << "; }\nhttp {\n  access_log "
       << (config.access_log ? (p / "logs/access.log").string() : "off") << ";\n";
  for (const char* t : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"}) {
    conf << "  " << t << "_temp_path " << (p / t).string() << ";\n";
  }
  conf << "  include " << (p / "server.conf").string() << ";\n}\n";
}

}  // namespace

std::string FindNginx() {
  for (const char* p : {"/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"}) {
    if (::access(p, X_OK) == 0) return p;
  }
  return "";
}

Status NginxServer::Start(const NginxConfig& config) {
  Stop();
  const std::string nginx = FindNginx();
  if (nginx.empty()) return NotFound("nginx is not installed (scripts/setup.sh installs it)");
  std::string server = config.server;
  const size_t at = server.find(kListen);
  if (at == std::string::npos || server.find(kListen, at + 1) != std::string::npos) {
    return InvalidArgument("nginx server config must contain '", kListen,
                           "' exactly once (moved to a free loopback port), got: ", server);
  }
  const fs::path& p = config.prefix;
  std::error_code ec;
  fs::create_directories(p / "logs", ec);
  if (ec) return IoError("creating ", (p / "logs").string(), ": ", ec.message());
  port_ = FreeLoopbackPort();
  server.replace(at, sizeof(kListen) - 1, "listen 127.0.0.1:" + std::to_string(port_) + ";");
  std::ofstream(p / "server.conf") << server;
  WriteMainConf(config);
  pid_ = Spawn({nginx, "-p", p.string(), "-c", (p / "nginx.conf").string(), "-g", "daemon off;"},
               p / "nginx.out", p / "nginx.err");
  if (!WaitForLoopbackPort(port_, std::chrono::seconds(10))) {
    Stop();
    return Status(StatusCode::kUnavailable,
                  StrCat("nginx did not start on 127.0.0.1:", port_, ": ", Slurp(p / "nginx.err"),
                         Slurp(p / "logs/error.log")));
  }
  return Status::Ok();
}

void NginxServer::Stop() {
  Terminate(pid_);
  pid_ = -1;
}

}  // namespace mota::test_support
