// Device telemetry as the server receives it: `POST /v1/telemetry` with a JSON batch
// (manifests/spec/repository.md "Rollouts and telemetry"):
//
//   {"events": [
//     {"type": "update_outcome", "model": "mobilenet_v2", "release": 4, "variant": "cpu-int8",
//      "device_class": "android-arm64-adreno6xx", "install_id_hash": "<64 hex>",
//      "outcome": "failure", "stage": "selftest", "detail": "output 0 differs by 0.31"},
//     {"type": "selftest_failure", ..., "detail": "..."},
//     {"type": "fallback", ..., "from_variant": "vulkan-fp16", "detail": "driver crash"},
//     {"type": "latency", ..., "runs": 200, "p50_us": 8100, "p90_us": 9000, "p99_us": 12500}]}
//
// Every event names the model, release, variant, device class and the hash of the install id
// (rollout::InstallIdHash, never the id itself). Validation is strict: unknown fields, wrong
// types, out-of-range numbers and oversized strings are refused with a message naming the field
// ("events[3].release: expected an integer >= 1, got \"4\""), so a client bug shows at once.
// A batch over the limits is refused whole (OutOfRange -> HTTP 413): nothing of it is stored.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "manifests/lib/status/status.h"

namespace mota::server::repository {

struct TelemetryLimits {
  size_t max_body_bytes = 256 * 1024;
  size_t max_events = 500;
  size_t max_detail_bytes = 512;
};

enum class EventType { kUpdateOutcome, kSelfTestFailure, kFallback, kLatency };
const char* EventTypeName(EventType type);  // "update_outcome", ...

struct TelemetryEvent {
  EventType type = EventType::kUpdateOutcome;
  std::string model;
  int64_t release = 0;
  std::string variant;
  std::string device_class;     // [a-z0-9][a-z0-9_.-]{0,63}
  std::string install_id_hash;  // 64 lowercase hex
  std::string outcome;          // update_outcome: "success" | "failure"
  std::string stage;            // update_outcome failure: download|verify|install|selftest|activate
  std::string from_variant;     // fallback: the variant given up
  std::string detail;           // optional free text (<= max_detail_bytes)
  int64_t runs = 0, p50_us = 0, p90_us = 0, p99_us = 0;  // latency
};

// Parses and validates a whole batch. InvalidArgument naming the field, or OutOfRange when the
// body or the event count is over `limits`.
Result<std::vector<TelemetryEvent>> ParseTelemetryBatch(std::string_view body,
                                                        const TelemetryLimits& limits = {});

}  // namespace mota::server::repository
