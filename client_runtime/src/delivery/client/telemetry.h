// Opt-in device telemetry (issue 7): events the client records during updates, kept in a bounded
// queue on disk and sent in batches to the server's POST /v1/telemetry, in the format the server
// validates (server/repository/telemetry_event.h; manifests/spec/repository.md "Telemetry"):
//
//   {"events": [{"type": "update_outcome", "model": "m", "release": 3, "variant": "cpu-fp32",
//                "device_class": "linux-x86_64", "install_id_hash": "<64 hex>",
//                "outcome": "failure", "stage": "selftest", "detail": "..."}, ...]}
//
// What the client records, in the server's types:
//   update succeeded / failed  -> update_outcome (success | failure with the stage)
//   self-test failed           -> selftest_failure (detail: the mismatch), then
//   the next variant chosen    -> fallback (from_variant: the one given up)
//   rollback by the app        -> update_outcome failure, stage "activate", detail "rolled back"
// Which variant was chosen and why goes into the detail of the update_outcome (the server has no
// separate "started" or "chosen" type; an event per start would double the traffic).
//
// The queue is a JSON file (<data_dir>/telemetry/queue.json) rewritten atomically on each change,
// so events survive a restart and a crash never leaves a half-written queue. At most `limit`
// events are kept: beyond it the oldest are dropped (and counted). A send that fails keeps the
// batch queued; nothing here ever fails an update. Exception-free; not thread-safe (the Client
// serializes calls).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "delivery/fetch/http_options.h"

namespace mota::client {

struct TelemetryEvent {
  std::string type;  // "update_outcome" | "selftest_failure" | "fallback"
  std::string model;
  int64_t release = 0;  // >= 1 (events about no release are not recorded)
  std::string variant;
  std::string outcome;       // update_outcome: "success" | "failure"
  std::string stage;         // update_outcome failure: download|verify|install|selftest|activate
  std::string from_variant;  // fallback
  std::string detail;        // cut to kMaxDetailBytes at a UTF-8 boundary
};

inline constexpr size_t kMaxDetailBytes = 512;  // the server's limit

// Posts `body` to `url`; OK only for a 2xx answer.
using PostFunction = std::function<Status(const std::string& url, const std::string& body)>;

class TelemetryQueue {
 public:
  // Reads the queue file when it exists (a damaged one is replaced by an empty queue: telemetry
  // must never block updates). `device_class` and `install_id_hash` are stamped on each event.
  static Result<TelemetryQueue> Open(std::string path, size_t limit, std::string device_class,
                                     std::string install_id_hash);

  // Appends (dropping the oldest beyond the limit) and rewrites the file.
  Status Add(TelemetryEvent event);

  // Sends every queued event, `batch_size` per POST, oldest first; sent batches leave the queue.
  // Stops at the first failed POST (its status is returned, the rest stays queued).
  Status Flush(const std::string& url, size_t batch_size, const PostFunction& post, size_t* sent);

  size_t size() const { return events_.size(); }
  uint64_t dropped() const { return dropped_; }
  const std::vector<TelemetryEvent>& events() const { return events_; }

  // The POST body for `events` (the server's batch format).
  std::string BatchBody(size_t begin, size_t end) const;

 private:
  TelemetryQueue() = default;
  Status Save() const;

  std::string path_;
  size_t limit_ = 0;
  std::string device_class_, install_id_hash_;
  std::vector<TelemetryEvent> events_;
  uint64_t dropped_ = 0;
};

// A device class the server accepts ([a-z0-9][a-z0-9_.-]{0,63}) made from free text: lowercase,
// other characters become '-', cut to 64; "unknown" when nothing is left.
std::string SanitizeDeviceClass(const std::string& text);

// POST with libcurl (http_options.h's timeouts and TLS rules), Content-Type application/json.
// UNAVAILABLE naming the URL and the HTTP status or the network error.
Status CurlPost(const fetch::HttpOptions& options, const std::string& url, const std::string& body);

}  // namespace mota::client
