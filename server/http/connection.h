// One client connection (internal to server/http): reads requests with Beast's parser, runs the
// route's handler, writes the response, repeats while keep-alive. Every handler of a connection
// runs on the io thread that owns its io_context, so a connection needs no locks.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <boost/asio/ip/tcp.hpp>

#include "server/http/metrics.h"
#include "server/http/router.h"
#include "server/http/server.h"

namespace mota::server::http::internal {

class Connection;

// Per route class: the metrics a request updates, found once and cached.
struct RouteMetrics {
  Counter* bytes = nullptr;
  Histogram* latency = nullptr;
  std::atomic<Counter*> by_status[600] = {};
};

// State shared by all connections of a server.
struct ServerShared {
  const Router* router = nullptr;
  const ServerOptions* options = nullptr;
  MetricsRegistry* metrics = nullptr;
  std::atomic<bool> stopping{false};
  Gauge* open_connections = nullptr;

  std::mutex mutex;  // guards connections
  std::unordered_map<Connection*, std::weak_ptr<Connection>> connections;
  std::map<std::string, std::unique_ptr<RouteMetrics>, std::less<>> route_metrics;
  std::atomic<size_t> busy{0};  // connections between reading a header and finishing the response

  // Creates the metrics of a route class; call for every class before the io threads start.
  void AddRouteClass(std::string_view route_class);
  RouteMetrics& MetricsFor(std::string_view route_class);
  Counter* StatusCounter(RouteMetrics& metrics, std::string_view route_class, int status);
};

// Starts serving `socket`; the connection keeps itself alive until it closes.
void StartConnection(boost::asio::ip::tcp::socket socket, std::shared_ptr<ServerShared> shared);

// Closes the connection if it is waiting for a new request (not mid-request). Thread-safe: posts
// to the connection's io thread.
void CloseIfIdle(const std::shared_ptr<Connection>& connection);
// Closes it whatever its state (after the grace period).
void CloseNow(const std::shared_ptr<Connection>& connection);

}  // namespace mota::server::http::internal
