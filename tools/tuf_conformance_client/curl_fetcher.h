// A small libcurl Fetcher for the conformance CLI (the device's fetcher, with Range resume,
// retries and pooling, is delivery/fetch's job). Plain GETs, no redirects, the caller's length
// cap enforced while reading.
#pragma once

#include <string>

#include "delivery/trust/fetcher.h"

namespace mota::tuf_conformance {

class CurlFetcher : public trust::Fetcher {
 public:
  CurlFetcher();
  ~CurlFetcher() override;
  Result<std::string> Fetch(const std::string& url, int64_t max_length) override;
};

}  // namespace mota::tuf_conformance
