// The trust layer's two seams, injected like go-tuf's Fetcher: the network and the clock. The
// TUF client never opens a socket or reads the system clock itself, so tests drive it with a
// simulated repository and a fixed time, and the device plugs in libcurl (delivery/fetch) and a
// clock it trusts.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"

namespace mota::trust {

class Fetcher {
 public:
  virtual ~Fetcher() = default;
  // The whole body of `url`. An implementation MUST stop reading once more than `max_length`
  // bytes arrive and fail with OutOfRange (endless data: the caller's cap comes from signed
  // metadata or a per-role default). NotFound for HTTP 403 / 404 (the root chain ends there);
  // Unavailable for network errors and other HTTP statuses.
  virtual Result<std::string> Fetch(const std::string& url, int64_t max_length) = 0;
};

class Clock {
 public:
  virtual ~Clock() = default;
  // Seconds since the Unix epoch (UTC) that expiry is judged against.
  virtual int64_t Now() const = 0;
};

// The system clock.
class SystemClock : public Clock {
 public:
  int64_t Now() const override;
};

// A fixed time, for tests and for replaying a decision.
class FixedClock : public Clock {
 public:
  explicit FixedClock(int64_t now) : now_(now) {}
  int64_t Now() const override { return now_; }
  void Set(int64_t now) { now_ = now; }

 private:
  int64_t now_;
};

}  // namespace mota::trust
