// SHA-256 (OpenSSL) with lowercase-hex output, used for model provenance and content addressing.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

namespace mota {

using Sha256Digest = std::array<uint8_t, 32>;

Sha256Digest Sha256(std::span<const uint8_t> bytes);
std::string Sha256Hex(std::span<const uint8_t> bytes);
std::string ToHex(std::span<const uint8_t> bytes);

}  // namespace mota
