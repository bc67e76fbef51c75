// The TUF core reports errors with mota's one Status type (manifests/lib/status), plus two
// helpers for its common codes. Exception-free: the device links this code.
#pragma once

#include <string>

#include "manifests/lib/status/status.h"

namespace mota::tuf {

template <typename... Args>
std::string Cat(const Args&... args) {
  return StrCat(args...);
}
// Malformed metadata or a bad argument.
template <typename... Args>
Status Invalid(const Args&... args) {
  return Status(StatusCode::kInvalidArgument, StrCat(args...));
}
// A signature, threshold, expiry, version or path check failed.
template <typename... Args>
Status Rejected(const Args&... args) {
  return Status(StatusCode::kVerificationFailed, StrCat(args...));
}

}  // namespace mota::tuf
