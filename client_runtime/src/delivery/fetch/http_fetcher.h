// The trust layer's network seam (trust::Fetcher) over libcurl: TUF metadata and target files.
//
//   auto fetcher = HttpFetcher::Create({});          // one per client; reuses its connection
//   auto body = (*fetcher)->Fetch("https://updates.example/metadata/timestamp.json", 16384);
//
// Endless data: the body is counted while it arrives and the transfer stops at max_length + 1
// bytes (OutOfRange), whatever Content-Length says; a Content-Length above the cap is refused
// before the body. Slow retrieval: connect, request and stall timeouts (HttpOptions). HTTP 403 /
// 404 -> NotFound (the root chain ends there), any other non-200 status or network error ->
// Unavailable naming the URL and the status. TLS peers are always verified. Fetch calls are
// serialized on one easy handle, so its connection is kept alive between metadata requests.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "delivery/fetch/http_options.h"
#include "delivery/trust/fetcher.h"

namespace mota::fetch {

class HttpFetcher : public trust::Fetcher {
 public:
  static Result<std::unique_ptr<HttpFetcher>> Create(HttpOptions options);
  ~HttpFetcher() override;
  HttpFetcher(const HttpFetcher&) = delete;
  HttpFetcher& operator=(const HttpFetcher&) = delete;

  Result<std::string> Fetch(const std::string& url, int64_t max_length) override;

  // Requests made so far (for tests and telemetry).
  int64_t requests() const;

 private:
  explicit HttpFetcher(HttpOptions options) : options_(std::move(options)) {}

  HttpOptions options_;
  mutable std::mutex mu_;
  CURL* easy_ = nullptr;  // reused: libcurl keeps its connection cache per easy handle
  int64_t requests_ = 0;
};

}  // namespace mota::fetch
