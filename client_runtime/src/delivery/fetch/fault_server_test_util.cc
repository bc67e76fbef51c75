#include "delivery/fetch/fault_server_test_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace mota::fetch::testing {

FaultServer::FaultServer(Handler handler) : handler_(std::move(handler)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listen_fd_, 64) != 0) {
    std::abort();
  }
  socklen_t len = sizeof(addr);
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

FaultServer::~FaultServer() {
  stop_ = true;
  acceptor_.join();
  ::close(listen_fd_);
  std::vector<std::thread> connections;
  {
    std::lock_guard<std::mutex> lock(mu_);
    connections.swap(connections_);
  }
  for (std::thread& t : connections) t.join();
}

std::vector<RawRequest> FaultServer::log() const {
  std::lock_guard<std::mutex> lock(mu_);
  return log_;
}

int FaultServer::RequestsFor(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(
      std::count_if(log_.begin(), log_.end(), [&](const RawRequest& r) { return r.path == path; }));
}

void FaultServer::AcceptLoop() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::lock_guard<std::mutex> lock(mu_);
    connections_.emplace_back([this, fd] { Serve(fd); });
  }
}

void FaultServer::Serve(int fd) {
  std::string head;
  char buf[4096];
  while (head.find("\r\n\r\n") == std::string::npos && head.size() < 65536) {
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    head.append(buf, static_cast<size_t>(n));
  }
  RawRequest request;
  size_t line_end = head.find("\r\n");
  std::string first = head.substr(0, line_end);
  size_t sp1 = first.find(' '), sp2 = first.rfind(' ');
  if (line_end != std::string::npos && sp1 != std::string::npos && sp2 > sp1) {
    request.method = first.substr(0, sp1);
    request.path = first.substr(sp1 + 1, sp2 - sp1 - 1);
    for (size_t at = line_end + 2; at < head.size();) {
      size_t end = head.find("\r\n", at);
      if (end == std::string::npos || end == at) break;
      std::string line = head.substr(at, end - at);
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(), ::tolower);
        size_t v = line.find_first_not_of(' ', colon + 1);
        request.headers[name] = v == std::string::npos ? "" : line.substr(v);
      }
      at = end + 2;
    }
    int n = requests_++;
    {
      std::lock_guard<std::mutex> lock(mu_);
      log_.push_back(request);
    }
    handler_(fd, request, n);
  }
  ::shutdown(fd, SHUT_RDWR);
  ::close(fd);
}

bool SendAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string Head(int status, int64_t content_length, const std::string& extra) {
  std::string h = "HTTP/1.1 " + std::to_string(status) + " X\r\n";
  if (content_length >= 0) h += "Content-Length: " + std::to_string(content_length) + "\r\n";
  return h + "Connection: close\r\n" + extra + "\r\n";
}

std::string BlobName(const RawRequest& request) {
  constexpr std::string_view kPrefix = "/blobs/";
  if (request.path.compare(0, kPrefix.size(), kPrefix) != 0) return "";
  return request.path.substr(kPrefix.size());
}

void ServeBlob(int fd, const RawRequest& request,
               const std::map<std::string, std::vector<uint8_t>>& blobs, bool honor_range) {
  auto it = blobs.find(BlobName(request));
  if (it == blobs.end()) {
    SendAll(fd, Head(404, 0));
    return;
  }
  std::string_view body(reinterpret_cast<const char*>(it->second.data()), it->second.size());
  std::string range = request.Header("range");
  if (honor_range && range.rfind("bytes=", 0) == 0 && range.back() == '-') {
    uint64_t from = std::strtoull(range.c_str() + 6, nullptr, 10);
    if (from >= body.size()) {
      SendAll(fd, Head(416, 0, "Content-Range: bytes */" + std::to_string(body.size()) + "\r\n"));
      return;
    }
    std::string cr = "Content-Range: bytes " + std::to_string(from) + "-" +
                     std::to_string(body.size() - 1) + "/" + std::to_string(body.size()) + "\r\n";
    SendAll(fd, Head(206, static_cast<int64_t>(body.size() - from), cr));
    SendAll(fd, body.substr(from));
    return;
  }
  SendAll(fd, Head(200, static_cast<int64_t>(body.size())));
  SendAll(fd, body);
}

}  // namespace mota::fetch::testing
