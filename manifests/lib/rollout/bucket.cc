#include "manifests/lib/rollout/bucket.h"

#include <openssl/sha.h>

#include <array>

#include "manifests/lib/tuf/target_custom.h"

namespace mota::rollout {
namespace {

Status CheckInstallId(std::string_view install_id) {
  if (install_id.empty())
    return InvalidArgument("install id: empty (expected 1 to ", kMaxInstallIdBytes, " bytes)");
  if (install_id.size() > kMaxInstallIdBytes) {
    return InvalidArgument("install id: ", install_id.size(), " bytes long (expected at most ",
                           kMaxInstallIdBytes, ")");
  }
  return Status::Ok();
}

// sha256(domain || 0x00 || parts joined by 0x00). The separators make the encoding injective:
// neither the domain nor a model name contains a NUL byte.
std::array<uint8_t, SHA256_DIGEST_LENGTH> DomainHash(std::string_view domain, std::string_view a,
                                                     std::string_view b) {
  std::string bytes(domain);
  bytes.push_back('\0');
  bytes.append(a);
  if (!b.empty()) {
    bytes.push_back('\0');
    bytes.append(b);
  }
  std::array<uint8_t, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), digest.data());
  return digest;
}

}  // namespace

Result<int64_t> Bucket(std::string_view install_id, std::string_view model) {
  MOTA_RETURN_IF_ERROR(CheckInstallId(install_id));
  MOTA_RETURN_IF_ERROR(tuf::CheckModelName(model, "rollout bucket model"));
  const auto digest = DomainHash(kBucketDomain, model, install_id);
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | digest[i];
  return static_cast<int64_t>(v % static_cast<uint64_t>(kBuckets));
}

Result<std::string> InstallIdHash(std::string_view install_id) {
  MOTA_RETURN_IF_ERROR(CheckInstallId(install_id));
  const auto digest = DomainHash(kInstallIdHashDomain, install_id, "");
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (uint8_t byte : digest) {
    hex.push_back(kHex[byte >> 4]);
    hex.push_back(kHex[byte & 15]);
  }
  return hex;
}

std::string FormatBasisPoints(int64_t basis_points) {
  std::string s = std::to_string(basis_points / 100);
  const int64_t frac = basis_points % 100;
  if (frac != 0) {
    s += '.';
    s += static_cast<char>('0' + frac / 10);
    if (frac % 10 != 0) s += static_cast<char>('0' + frac % 10);
  }
  return s + "%";
}

Result<int64_t> ParsePercent(std::string_view text) {
  const std::string_view original = text;
  if (!text.empty() && text.back() == '%') text.remove_suffix(1);
  int64_t whole = 0, frac = 0;
  size_t i = 0, int_digits = 0, frac_digits = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9' && int_digits < 4; ++i, ++int_digits)
    whole = whole * 10 + (text[i] - '0');
  if (i < text.size() && text[i] == '.') {
    for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9' && frac_digits < 3;
         ++i, ++frac_digits)
      frac = frac * 10 + (text[i] - '0');
  }
  if (int_digits == 0 || i != text.size() || frac_digits > 2 ||
      (text.find('.') != std::string_view::npos && frac_digits == 0)) {
    return InvalidArgument("percent '", original,
                           "': expected a number from 0 to 100 with at most two decimals");
  }
  if (frac_digits == 1) frac *= 10;
  const int64_t bp = whole * 100 + frac;
  if (bp > kBuckets) return InvalidArgument("percent '", original, "': above 100");
  return bp;
}

}  // namespace mota::rollout
