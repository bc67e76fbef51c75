// A tiny HTTP/1.1 test server on 127.0.0.1 (port 0) whose every response is written by the test,
// byte by byte, so faults are easy to inject: trickling, cutting the connection, ignoring Range,
// wrong Content-Range, endless or wrong bodies. One request per connection (Connection: close).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace mota::fetch::testing {

struct RawRequest {
  std::string method, path;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

class FaultServer {
 public:
  // `handler` writes the whole response to `fd`; `n` counts requests from 0.
  using Handler = std::function<void(int fd, const RawRequest& request, int n)>;
  explicit FaultServer(Handler handler);
  ~FaultServer();

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int requests() const { return requests_.load(); }
  std::vector<RawRequest> log() const;
  int RequestsFor(const std::string& path) const;
  bool stopping() const { return stop_.load(); }

 private:
  void AcceptLoop();
  void Serve(int fd);

  Handler handler_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::thread acceptor_;
  mutable std::mutex mu_;
  std::vector<std::thread> connections_;
  std::vector<RawRequest> log_;
};

// Writes all of `bytes`, ignoring errors (the client may have hung up: that is the test).
bool SendAll(int fd, std::string_view bytes);
// "HTTP/1.1 <status> X\r\nContent-Length: N\r\nConnection: close\r\n<extra>\r\n"; a negative
// length omits Content-Length (the body ends when the connection closes).
std::string Head(int status, int64_t content_length, const std::string& extra = "");

// Serves /blobs/<sha256> from `blobs` like `mota serve`: 200, or 206 with Content-Range for a
// "bytes=N-" Range when `honor_range`; 404 for anything else.
void ServeBlob(int fd, const RawRequest& request,
               const std::map<std::string, std::vector<uint8_t>>& blobs, bool honor_range = true);

// The blob name of a path "/blobs/<sha256>" ("" otherwise).
std::string BlobName(const RawRequest& request);

}  // namespace mota::fetch::testing
