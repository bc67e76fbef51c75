// A fault-injecting HTTP proxy for the attack tests: sits between the device client and a real
// server (mota serve or nginx on loopback), forwards each request (with its Range header) and
// writes the upstream's answer back, except where the test's plan injects a fault: a trickle, a
// connection reset in the middle of a body, a Range answer spliced from other bytes, a body
// longer than the file. Built on the fetch layer's FaultServer (one request per connection).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "delivery/fetch/fault_server_test_util.h"

namespace mota::e2e {

using fetch::testing::RawRequest;

struct Fault {
  enum Kind {
    kForward,       // the upstream's response, unchanged
    kTrickle,       // the head, then one body byte every 100 ms until the client hangs up
    kResetMidBody,  // the head and half the body, then a TCP reset
    kSplice,        // a Range request answered 206 with the right Content-Range but the bytes
                    // of `other` at the same offsets (a resumed download spliced from elsewhere)
    kAppend,        // the body followed by `other`, Content-Length counting both
    kRedirect,      // 302 to the URL `other`
  };
  Kind kind = kForward;
  std::string other;
};

class FaultProxy {
 public:
  // `plan(request, n)`: the fault for the n-th request (from 0) for this path.
  using Plan = std::function<Fault(const RawRequest& request, int n)>;
  FaultProxy(uint16_t upstream_port, Plan plan);

  std::string base_url() const { return server_->base_url(); }
  // Requests seen for `path` ("/blobs/<sha256>").
  int RequestsFor(const std::string& path) const { return server_->RequestsFor(path); }
  int requests() const { return server_->requests(); }
  std::vector<RawRequest> log() const { return server_->log(); }

 private:
  void Handle(int fd, const RawRequest& request);

  uint16_t upstream_port_;
  Plan plan_;
  std::mutex mu_;
  std::map<std::string, int> seen_;  // path -> requests so far
  std::unique_ptr<fetch::testing::FaultServer> server_;
};

}  // namespace mota::e2e
