#include "server/http/server.h"

#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>

#include "server/http/connection.h"

namespace mota::server::http {

namespace net = boost::asio;
using tcp = net::ip::tcp;

// One io_context per thread (as nginx has one event loop per worker): a connection lives on one
// thread for its whole life, so no strands and no cross-thread wakeups. The acceptor hands new
// sockets to the contexts round-robin.
struct Server::Impl {
  Router router;
  ServerOptions options;
  MetricsRegistry metrics;
  std::shared_ptr<internal::ServerShared> shared = std::make_shared<internal::ServerShared>();
  std::vector<std::unique_ptr<net::io_context>> contexts;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> guards;
  std::vector<std::thread> threads;
  std::unique_ptr<tcp::acceptor> acceptor;
  size_t next_context = 0;
  uint16_t port = 0;
  std::mutex stop_mutex;
  bool running = false;

  void Accept() {
    net::io_context& target = *contexts[next_context];
    next_context = (next_context + 1) % contexts.size();
    acceptor->async_accept(target, [this](boost::system::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !acceptor->is_open()) return;
      if (!ec) internal::StartConnection(std::move(socket), shared);
      // Other errors (EMFILE, ECONNABORTED) affect one connection: keep accepting.
      Accept();
    });
  }
};

Server::Server(Router router, ServerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->router = std::move(router);
  impl_->options = std::move(options);
  if (impl_->options.threads < 1) impl_->options.threads = 1;
}

Server::~Server() { Stop(std::chrono::seconds(5)); }

Status Server::Start() {
  Impl& s = *impl_;
  if (s.running) return FailedPrecondition("server already started on ", address());
  MetricsRegistry* metrics = &s.metrics;
  if (!s.router.Find("GET", "/metrics").route) {
    s.router.Handle(
        "GET", "/metrics",
        [metrics](const Request&) {
          return Response::Bytes(200, metrics->RenderText(),
                                 "text/plain; version=0.0.4; charset=utf-8");
        },
        {.route_class = "metrics"});
  }
  internal::ServerShared& shared = *s.shared;
  shared.router = &s.router;
  shared.options = &s.options;
  shared.metrics = &s.metrics;
  shared.open_connections =
      s.metrics.GetGauge("mota_http_open_connections", "Client connections open now.");
  for (const std::string& c : s.router.RouteClasses()) shared.AddRouteClass(c);
  for (const char* c : {"unknown", "invalid"}) shared.AddRouteClass(c);

  for (int i = 0; i < s.options.threads; ++i) {
    s.contexts.push_back(std::make_unique<net::io_context>(1));
    s.guards.push_back(net::make_work_guard(*s.contexts.back()));
  }
  boost::system::error_code ec;
  auto address = net::ip::make_address(s.options.host, ec);
  if (ec) {
    return InvalidArgument("listen address '", s.options.host,
                           "' is not an IP address (expected e.g. 127.0.0.1 or ::): ",
                           ec.message());
  }
  tcp::endpoint endpoint(address, s.options.port);
  auto acceptor = std::make_unique<tcp::acceptor>(*s.contexts[0]);
  auto fail = [&](const char* what) {
    return Status(StatusCode::kUnavailable,
                  StrCat("cannot ", what, " ", s.options.host, ":", s.options.port, ": ",
                         ec.message()));
  };
  if (acceptor->open(endpoint.protocol(), ec)) return fail("open a socket for");
  if (acceptor->set_option(net::socket_base::reuse_address(true), ec)) return fail("configure");
  if (acceptor->bind(endpoint, ec)) return fail("bind");
  if (acceptor->listen(net::socket_base::max_listen_connections, ec)) return fail("listen on");
  s.port = acceptor->local_endpoint().port();
  s.acceptor = std::move(acceptor);
  s.Accept();
  for (auto& context : s.contexts) {
    net::io_context* ctx = context.get();
    s.threads.emplace_back([ctx] { ctx->run(); });
  }
  s.running = true;
  return Status::Ok();
}

void Server::Stop(std::chrono::milliseconds grace) {
  Impl& s = *impl_;
  std::lock_guard<std::mutex> lock(s.stop_mutex);
  if (!s.running) return;
  s.running = false;
  s.shared->stopping.store(true);
  // Close the acceptor on its own thread (Asio objects are not thread-safe).
  net::post(*s.contexts[0], [&s] {
    boost::system::error_code ec;
    s.acceptor->close(ec);
  });
  auto snapshot = [&s] {
    std::vector<std::shared_ptr<internal::Connection>> out;
    std::lock_guard<std::mutex> lock(s.shared->mutex);
    for (auto& [raw, weak] : s.shared->connections) {
      if (auto strong = weak.lock()) out.push_back(std::move(strong));
    }
    return out;
  };
  // Idle keep-alive connections close now; busy ones close after their response (Send turns
  // keep-alive off while stopping).
  for (auto& c : snapshot()) internal::CloseIfIdle(c);
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (s.shared->busy.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (auto& c : snapshot()) internal::CloseNow(c);
  for (auto& guard : s.guards) guard.reset();
  // Give the closes a moment to run, then stop the loops.
  auto close_deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
  while (active_connections() > 0 && std::chrono::steady_clock::now() < close_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  for (auto& context : s.contexts) context->stop();
  for (auto& t : s.threads) t.join();
  s.threads.clear();
  s.acceptor.reset();
  if (s.options.log) std::fflush(s.options.log);
}

uint16_t Server::port() const { return impl_->port; }

std::string Server::address() const {
  const std::string& host = impl_->options.host;
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(impl_->port);
}

MetricsRegistry& Server::metrics() { return impl_->metrics; }

size_t Server::active_connections() const {
  std::lock_guard<std::mutex> lock(impl_->shared->mutex);
  return impl_->shared->connections.size();
}

}  // namespace mota::server::http
