#include "server/http/connection.h"

#include <algorithm>
#include <exception>
#include <sstream>
#include <limits>
#include <optional>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/sendfile.h>
#include <sys/socket.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "server/http/request_log.h"

namespace mota::server::http::internal {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

RouteMetrics& ServerShared::MetricsFor(std::string_view route_class) {
  // Filled by AddRouteClass before the io threads start, read-only afterwards: no lock.
  auto it = route_metrics.find(route_class);
  if (it != route_metrics.end()) return *it->second;
  return *route_metrics.find(std::string_view("unknown"))->second;
}

void ServerShared::AddRouteClass(std::string_view route_class) {
  if (route_metrics.count(route_class)) return;
  auto m = std::make_unique<RouteMetrics>();
  Labels labels{{"route", std::string(route_class)}};
  m->bytes = metrics->GetCounter("mota_http_response_bytes_total",
                                 "Bytes sent (headers and bodies), by route class.", labels);
  m->latency = metrics->GetHistogram("mota_http_request_duration_seconds",
                                     "From a complete request header to the last byte sent.",
                                     DefaultLatencyBuckets(), labels);
  route_metrics.emplace(std::string(route_class), std::move(m));
}

Counter* ServerShared::StatusCounter(RouteMetrics& m, std::string_view route_class, int status) {
  if (status < 100 || status >= 600) status = 599;
  Counter* c = m.by_status[status].load(std::memory_order_acquire);
  if (c != nullptr) return c;
  // The registry hands out the same counter for the same labels, so a race here is harmless.
  c = metrics->GetCounter("mota_http_requests_total", "Requests, by route class and status code.",
                          {{"route", std::string(route_class)}, {"code", std::to_string(status)}});
  m.by_status[status].store(c, std::memory_order_release);
  return c;
}

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, std::shared_ptr<ServerShared> shared)
      : socket_(std::move(socket)), watchdog_(socket_.get_executor()), shared_(std::move(shared)) {
    beast::error_code ec;
    auto endpoint = socket_.remote_endpoint(ec);
    if (!ec) remote_ = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
    socket_.set_option(tcp::no_delay(true), ec);
  }

  ~Connection() {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    shared_->connections.erase(this);
    shared_->open_connections->Add(-1);
  }

  void Start() {
    {
      std::lock_guard<std::mutex> lock(shared_->mutex);
      shared_->connections.emplace(this, weak_from_this());
      shared_->open_connections->Add(1);
    }
    Tick();
    ReadHeader();
  }

  // Runs on the connection's thread.
  void CloseIfIdle() {
    if (!busy_) Close();
  }
  void Close() {
    watchdog_.cancel();
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }
  net::any_io_executor executor() { return socket_.get_executor(); }

 private:
  const ServerOptions& options() const { return *shared_->options; }

  // Timeouts: each phase sets a deadline (a plain store, no syscall), and one watchdog timer per
  // connection ticks at a fixed period and closes the socket once the deadline has passed. This
  // replaces a timer re-armed (and its cancellation handler run) for every read and write.
  void SetDeadline(std::chrono::milliseconds timeout) { deadline_ = Clock::now() + timeout; }

  std::chrono::milliseconds TickPeriod() const {
    const ServerOptions& o = options();
    auto shortest = std::min({o.header_timeout, o.body_timeout, o.idle_timeout, o.write_timeout});
    return std::clamp(shortest / 4, std::chrono::milliseconds(10),
                      std::chrono::milliseconds(1000));
  }

  void Tick() {
    watchdog_.expires_after(TickPeriod());
    watchdog_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || !self->socket_.is_open()) return;
      if (Clock::now() >= self->deadline_) return self->Close();  // pending I/O gets aborted
      self->Tick();
    });
  }

  void ReadHeader() {
    if (shared_->stopping.load()) return Close();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(options().max_header_bytes));
    // No body limit while reading the header: Beast would reject a Content-Length above its
    // default before we know the route. The route's limit is checked in OnHeader.
    // (Not boost::none: Boost 1.74 compares Content-Length > none as true and rejects every body.)
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    // One deadline for the whole header, not per read: a client that trickles bytes is dropped.
    SetDeadline(requests_ == 0 ? options().header_timeout
                                         : std::min(options().idle_timeout,
                                                    options().header_timeout));
    bhttp::async_read_header(socket_, buffer_, *parser_,
                             beast::bind_front_handler(&Connection::OnHeader, shared_from_this()));
  }

  void OnHeader(beast::error_code ec, size_t) {
    if (ec) {
      if (ec == bhttp::error::header_limit) {
        return SendError(431, "request header larger than the limit of " +
                                  std::to_string(options().max_header_bytes) + " bytes");
      }
      if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
          ec == net::error::operation_aborted || ec == net::error::connection_reset ||
          ec == net::error::eof || ec == net::error::bad_descriptor) {
        return Close();
      }
      return SendError(400, "malformed HTTP request: " + ec.message());
    }
    BeginRequest();
    const auto& req = parser_->get();
    method_ = std::string(req.method_string());
    target_ = std::string(req.target());
    path_ = std::string_view(target_).substr(0, target_.find('?'));
    match_ = shared_->router->Find(method_, path_);
    route_class_ = match_.route ? match_.route->options.route_class : "unknown";
    if (match_.route == nullptr) {
      if (match_.path_known) {
        Response r = Response::Error(405, "method " + method_ + " not allowed for " +
                                              std::string(path_) + "; allowed: " + match_.allow);
        r.SetHeader("Allow", match_.allow);
        return FinishWithoutBody(std::move(r));
      }
      return FinishWithoutBody(Response::Error(404, "no such resource: " + std::string(path_)));
    }
    size_t limit = match_.route->options.max_body_bytes;
    if (parser_->content_length() && *parser_->content_length() > limit) {
      return FinishWithoutBody(Response::Error(
          413, "request body of " + std::to_string(*parser_->content_length()) +
                   " bytes is larger than this route's limit of " + std::to_string(limit)));
    }
    if (parser_->is_done()) return Dispatch();
    parser_->body_limit(limit);  // chunked bodies are checked as they arrive
    auto expect = req.find(bhttp::field::expect);
    if (expect != req.end() && beast::iequals(expect->value(), "100-continue")) {
      // Tell curl-like clients to send the body now rather than after a 1 s wait.
      auto cont = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_,
                                                                       11);
      SetDeadline(options().write_timeout);
      return bhttp::async_write(socket_, *cont,
                                [self = shared_from_this(), cont](beast::error_code ec, size_t) {
                                  if (ec) return self->EndRequest(), self->Close();
                                  self->ReadBody();
                                });
    }
    ReadBody();
  }

  void ReadBody() {
    SetDeadline(options().body_timeout);
    bhttp::async_read(socket_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        if (!ec) return self->Dispatch();
                        if (ec == bhttp::error::body_limit) {
                          return self->FinishWithoutBody(Response::Error(
                              413, "request body larger than this route's limit of " +
                                       std::to_string(self->match_.route->options.max_body_bytes) +
                                       " bytes"));
                        }
                        self->EndRequest();
                        self->Close();
                      });
  }

  void BeginRequest() {
    busy_ = true;
    shared_->busy.fetch_add(1);
    start_ = Clock::now();
    bytes_sent_ = 0;
    ++requests_;
  }

  void EndRequest() {
    if (!busy_) return;
    busy_ = false;
    shared_->busy.fetch_sub(1);
  }

  // A response to a malformed request (nothing routed): always closes afterwards.
  void SendError(int status, std::string message) {
    BeginRequest();
    if (parser_ && parser_->is_header_done()) {
      method_ = std::string(parser_->get().method_string());
      target_ = std::string(parser_->get().target());
    } else {
      method_.clear();
      target_.clear();
    }
    route_class_ = "invalid";
    FinishWithoutBody(Response::Error(status, message));
  }

  // Answers without reading the request body: the connection closes after the response unless
  // the request had no body at all.
  void FinishWithoutBody(Response response) {
    bool body_pending = !parser_ || !parser_->is_header_done() || !parser_->is_done();
    Send(std::move(response), /*keep_alive=*/!body_pending);
  }

  void Dispatch() {
    const auto& req = parser_->get();
    Request request;
    request.method = method_;
    request.target = target_;
    request.path = path_;
    size_t q = target_.find('?');
    if (q != std::string::npos) request.query = std::string_view(target_).substr(q + 1);
    request.headers = &req.base();
    request.body = req.body();
    request.remote_address = remote_;
    Response response;
    try {
      response = match_.route->handler(request);
    } catch (const std::exception& e) {
      // Handlers should not throw; a bug in one must not take the server down.
      response = Response::Error(500, std::string("internal error in handler for ") +
                                          std::string(path_) + ": " + e.what());
    }
    Send(std::move(response), req.keep_alive());
  }

  template <class Message>
  void ApplyHeaders(Message& msg, const Response& response, bool keep_alive) {
    msg.set(bhttp::field::server, options().server_name);
    msg.set(bhttp::field::date, HttpDateNow());
    for (const auto& [name, value] : response.headers) msg.insert(name, value);
    msg.keep_alive(keep_alive);
  }

  void Send(Response response, bool keep_alive) {
    status_ = response.status;
    keep_alive = keep_alive && !shared_->stopping.load() &&
                 (options().max_requests_per_connection == 0 ||
                  requests_ < options().max_requests_per_connection);
    unsigned version = parser_ && parser_->is_header_done() ? parser_->get().version() : 11;
    if (version < 10) version = 11;
    auto status = static_cast<bhttp::status>(response.status);
    bool head = method_ == "HEAD";
    if (head || response.status == 304) {
      auto msg = std::make_shared<bhttp::response<bhttp::empty_body>>(status, version);
      ApplyHeaders(*msg, response, keep_alive);
      // HEAD reports the length the GET would send; 304 sends no length at all.
      if (response.status != 304) {
        msg->content_length(response.file ? response.file->length : response.body.size());
      }
      return Write(std::move(msg));
    }
    if (response.file) {
      bhttp::response<bhttp::empty_body> msg(status, version);
      ApplyHeaders(msg, response, keep_alive);
      msg.content_length(response.file->length);
      auto send = std::make_shared<FileSend>();
      std::ostringstream header;
      header << msg.base();  // status line, fields and the blank line
      send->header = header.str();
      send->slice = std::move(response.file);
      send->keep_alive = keep_alive;
      if (!non_blocking_) {  // once per connection (each call is an ioctl)
        beast::error_code ec;
        socket_.native_non_blocking(true, ec);
        if (ec) return Finished(false);
        non_blocking_ = true;
      }
      // Cork while header and file go out so only full segments are sent (nginx: tcp_nopush).
      int on = 1;
      ::setsockopt(socket_.native_handle(), IPPROTO_TCP, TCP_CORK, &on, sizeof(on));
      return ContinueFileSend(std::move(send));
    }
    auto msg = std::make_shared<bhttp::response<bhttp::string_body>>(
        std::piecewise_construct, std::make_tuple(std::move(response.body)),
        std::make_tuple(status, version));
    ApplyHeaders(*msg, response, keep_alive);
    msg->prepare_payload();
    Write(std::move(msg));
  }

  // A file body goes out with sendfile(2) from the descriptor opened for this request (no copy
  // through user space, as nginx does), after the header sent with MSG_MORE so both share the
  // first packet. Non-blocking: on EAGAIN we wait for the socket to become writable; every bit
  // of progress re-arms the write timeout, so a slow but reading client is fine.
  struct FileSend {
    std::string header;
    size_t header_sent = 0;
    std::shared_ptr<FileSlice> slice;
    uint64_t body_sent = 0;
    bool keep_alive = false;
  };

  void ContinueFileSend(std::shared_ptr<FileSend> send) {
    const int fd = socket_.native_handle();
    SetDeadline(options().write_timeout);
    // Yield to other connections of this thread after this many bytes (nginx: sendfile_max_chunk).
    uint64_t budget = 2 << 20;
    while (true) {
      ssize_t n;
      if (send->header_sent < send->header.size()) {
        int flags = MSG_NOSIGNAL | (send->slice->length > 0 ? MSG_MORE : 0);
        n = ::send(fd, send->header.data() + send->header_sent,
                   send->header.size() - send->header_sent, flags);
        if (n > 0) send->header_sent += static_cast<size_t>(n);
      } else if (send->body_sent < send->slice->length) {
        if (budget == 0) {
          return net::post(socket_.get_executor(), [self = shared_from_this(), send] {
            self->ContinueFileSend(send);
          });
        }
        off_t offset = static_cast<off_t>(send->slice->offset + send->body_sent);
        size_t want = static_cast<size_t>(
            std::min<uint64_t>({send->slice->length - send->body_sent, budget, 1u << 30}));
        n = ::sendfile(fd, send->slice->file->fd(), &offset, want);
        if (n == 0) return Finished(false);  // the file shrank: served files must not
        if (n > 0) {
          send->body_sent += static_cast<uint64_t>(n);
          budget -= std::min<uint64_t>(budget, static_cast<uint64_t>(n));
        }
      } else {
        int off = 0;  // uncork: the last partial segment goes out now
        ::setsockopt(fd, IPPROTO_TCP, TCP_CORK, &off, sizeof(off));
        return Finished(send->keep_alive);
      }
      if (n > 0) {
        bytes_sent_ += static_cast<uint64_t>(n);
        continue;
      }
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return Finished(false);
      return socket_.async_wait(tcp::socket::wait_write,
                                [self = shared_from_this(), send](beast::error_code ec) {
                                  if (ec) return self->Finished(false);
                                  self->ContinueFileSend(send);
                                });
    }
  }

  // Writes in pieces, re-arming the timeout for each: a big blob to a slow but progressing
  // client is fine; a client that stops reading is dropped after write_timeout.
  template <class Body>
  void Write(std::shared_ptr<bhttp::response<Body>> msg) {
    auto sr = std::make_shared<bhttp::response_serializer<Body>>(*msg);
    WriteSome(std::move(msg), std::move(sr));
  }

  template <class Body>
  void WriteSome(std::shared_ptr<bhttp::response<Body>> msg,
                 std::shared_ptr<bhttp::response_serializer<Body>> sr) {
    SetDeadline(options().write_timeout);
    bhttp::async_write_some(
        socket_, *sr,
        [self = shared_from_this(), msg, sr](beast::error_code ec, size_t n) mutable {
          self->bytes_sent_ += n;
          if (ec) return self->Finished(false);
          if (!sr->is_done()) return self->WriteSome(std::move(msg), std::move(sr));
          self->Finished(msg->keep_alive());
        });
  }

  void Finished(bool keep_alive) {
    double seconds = std::chrono::duration<double>(Clock::now() - start_).count();
    RouteMetrics& m = shared_->MetricsFor(route_class_);
    shared_->StatusCounter(m, route_class_, status_)->Increment();
    m.bytes->Increment(bytes_sent_);
    m.latency->Observe(seconds);
    WriteLogLine(options().log, {remote_, method_, target_, route_class_, status_, bytes_sent_,
                                 seconds * 1000});
    EndRequest();
    if (!keep_alive) {
      beast::error_code ec;
      socket_.shutdown(tcp::socket::shutdown_send, ec);
      return Close();
    }
    ReadHeader();
  }

  tcp::socket socket_;
  net::steady_timer watchdog_;
  Clock::time_point deadline_ = Clock::time_point::max();
  std::shared_ptr<ServerShared> shared_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::string remote_;
  std::string method_, target_, route_class_;
  std::string_view path_;
  Router::Match match_;
  Clock::time_point start_;
  uint64_t bytes_sent_ = 0;
  size_t requests_ = 0;
  int status_ = 0;
  bool busy_ = false;
  bool non_blocking_ = false;
};

void StartConnection(tcp::socket socket, std::shared_ptr<ServerShared> shared) {
  auto connection = std::make_shared<Connection>(std::move(socket), std::move(shared));
  connection->Start();
}

void CloseIfIdle(const std::shared_ptr<Connection>& connection) {
  net::post(connection->executor(), [connection] { connection->CloseIfIdle(); });
}

void CloseNow(const std::shared_ptr<Connection>& connection) {
  net::post(connection->executor(), [connection] { connection->Close(); });
}

}  // namespace mota::server::http::internal
