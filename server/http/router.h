// Routes (method, exact path or path prefix) to synchronous handlers.
//
// Registering a handler (e.g. from server/admin/), before the server starts:
//
//   #include "server/http/router.h"
//   namespace http = mota::server::http;
//
//   void RegisterPublishRoutes(http::Router& router, http::MetricsRegistry& metrics, State* state) {
//     http::Counter* published = metrics.GetCounter("mota_publish_total", "Releases published.");
//     router.Handle("POST", "/v1/admin/publish",
//                   [state, published](const http::Request& request) -> http::Response {
//                     if (!state->TokenMatches(request.BearerToken()))  // constant time
//                       return http::Response::Error(401, "missing or wrong bearer token");
//                     ...
//                     published->Increment();
//                     return http::Response::Json(200, R"({"timestamp_version":7})");
//                   },
//                   {.route_class = "admin_publish", .max_body_bytes = 256 << 20});
//     router.HandlePrefix("PUT", "/v1/admin/blobs/", handler, {.route_class = "admin_blob",
//                                                              .max_body_bytes = 64 << 20});
//   }
//
// Matching: an exact route wins over prefixes; among prefixes the longest wins. A GET route also
// answers HEAD (the server drops the body). A path that matches with another method gets 405 with
// an Allow header; no match is 404. A body larger than the route's max_body_bytes is refused with
// 413 before it is read. The route_class labels the route in /metrics and in the request log
// (keep the set of classes small: it is a Prometheus label).
//
// The router is not thread-safe for registration: register everything before Server::Start.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "server/http/message.h"

namespace mota::server::http {

using Handler = std::function<Response(const Request&)>;

struct RouteOptions {
  std::string route_class = "other";  // the "route" label in /metrics
  size_t max_body_bytes = 0;          // requests with a bigger body get 413 (0: no body allowed)
};

struct Route {
  std::string method;
  std::string path;  // exact path, or the prefix for prefix routes
  bool prefix = false;
  Handler handler;
  RouteOptions options;
};

class Router {
 public:
  // Exact path. Registering the same method and path twice replaces the first.
  void Handle(std::string method, std::string path, Handler handler, RouteOptions options = {});
  // Every path that starts with `prefix` (e.g. "/blobs/").
  void HandlePrefix(std::string method, std::string prefix, Handler handler,
                    RouteOptions options = {});

  struct Match {
    const Route* route = nullptr;   // null: no route for this method
    bool path_known = false;        // some method has a route for this path (-> 405, not 404)
    std::string allow;              // the methods that path accepts, for the Allow header
  };
  Match Find(std::string_view method, std::string_view path) const;
  // Every route_class registered (for metrics).
  std::vector<std::string> RouteClasses() const;

 private:
  void Add(Route route);
  std::vector<Route> exact_;
  std::vector<Route> prefixes_;  // sorted longest prefix first
};

}  // namespace mota::server::http
