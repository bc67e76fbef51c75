// The request a handler gets and the response it returns (see router.h for registering one).
//
// Handlers are synchronous and run on the server's io threads: keep them short (no network
// calls, no sleeping). A handler may be called concurrently from several threads.
//
// A response body is either bytes in memory (`body`) or a slice of an opened file (`file`), which
// the server streams in chunks without reading the file whole. The file is opened once per
// request, so a publisher that renames a new file over the path does not change what an
// in-flight response sends.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/beast/http/fields.hpp>

namespace mota::server::http {

struct Request {
  std::string_view method;  // "GET", "POST", ... (as sent; the router matches it exactly)
  std::string_view target;  // the raw request target: path plus "?query" (never decoded)
  std::string_view path;    // target up to '?'
  std::string_view query;   // after '?', empty when absent
  // Every request header (case-insensitive lookup: headers->find("Authorization")).
  const boost::beast::http::fields* headers = nullptr;
  std::string_view body;          // at most the route's max_body_bytes
  std::string remote_address;     // "127.0.0.1:51234"

  // The header's value, or "" when absent.
  std::string_view Header(std::string_view name) const;
  // The token of "Authorization: Bearer <token>", or "" when absent or another scheme.
  // Compare it in constant time (admin code's job).
  std::string_view BearerToken() const;
};

// An opened file, closed when the last response using it is gone.
class OpenFile {
 public:
  explicit OpenFile(int fd) : fd_(fd) {}
  ~OpenFile();
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

struct FileSlice {
  std::shared_ptr<OpenFile> file;
  uint64_t offset = 0;
  uint64_t length = 0;
};

struct Response {
  int status = 200;
  // Extra headers (Content-Type, ETag, Cache-Control, ...). Content-Length, Server, Date and
  // Connection are set by the server.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // When set, the body is this file slice and `body` is ignored.
  std::shared_ptr<FileSlice> file;
  // For HEAD: the server sends the headers (with the Content-Length of the full body) only.

  Response& SetHeader(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }

  // `body` with the given content type.
  static Response Bytes(int status, std::string body, std::string content_type);
  // {"error": message} as application/json; message says what was wrong and what was expected.
  static Response Error(int status, std::string_view message);
  // `json_text` (already serialized) as application/json.
  static Response Json(int status, std::string json_text);
};

}  // namespace mota::server::http
