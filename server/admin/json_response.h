// JSON bodies of the admin API's responses, shared by its endpoints.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "server/http/message.h"

namespace mota::server::admin {

// JSON text that never throws: invalid UTF-8 from a hostile request is replaced, not fatal.
inline std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// {"error": "<message>"} with `status`.
inline http::Response JsonError(int status, std::string_view message) {
  return http::Response::Json(status, Dump(nlohmann::json{{"error", std::string(message)}}) + "\n");
}

}  // namespace mota::server::admin
