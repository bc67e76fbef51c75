// The publishing half of the admin API, registered on the HTTP router (server/http/router.h):
//
//   POST /v1/admin/blobs/missing  {"blobs": ["<sha256>", ...]} -> {"missing": [...]}
//   PUT  /v1/admin/blobs/<sha256> body: the chunk's zstd frame -> 201 stored, 200 already there;
//                                 400 when the bytes do not decode to that sha256 (nothing stored)
//   POST /v1/admin/publish        the publish request (server/repository/publish_request.h)
//                                 -> 200 {"model", "release", "snapshot_version", ...}
//
// Every call needs "Authorization: Bearer <token>" with the token of --token-file, compared in
// constant time; a missing or wrong token is 401 and nothing is read or stored. Errors are JSON
// {"error": "..."} naming what was wrong: 400 malformed input, 409 a version or release that
// does not increase or a chunk the server lacks, 422 a signature, hash or length that does not
// verify, 413 a body over the limit (the router refuses it before reading). Every admin call is
// logged as one JSON line (route, remote address, status, outcome; never the token).
//
//   MOTA_ASSIGN_OR_RETURN(AdminToken token, AdminToken::FromFile("/etc/mota/admin.token"));
//   PublishApi api(std::move(publisher), std::move(token), {.log = stderr});
//   RegisterPublishRoutes(router, &api);  // api must outlive the server
//   http::Server server(std::move(router), options);
//   api.AttachMetrics(server.metrics());
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "manifests/lib/status/status.h"
#include "server/http/metrics.h"
#include "server/http/router.h"
#include "server/repository/publish.h"

namespace mota::server::admin {

// Body limits. A blob is one chunk's zstd frame: at most 64 MiB of content, and zstd never
// expands by more than a small bound, so 65 MiB.
inline constexpr size_t kMaxBlobBody = size_t{65} << 20;
inline constexpr size_t kMaxMissingBody = size_t{8} << 20;   // ~120k hashes
inline constexpr size_t kMaxPublishBody = size_t{64} << 20;  // metadata + variant indexes

// The admin bearer token. The file holds the token (trailing whitespace ignored); it must be at
// least 16 characters and readable by its owner only, like a private key.
class AdminToken {
 public:
  static Result<AdminToken> FromFile(const std::string& path);
  static Result<AdminToken> FromString(std::string token);  // for tests
  // Constant time in the token's contents (CRYPTO_memcmp over sha256 digests, so the length of
  // a wrong token does not leak either).
  bool Matches(std::string_view presented) const;

 private:
  std::string digest_;  // sha256 of the token, raw bytes
};

struct PublishApiOptions {
  FILE* log = nullptr;  // admin log (JSON lines); null: no log
  // Seconds since the Unix epoch; tests inject one.
  std::function<int64_t()> clock;
};

class PublishApi {
 public:
  PublishApi(repository::Publisher* publisher, AdminToken token, PublishApiOptions options = {});

  // Counts publishes, refusals and stored blobs in `metrics` (call before the server starts).
  void AttachMetrics(http::MetricsRegistry& metrics);

  http::Response MissingBlobs(const http::Request& request);
  http::Response PutBlob(const http::Request& request);
  http::Response Publish(const http::Request& request);

 private:
  // 401 when the token is missing or wrong; logs the refusal.
  bool Authorized(const http::Request& request, std::string_view route, http::Response* out);
  void Log(const http::Request& request, std::string_view route, const http::Response& response,
           std::string_view detail);
  int64_t Now() const;

  repository::Publisher* publisher_;
  AdminToken token_;
  PublishApiOptions options_;
  std::mutex log_mutex_;
  http::Counter* published_ = nullptr;
  http::Counter* publish_refused_ = nullptr;
  http::Counter* blobs_stored_ = nullptr;
};

// The HTTP status for a Status from the repository logic (see the top).
int HttpStatusFor(const Status& status);

// Registers the three routes on `router`; `api` must outlive the server.
void RegisterPublishRoutes(http::Router& router, PublishApi* api);

// Everything `mota serve` needs to offer the publishing API, from its flags:
//   --token-file F --snapshot-key S.key --timestamp-key T.key [--admin-log FILE]
// The keys must be the root's snapshot and timestamp keys (checked at the first publish).
struct PublishAdminFlags {
  std::string repo, token_file, snapshot_key, timestamp_key;
  FILE* log = stderr;
};
class PublishAdmin {
 public:
  static Result<std::unique_ptr<PublishAdmin>> Create(const PublishAdminFlags& flags);
  void Register(http::Router& router) { RegisterPublishRoutes(router, api_.get()); }
  void AttachMetrics(http::MetricsRegistry& metrics) { api_->AttachMetrics(metrics); }

 private:
  std::unique_ptr<repository::Publisher> publisher_;
  std::unique_ptr<PublishApi> api_;
};

}  // namespace mota::server::admin
