// Vulkan's `driverVersion` is a vendor-defined uint32 (device-profile.md "Driver versions"); a
// condition such as `driver_version: {max: "32.0"}` only means something once it is decoded the
// way the vendor packs it. Also: vendor names for summaries and VkApiVersion text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mota::device_profile {

// PCI vendor ids of GPU vendors (Mesa's software drivers use the Khronos id 0x10005).
inline constexpr uint32_t kVendorAmd = 0x1002;
inline constexpr uint32_t kVendorImagination = 0x1010;
inline constexpr uint32_t kVendorNvidia = 0x10de;
inline constexpr uint32_t kVendorQualcomm = 0x5143;
inline constexpr uint32_t kVendorArm = 0x13b5;
inline constexpr uint32_t kVendorSamsung = 0x144d;
inline constexpr uint32_t kVendorBroadcom = 0x14e4;
inline constexpr uint32_t kVendorIntel = 0x8086;
inline constexpr uint32_t kVendorMesa = 0x10005;

// The dotted driver version:
//   NVIDIA: 10.8.8.6 bits -> "major.minor.sub.patch" ("535.104.5.0");
//   Intel on Windows: 18.14 bits -> "major.minor" ("101.4146");
//   everyone else (Qualcomm "512.615.0", ARM Mali "32.1.0" = r32p1, AMD, Mesa, Broadcom,
//   Samsung, Imagination, Intel on Linux): VK_MAKE_VERSION's 10.10.12 bits -> "a.b.c".
// `os` is the profile's os.name ("windows" switches Intel's scheme).
std::string DecodeDriverVersion(uint32_t vendor_id, uint32_t raw, std::string_view os);

// "1.3.239" from a VkApiVersion (the variant bits 29..31 are ignored).
std::string DecodeApiVersion(uint32_t api_version);

// "Qualcomm", "ARM", ... ; "" for an id not listed above.
std::string_view VendorName(uint32_t vendor_id);

}  // namespace mota::device_profile
