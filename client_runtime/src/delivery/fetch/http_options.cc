#include "delivery/fetch/http_options.h"

#include <mutex>

namespace mota::fetch {
namespace {

// Called by libcurl while a transfer runs (also while it waits for data): a non-zero return
// aborts it with CURLE_ABORTED_BY_CALLBACK.
int XferInfo(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* cancel = static_cast<const std::atomic<bool>*>(user);
  return cancel != nullptr && cancel->load(std::memory_order_relaxed) ? 1 : 0;
}

// Keeps the first failing curl_easy_setopt, naming the option.
struct Setter {
  CURL* easy;
  Status status;
  template <typename T>
  void operator()(CURLoption option, const char* name, T value) {
    if (!status.ok()) return;
    CURLcode rc = curl_easy_setopt(easy, option, value);
    if (rc != CURLE_OK)
      status = Internal("curl_easy_setopt(", name, ") failed: ", curl_easy_strerror(rc));
  }
};

}  // namespace

Status EnsureCurlInitialized() {
  static std::once_flag once;
  static CURLcode rc = CURLE_OK;
  std::call_once(once, [] { rc = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (rc != CURLE_OK) return Internal("curl_global_init failed: ", curl_easy_strerror(rc));
  return Status::Ok();
}

Status ConfigureEasy(CURL* easy, const HttpOptions& options, char* error_buffer) {
  Setter set{easy, Status::Ok()};
  error_buffer[0] = '\0';
  set(CURLOPT_ERRORBUFFER, "ERRORBUFFER", error_buffer);
  set(CURLOPT_NOSIGNAL, "NOSIGNAL", 1L);  // threads: never SIGALRM for DNS timeouts
  set(CURLOPT_CONNECTTIMEOUT_MS, "CONNECTTIMEOUT_MS",
      static_cast<long>(options.connect_timeout.count()));
  set(CURLOPT_TIMEOUT_MS, "TIMEOUT_MS", static_cast<long>(options.request_timeout.count()));
  set(CURLOPT_LOW_SPEED_LIMIT, "LOW_SPEED_LIMIT",
      static_cast<long>(options.stall_bytes_per_second));
  set(CURLOPT_LOW_SPEED_TIME, "LOW_SPEED_TIME", static_cast<long>(options.stall_time.count()));
  set(CURLOPT_SSL_VERIFYPEER, "SSL_VERIFYPEER", 1L);
  set(CURLOPT_SSL_VERIFYHOST, "SSL_VERIFYHOST", 2L);
  if (!options.ca_file.empty()) set(CURLOPT_CAINFO, "CAINFO", options.ca_file.c_str());
  // Only http(s), also after a redirect (no file://, no other protocols from a hostile mirror).
  set(CURLOPT_PROTOCOLS_STR, "PROTOCOLS_STR", "http,https");
  set(CURLOPT_REDIR_PROTOCOLS_STR, "REDIR_PROTOCOLS_STR", "http,https");
  set(CURLOPT_FOLLOWLOCATION, "FOLLOWLOCATION", 1L);
  set(CURLOPT_MAXREDIRS, "MAXREDIRS", 5L);
  set(CURLOPT_TCP_KEEPALIVE, "TCP_KEEPALIVE", 1L);
  set(CURLOPT_USERAGENT, "USERAGENT", options.user_agent.c_str());
  // Hashes cover the bytes on the wire: no transparent decompression that could grow them.
  set(CURLOPT_ACCEPT_ENCODING, "ACCEPT_ENCODING", static_cast<const char*>(nullptr));
  set(CURLOPT_NOPROGRESS, "NOPROGRESS", 0L);
  set(CURLOPT_XFERINFOFUNCTION, "XFERINFOFUNCTION", &XferInfo);
  set(CURLOPT_XFERINFODATA, "XFERINFODATA",
      const_cast<void*>(static_cast<const void*>(options.cancel)));
  return set.status;
}

Status CurlFailure(CURLcode code, const char* error_buffer, const std::string& url,
                   const HttpOptions& options) {
  std::string detail = error_buffer != nullptr && error_buffer[0] != '\0'
                           ? std::string(error_buffer)
                           : std::string(curl_easy_strerror(code));
  if (code == CURLE_ABORTED_BY_CALLBACK && Cancelled(options))
    return CancelledError("download of ", url, " cancelled by the app");
  if (code == CURLE_OPERATION_TIMEDOUT) {
    return Status(StatusCode::kUnavailable,
                  StrCat("GET ", url, " timed out (connect ", options.connect_timeout.count(),
                         " ms, request ", options.request_timeout.count(), " ms, stall: under ",
                         options.stall_bytes_per_second, " B/s for ", options.stall_time.count(),
                         " s): ", detail));
  }
  return Status(StatusCode::kUnavailable, StrCat("GET ", url, " failed: ", detail));
}

}  // namespace mota::fetch
