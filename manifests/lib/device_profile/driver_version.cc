#include "manifests/lib/device_profile/driver_version.h"

#include "manifests/lib/status/status.h"

namespace mota::device_profile {

std::string DecodeDriverVersion(uint32_t vendor_id, uint32_t raw, std::string_view os) {
  if (vendor_id == kVendorNvidia) {
    return StrCat(raw >> 22, ".", (raw >> 14) & 0xff, ".", (raw >> 6) & 0xff, ".", raw & 0x3f);
  }
  if (vendor_id == kVendorIntel && os == "windows") {
    return StrCat(raw >> 14, ".", raw & 0x3fff);
  }
  return StrCat(raw >> 22, ".", (raw >> 12) & 0x3ff, ".", raw & 0xfff);
}

std::string DecodeApiVersion(uint32_t v) {
  return StrCat((v >> 22) & 0x7f, ".", (v >> 12) & 0x3ff, ".", v & 0xfff);
}

std::string_view VendorName(uint32_t vendor_id) {
  switch (vendor_id) {
    case kVendorAmd:
      return "AMD";
    case kVendorImagination:
      return "Imagination";
    case kVendorNvidia:
      return "NVIDIA";
    case kVendorQualcomm:
      return "Qualcomm";
    case kVendorArm:
      return "ARM";
    case kVendorSamsung:
      return "Samsung";
    case kVendorBroadcom:
      return "Broadcom";
    case kVendorIntel:
      return "Intel";
    case kVendorMesa:
      return "Mesa";
    default:
      return "";
  }
}

}  // namespace mota::device_profile
