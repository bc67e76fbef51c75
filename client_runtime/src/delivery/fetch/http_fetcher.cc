#include "delivery/fetch/http_fetcher.h"

namespace mota::fetch {
namespace {

struct Body {
  CURL* easy = nullptr;
  long status = 0;  // the final response's status, read at its first body byte
  std::string data;
  uint64_t cap = 0;  // max_length + 1: reaching it proves the server sent too much
  bool over_cap = false;
};

size_t WriteBody(char* ptr, size_t size, size_t nmemb, void* user) {
  auto* body = static_cast<Body*>(user);
  size_t n = size * nmemb;
  if (body->status == 0) curl_easy_getinfo(body->easy, CURLINFO_RESPONSE_CODE, &body->status);
  if (body->status != 200) return 0;  // an error page is not read: the status says enough
  size_t room = body->cap - body->data.size();
  if (n >= room) {
    body->data.append(ptr, room);
    body->over_cap = true;
    return 0;  // aborts with CURLE_WRITE_ERROR: nothing more is read
  }
  body->data.append(ptr, n);
  return n;
}

}  // namespace

Result<std::unique_ptr<HttpFetcher>> HttpFetcher::Create(HttpOptions options) {
  MOTA_RETURN_IF_ERROR(EnsureCurlInitialized());
  std::unique_ptr<HttpFetcher> fetcher(new HttpFetcher(std::move(options)));
  fetcher->easy_ = curl_easy_init();
  if (fetcher->easy_ == nullptr) return Internal("curl_easy_init failed (out of memory?)");
  return fetcher;
}

HttpFetcher::~HttpFetcher() {
  if (easy_ != nullptr) curl_easy_cleanup(easy_);
}

int64_t HttpFetcher::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

Result<std::string> HttpFetcher::Fetch(const std::string& url, int64_t max_length) {
  if (max_length < 0) return InvalidArgument("Fetch(", url, "): max_length ", max_length, " < 0");
  std::lock_guard<std::mutex> lock(mu_);
  // curl_easy_reset keeps the connection cache, the DNS cache and TLS sessions.
  curl_easy_reset(easy_);
  char error[CURL_ERROR_SIZE];
  MOTA_RETURN_IF_ERROR(ConfigureEasy(easy_, options_, error));
  Body body;
  body.easy = easy_;
  body.cap = static_cast<uint64_t>(max_length) + 1;
  curl_easy_setopt(easy_, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy_, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, &WriteBody);
  curl_easy_setopt(easy_, CURLOPT_WRITEDATA, &body);
  // A declared Content-Length above the cap fails before any body byte is read.
  curl_easy_setopt(easy_, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(max_length));
  ++requests_;
  CURLcode rc = curl_easy_perform(easy_);
  long http_status = 0;
  curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &http_status);
  if (http_status == 403 || http_status == 404)
    return NotFound("GET ", url, ": HTTP ", http_status);
  if (http_status != 200 && http_status != 0) {
    return Status(StatusCode::kUnavailable,
                  StrCat("GET ", url, ": HTTP ", http_status, " (expected 200)"));
  }
  if (body.over_cap || rc == CURLE_FILESIZE_EXCEEDED) {
    return OutOfRange("GET ", url, " sent more than the ", max_length,
                      " bytes allowed (length from signed metadata or the role's default cap)");
  }
  if (rc != CURLE_OK) return CurlFailure(rc, error, url, options_);
  return std::move(body.data);
}

}  // namespace mota::fetch
