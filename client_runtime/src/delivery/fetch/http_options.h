// Transport settings shared by the metadata fetcher (HttpFetcher) and the chunk downloader, and
// the libcurl set-up both use. Exception-free.
#pragma once

#include <curl/curl.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "base/status.h"

namespace mota::fetch {

struct HttpOptions {
  // Time to establish the TCP (and TLS) connection.
  std::chrono::milliseconds connect_timeout{10000};
  // Upper bound for one whole request (headers and body). 0: none (the stall timeout still
  // applies). Chunks are at most 64 MiB, so the default leaves ~220 KB/s for the largest one.
  std::chrono::milliseconds request_timeout{300000};
  // A transfer averaging fewer than `stall_bytes_per_second` over `stall_time` is abandoned
  // (slow retrieval: a server trickling bytes cannot hold the device forever).
  int64_t stall_bytes_per_second = 1024;
  std::chrono::seconds stall_time{20};
  // CA bundle file for TLS verification; empty: the system's. Verification is always on.
  std::string ca_file;
  std::string user_agent = "libmota";
  // Checked while bytes arrive: when it becomes true the transfer stops (cancel from any thread).
  const std::atomic<bool>* cancel = nullptr;
};

// curl_global_init once per process (thread-safe).
Status EnsureCurlInitialized();

// Applies `options` to an easy handle: timeouts, TLS verification, http/https only, a bounded
// number of redirects, TCP keep-alive, and the cancel flag through CURLOPT_XFERINFOFUNCTION.
// `error_buffer` must hold CURL_ERROR_SIZE bytes and outlive the transfer.
Status ConfigureEasy(CURL* easy, const HttpOptions& options, char* error_buffer);

// "connect timeout", "stall", ...: a Status for a finished transfer that failed in libcurl
// (not an HTTP status). Unavailable for network trouble; FailedPrecondition when cancelled.
Status CurlFailure(CURLcode code, const char* error_buffer, const std::string& url,
                   const HttpOptions& options);

// True when the transfer was stopped because options.cancel became true.
inline bool Cancelled(const HttpOptions& options) {
  return options.cancel != nullptr && options.cancel->load(std::memory_order_relaxed);
}

}  // namespace mota::fetch
