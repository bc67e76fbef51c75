#include "base/sha256.h"

#include <openssl/sha.h>

namespace mota {

Sha256Digest Sha256(std::span<const uint8_t> bytes) {
  Sha256Digest digest;
  SHA256(bytes.data(), bytes.size(), digest.data());
  return digest;
}

std::string ToHex(std::span<const uint8_t> bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

std::string Sha256Hex(std::span<const uint8_t> bytes) {
  const Sha256Digest d = Sha256(bytes);
  return ToHex(d);
}

}  // namespace mota
