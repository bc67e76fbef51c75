#include "server/http/message.h"

#include <unistd.h>

#include <nlohmann/json.hpp>

namespace mota::server::http {

std::string_view Request::Header(std::string_view name) const {
  if (headers == nullptr) return {};
  auto it = headers->find(boost::beast::string_view(name.data(), name.size()));
  if (it == headers->end()) return {};
  return std::string_view(it->value().data(), it->value().size());
}

std::string_view Request::BearerToken() const {
  std::string_view value = Header("Authorization");
  constexpr std::string_view kScheme = "Bearer ";
  if (value.size() <= kScheme.size()) return {};
  // The scheme is case-insensitive (RFC 7235 section 2.1).
  for (size_t i = 0; i < kScheme.size(); ++i) {
    char c = value[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    char want = kScheme[i];
    if (want >= 'A' && want <= 'Z') want = static_cast<char>(want - 'A' + 'a');
    if (c != want) return {};
  }
  return value.substr(kScheme.size());
}

OpenFile::~OpenFile() {
  if (fd_ >= 0) ::close(fd_);
}

Response Response::Bytes(int status, std::string body, std::string content_type) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.headers.emplace_back("Content-Type", std::move(content_type));
  return r;
}

Response Response::Error(int status, std::string_view message) {
  nlohmann::json j = {{"error", std::string(message)}};
  return Json(status, j.dump() + "\n");
}

Response Response::Json(int status, std::string json_text) {
  return Bytes(status, std::move(json_text), "application/json");
}

}  // namespace mota::server::http
