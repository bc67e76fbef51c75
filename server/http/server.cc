#include "server/http/server.h"

#include <sys/socket.h>

#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "server/http/connection.h"
#include "server/http/request_log.h"

namespace mota::server::http {

namespace net = boost::asio;
using tcp = net::ip::tcp;

// One io_context per thread (as nginx has one event loop per worker): a connection lives on one
// thread for its whole life, so no strands and no cross-thread wakeups. Each context has its own
// listening socket on the same port (SO_REUSEPORT), so the kernel spreads new connections over
// the threads and no thread hands sockets to another.
struct Server::Impl {
  Router router;
  ServerOptions options;
  MetricsRegistry metrics;
  std::shared_ptr<internal::ServerShared> shared = std::make_shared<internal::ServerShared>();
  std::vector<std::unique_ptr<net::io_context>> contexts;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> guards;
  std::vector<std::thread> threads;
  std::vector<std::unique_ptr<net::steady_timer>> log_timers;  // one per context
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;  // acceptors[i] runs on contexts[i]
  uint16_t port = 0;
  std::mutex stop_mutex;
  bool running = false;

  void Accept(tcp::acceptor* acceptor) {
    acceptor->async_accept([this, acceptor](boost::system::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !acceptor->is_open()) return;
      if (!ec) internal::StartConnection(std::move(socket), shared);
      // Other errors (EMFILE, ECONNABORTED) affect one connection: keep accepting.
      Accept(acceptor);
    });
  }

  // Request log lines are buffered per thread (request_log.h); push them out once a second.
  void FlushLogEverySecond(net::steady_timer* timer) {
    timer->expires_after(std::chrono::seconds(1));
    timer->async_wait([this, timer](boost::system::error_code ec) {
      if (ec) return;
      internal::FlushThreadLog();
      FlushLogEverySecond(timer);
    });
  }

  // Binds one listening socket on `contexts[index]`; SO_REUSEPORT lets all threads share the port.
  Status Listen(size_t index, const tcp::endpoint& endpoint) {
    boost::system::error_code ec;
    auto acceptor = std::make_unique<tcp::acceptor>(*contexts[index]);
    auto fail = [&](const char* what) {
      return Status(StatusCode::kUnavailable, StrCat("cannot ", what, " ", options.host, ":",
                                                     endpoint.port(), ": ", ec.message()));
    };
    using reuse_port = net::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;
    if (acceptor->open(endpoint.protocol(), ec)) return fail("open a socket for");
    if (acceptor->set_option(net::socket_base::reuse_address(true), ec)) return fail("configure");
    if (contexts.size() > 1 && acceptor->set_option(reuse_port(true), ec)) return fail("configure");
    if (acceptor->bind(endpoint, ec)) return fail("bind");
    if (acceptor->listen(net::socket_base::max_listen_connections, ec)) return fail("listen on");
    acceptors.push_back(std::move(acceptor));
    return Status::Ok();
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
  if (s.options.port != 0) {
    // SO_REUSEPORT would let us join another server's group on the same port (same user) and
    // silently split its traffic: a plain bind first fails with "in use" if anyone listens.
    tcp::acceptor probe(*s.contexts[0]);
    if (!probe.open(endpoint.protocol(), ec)) {
      probe.set_option(net::socket_base::reuse_address(true), ec);
      if (probe.bind(endpoint, ec)) {
        return Status(StatusCode::kUnavailable, StrCat("cannot bind ", s.options.host, ":",
                                                       s.options.port, ": ", ec.message()));
      }
    }
  }
  MOTA_RETURN_IF_ERROR(s.Listen(0, endpoint));
  s.port = s.acceptors[0]->local_endpoint().port();
  endpoint.port(s.port);  // port 0: the others join the port the first one got
  for (size_t i = 1; i < s.contexts.size(); ++i) MOTA_RETURN_IF_ERROR(s.Listen(i, endpoint));
  for (auto& acceptor : s.acceptors) s.Accept(acceptor.get());
  for (auto& context : s.contexts) {
    net::io_context* ctx = context.get();
    s.log_timers.push_back(std::make_unique<net::steady_timer>(*ctx));
    s.FlushLogEverySecond(s.log_timers.back().get());
    s.threads.emplace_back([ctx] {
      ctx->run();
      internal::FlushThreadLog();  // what this thread buffered since the last tick
    });
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
  // Close each acceptor on its own thread (Asio objects are not thread-safe).
  for (size_t i = 0; i < s.acceptors.size(); ++i) {
    net::post(*s.contexts[i], [acceptor = s.acceptors[i].get()] {
      boost::system::error_code ec;
      acceptor->close(ec);
    });
  }
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
  s.log_timers.clear();
  s.acceptors.clear();
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
