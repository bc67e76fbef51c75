// The HTTP/1.1 server: Boost.Beast over Asio, N io threads sharing one io_context, keep-alive,
// TCP_NODELAY, header and body limits, per-connection timeouts, one JSON log line per request,
// Prometheus metrics, graceful stop.
//
//   http::Router router;
//   router.Handle("GET", "/healthz", [](const http::Request&) {
//     return http::Response::Bytes(200, "ok\n", "text/plain");
//   });
//   http::Server server(std::move(router), {.host = "127.0.0.1", .port = 0, .threads = 4});
//   MOTA_RETURN_IF_ERROR(server.Start());      // binds; server.port() is the real port
//   ...
//   server.Stop(std::chrono::seconds(10));     // stop accepting, let in-flight requests finish
//
// The server registers GET /metrics itself (unless the router already has it). Timeouts:
// a connection must send a complete request header within header_timeout (a slow-loris client
// that trickles bytes is dropped), the body within body_timeout, and may sit idle between
// keep-alive requests for idle_timeout.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "manifests/lib/status/status.h"
#include "server/http/metrics.h"
#include "server/http/router.h"

namespace mota::server::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0: the OS picks one (see Server::port())
  int threads = 2;
  size_t max_header_bytes = 16 * 1024;  // bigger request headers get 431
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::milliseconds body_timeout{60000};
  std::chrono::milliseconds idle_timeout{30000};
  std::chrono::milliseconds write_timeout{60000};
  size_t max_requests_per_connection = 0;  // 0: unlimited
  // Where request logs go: one JSON object per line. Null: no request log.
  FILE* log = nullptr;
  std::string server_name = "mota";
};

class Server {
 public:
  Server(Router router, ServerOptions options);
  ~Server();  // stops (bounded by 5 s) if still running
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Registers /metrics, binds, listens and starts the io threads. Fails with a message naming
  // the address when it cannot bind.
  Status Start();
  // Stops accepting, closes idle keep-alive connections, waits up to `grace` for in-flight
  // requests to finish (their connections close after the response), then closes the rest and
  // joins the threads. Safe to call more than once and from any thread except an io thread.
  void Stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

  uint16_t port() const;       // the bound port (after Start)
  std::string address() const; // "host:port" (after Start)
  MetricsRegistry& metrics();  // register your own metrics before or after Start
  size_t active_connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mota::server::http
