#include "tests/e2e/fault_proxy.h"

#include <sys/socket.h>

#include <chrono>
#include <thread>

#include "server/http/test_client.h"

namespace mota::e2e {

using fetch::testing::Head;
using fetch::testing::SendAll;

FaultProxy::FaultProxy(uint16_t upstream_port, Plan plan)
    : upstream_port_(upstream_port), plan_(std::move(plan)) {
  server_ = std::make_unique<fetch::testing::FaultServer>(
      [this](int fd, const RawRequest& request, int) { Handle(fd, request); });
}

void FaultProxy::Handle(int fd, const RawRequest& request) {
  int n = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    n = seen_[request.path]++;
  }
  const Fault fault = plan_ ? plan_(request, n) : Fault{};
  std::string headers;
  for (const char* h : {"range", "if-range"}) {
    if (!request.Header(h).empty()) headers += std::string(h) + ": " + request.Header(h) + "\r\n";
  }
  auto up = server::http::testing::Get(upstream_port_, request.path, headers, request.method);
  if (!up) {
    SendAll(fd, Head(502, 0));
    return;
  }
  std::string extra;
  if (!up->Header("content-range").empty()) {
    extra = "Content-Range: " + up->Header("content-range") + "\r\n";
  }
  std::string body = up->body;
  switch (fault.kind) {
    case Fault::kForward:
      break;
    case Fault::kTrickle: {
      SendAll(fd, Head(up->status, static_cast<int64_t>(body.size()), extra));
      // Until the client gives up (send fails) or the test ends; 60 s at most.
      for (size_t i = 0; i < body.size() && i < 600 && !server_->stopping(); ++i) {
        if (!SendAll(fd, body.substr(i, 1))) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      return;
    }
    case Fault::kResetMidBody: {
      SendAll(fd, Head(up->status, static_cast<int64_t>(body.size()), extra));
      SendAll(fd, body.substr(0, body.size() / 2));
      linger l{1, 0};  // close() now sends RST, not FIN
      ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
      return;
    }
    case Fault::kSplice:
      if (up->status == 206) {
        // Same offsets of the other bytes: "bytes a-b/size" -> other[a .. a + body.size()).
        const std::string cr = up->Header("content-range");
        const size_t from = std::stoull(cr.substr(cr.find(' ') + 1));
        std::string other = fault.other;
        other.resize(std::max(other.size(), from + body.size()), '\0');
        body = other.substr(from, body.size());
      }
      break;
    case Fault::kAppend:
      body += fault.other;
      break;
    case Fault::kRedirect:
      SendAll(fd, Head(302, 0, "Location: " + fault.other + "\r\n"));
      return;
  }
  SendAll(fd, Head(up->status, static_cast<int64_t>(body.size()), extra));
  if (request.method != "HEAD") SendAll(fd, body);
}

}  // namespace mota::e2e
