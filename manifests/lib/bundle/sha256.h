// SHA-256 for content addressing (OpenSSL EVP), lowercase hex. One-shot and incremental.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace mota::bundle {

// Lowercase hex SHA-256 of `bytes` (64 characters).
std::string Sha256Hex(std::span<const uint8_t> bytes);

// Incremental hashing of a stream (the assembled file is hashed while it is written).
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;

  void Update(std::span<const uint8_t> bytes);
  // Lowercase hex of everything passed to Update; call once.
  std::string FinishHex();

 private:
  void* ctx_;  // EVP_MD_CTX
};

// True when `text` is 64 lowercase hex digits.
bool IsSha256Hex(const std::string& text);

}  // namespace mota::bundle
