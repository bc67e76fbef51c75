// Deterministic rollout buckets (manifests/spec/repository.md "Rollouts and telemetry").
//
// A device's bucket for a model is a number in [0, 10000) computed from its random install id
// and the model name, so the server never needs a device list and a device needs no server state:
//
//   bucket = uint64_be(sha256("mota-rollout-bucket-v1" || 0x00 || model || 0x00 ||
//   install_id)[0..8])
//            mod 10000
//
// A release rolled out to B basis points (10000 = 100%) is offered to the devices with
// bucket < B. So a device that is in at B stays in at every B' > B (growing a rollout only adds
// devices), and the same device is early for every release of one model but independent across
// models (the model name is hashed in). The modulo bias of 2^64 mod 10000 is < 1e-15: negligible.
//
//   MOTA_ASSIGN_OR_RETURN(int64_t b, rollout::Bucket(install_id, "mobilenet_v2"));
//   if (rollout::InRollout(b, entry.basis_points)) ...
//
// Exception-free: the device client links this.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "manifests/lib/status/status.h"

namespace mota::rollout {

inline constexpr int64_t kBuckets = 10000;         // buckets per model; also 100.00%
inline constexpr size_t kMaxInstallIdBytes = 256;  // longer ids are refused
inline constexpr char kBucketDomain[] = "mota-rollout-bucket-v1";
inline constexpr char kInstallIdHashDomain[] = "mota-install-id-v1";

// The device's bucket for `model`, in [0, kBuckets). InvalidArgument when the install id is
// empty or longer than kMaxInstallIdBytes, or the model name is not a valid model name.
Result<int64_t> Bucket(std::string_view install_id, std::string_view model);

// True when a device in `bucket` is inside a rollout of `basis_points` (0..kBuckets).
inline bool InRollout(int64_t bucket, int64_t basis_points) { return bucket < basis_points; }

// What telemetry carries instead of the install id: lowercase hex of
// sha256("mota-install-id-v1" || 0x00 || install_id). It counts distinct devices without
// revealing the id that decides the device's buckets.
Result<std::string> InstallIdHash(std::string_view install_id);

// "12.5%" style rendering of basis points (for messages and the status view).
std::string FormatBasisPoints(int64_t basis_points);
// Parses "10", "12.5", "0.25" (percent, at most two decimals, 0..100) into basis points.
Result<int64_t> ParsePercent(std::string_view text);

}  // namespace mota::rollout
