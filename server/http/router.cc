#include "server/http/router.h"

#include <algorithm>
#include <utility>

namespace mota::server::http {

void Router::Handle(std::string method, std::string path, Handler handler, RouteOptions options) {
  Add(Route{std::move(method), std::move(path), false, std::move(handler), std::move(options)});
}

void Router::HandlePrefix(std::string method, std::string prefix, Handler handler,
                          RouteOptions options) {
  Add(Route{std::move(method), std::move(prefix), true, std::move(handler), std::move(options)});
}

void Router::Add(Route route) {
  std::vector<Route>& list = route.prefix ? prefixes_ : exact_;
  for (Route& existing : list) {
    if (existing.method == route.method && existing.path == route.path) {
      existing = std::move(route);
      return;
    }
  }
  list.push_back(std::move(route));
  // Longest prefix first, so the first match is the most specific.
  std::stable_sort(prefixes_.begin(), prefixes_.end(), [](const Route& a, const Route& b) {
    return a.path.size() > b.path.size();
  });
}

namespace {
bool MethodMatches(const Route& route, std::string_view method) {
  return route.method == method || (method == "HEAD" && route.method == "GET");
}

void AddAllow(std::string& allow, const std::string& method) {
  auto add = [&allow](std::string_view m) {
    if (allow.find(m) != std::string::npos) return;
    if (!allow.empty()) allow += ", ";
    allow += m;
  };
  add(method);
  if (method == "GET") add("HEAD");
}
}  // namespace

Router::Match Router::Find(std::string_view method, std::string_view path) const {
  Match match;
  for (const Route& route : exact_) {
    if (route.path != path) continue;
    match.path_known = true;
    AddAllow(match.allow, route.method);
    // An exact GET route serves HEAD unless a HEAD route exists too; the first exact hit wins.
    if (match.route == nullptr && MethodMatches(route, method)) match.route = &route;
  }
  if (match.route != nullptr) return match;
  // Exact routes for this path shadow prefixes (e.g. POST /v1/x exact vs GET /v1/ prefix: only
  // when no exact route matched the method do we look at prefixes).
  for (const Route& route : prefixes_) {
    if (path.substr(0, route.path.size()) != route.path) continue;
    match.path_known = true;
    AddAllow(match.allow, route.method);
    if (match.route == nullptr && MethodMatches(route, method)) match.route = &route;
  }
  return match;
}

std::vector<std::string> Router::RouteClasses() const {
  std::vector<std::string> out;
  for (const auto* list : {&exact_, &prefixes_}) {
    for (const Route& route : *list) {
      if (std::find(out.begin(), out.end(), route.options.route_class) == out.end()) {
        out.push_back(route.options.route_class);
      }
    }
  }
  return out;
}

}  // namespace mota::server::http
