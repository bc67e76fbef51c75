#include "curl_fetcher.h"

#include <curl/curl.h>

namespace mota::tuf_conformance {
namespace {

struct Sink {
  std::string body;
  int64_t max_length = 0;
  bool over = false;
};

size_t Write(char* data, size_t size, size_t count, void* user) {
  Sink* sink = static_cast<Sink*>(user);
  const size_t n = size * count;
  if (static_cast<int64_t>(sink->body.size() + n) > sink->max_length) {
    sink->over = true;
    return 0;  // makes libcurl stop with CURLE_WRITE_ERROR: no endless data
  }
  sink->body.append(data, n);
  return n;
}

}  // namespace

CurlFetcher::CurlFetcher() { curl_global_init(CURL_GLOBAL_DEFAULT); }
CurlFetcher::~CurlFetcher() { curl_global_cleanup(); }

Result<std::string> CurlFetcher::Fetch(const std::string& url, int64_t max_length) {
  CURL* curl = curl_easy_init();
  if (!curl) return Internal("curl_easy_init failed");
  Sink sink;
  sink.max_length = max_length;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Write);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
  // A server trickling bytes (slow retrieval) is abandoned: < 1 byte/s for 30 s.
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 30L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  const CURLcode rc = curl_easy_perform(curl);
  long http = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &http);
  curl_easy_cleanup(curl);
  if (sink.over) {
    return OutOfRange(url, ": more than ", max_length, " bytes, stopped reading (endless data)");
  }
  if (rc != CURLE_OK)
    return Status(StatusCode::kUnavailable, StrCat(url, ": ", curl_easy_strerror(rc)));
  if (http == 403 || http == 404) return NotFound(url, ": HTTP ", http);
  if (http != 200)
    return Status(StatusCode::kUnavailable, StrCat(url, ": HTTP ", http, ", expected 200"));
  return std::move(sink.body);
}

}  // namespace mota::tuf_conformance
