#include "manifests/lib/bundle/bundle_status.h"

namespace mota::bundle {

const char* BundleCodeName(BundleCode code) {
  switch (code) {
    case BundleCode::kOk:
      return "OK";
    case BundleCode::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case BundleCode::kNotFound:
      return "NOT_FOUND";
    case BundleCode::kDataLoss:
      return "DATA_LOSS";
    case BundleCode::kInternal:
      return "INTERNAL";
    case BundleCode::kUnavailable:
      return "UNAVAILABLE";
    case BundleCode::kVerificationFailed:
      return "VERIFICATION_FAILED";
    case BundleCode::kIoError:
      return "IO_ERROR";
  }
  return "UNKNOWN";
}

}  // namespace mota::bundle
