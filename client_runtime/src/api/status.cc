// mota_status_t, the per-thread and per-handle error messages, mota_version.
#include "api/handles.h"

namespace mota::api {

// The C enum and mota::StatusCode share their numbers (mota.h promises it): any drift fails here.
static_assert(MOTA_OK == static_cast<int>(StatusCode::kOk));
static_assert(MOTA_ERR_INVALID_ARGUMENT == static_cast<int>(StatusCode::kInvalidArgument));
static_assert(MOTA_ERR_NOT_FOUND == static_cast<int>(StatusCode::kNotFound));
static_assert(MOTA_ERR_UNIMPLEMENTED == static_cast<int>(StatusCode::kUnimplemented));
static_assert(MOTA_ERR_OUT_OF_RANGE == static_cast<int>(StatusCode::kOutOfRange));
static_assert(MOTA_ERR_DATA_LOSS == static_cast<int>(StatusCode::kDataLoss));
static_assert(MOTA_ERR_INTERNAL == static_cast<int>(StatusCode::kInternal));
static_assert(MOTA_ERR_UNAVAILABLE == static_cast<int>(StatusCode::kUnavailable));
static_assert(MOTA_ERR_VERIFICATION_FAILED == static_cast<int>(StatusCode::kVerificationFailed));
static_assert(MOTA_ERR_INCOMPATIBLE == static_cast<int>(StatusCode::kIncompatible));
static_assert(MOTA_ERR_OUT_OF_MEMORY == static_cast<int>(StatusCode::kOutOfMemory));
static_assert(MOTA_ERR_FAILED_PRECONDITION == static_cast<int>(StatusCode::kFailedPrecondition));
static_assert(MOTA_ERR_IO == static_cast<int>(StatusCode::kIoError));
static_assert(MOTA_ERR_CANCELLED == static_cast<int>(StatusCode::kCancelled));
static_assert(MOTA_ERR_RESOURCE_EXHAUSTED == static_cast<int>(StatusCode::kResourceExhausted));

ErrorSlot& ThreadError() {
  thread_local ErrorSlot slot;
  return slot;
}

mota_status_t ToC(StatusCode code) {
  const int n = static_cast<int>(code);
  // A code added inside libmota but not yet to the C enum must not leak an unlisted number.
  if (n < MOTA_OK || n > MOTA_ERR_RESOURCE_EXHAUSTED) return MOTA_ERR_INTERNAL;
  return static_cast<mota_status_t>(n);
}

mota_status_t Report(const Status& status, ErrorSlot* handle) {
  if (status.ok()) {
    ThreadError().Clear();
    if (handle != nullptr) handle->Clear();
    return MOTA_OK;
  }
  ThreadError().Set(status.message());
  if (handle != nullptr) handle->Set(status.message());
  return ToC(status.code());
}

}  // namespace mota::api

extern "C" {

const char* mota_status_string(mota_status_t status) {
  switch (status) {
    case MOTA_OK:
      return "OK";
    case MOTA_ERR_INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case MOTA_ERR_NOT_FOUND:
      return "NOT_FOUND";
    case MOTA_ERR_UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case MOTA_ERR_OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case MOTA_ERR_DATA_LOSS:
      return "DATA_LOSS";
    case MOTA_ERR_INTERNAL:
      return "INTERNAL";
    case MOTA_ERR_UNAVAILABLE:
      return "UNAVAILABLE";
    case MOTA_ERR_VERIFICATION_FAILED:
      return "VERIFICATION_FAILED";
    case MOTA_ERR_INCOMPATIBLE:
      return "INCOMPATIBLE";
    case MOTA_ERR_OUT_OF_MEMORY:
      return "OUT_OF_MEMORY";
    case MOTA_ERR_FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case MOTA_ERR_IO:
      return "IO_ERROR";
    case MOTA_ERR_CANCELLED:
      return "CANCELLED";
    case MOTA_ERR_RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
  }
  return "UNKNOWN_STATUS";
}

const char* mota_last_error(void) { return mota::api::ThreadError().c_str(); }

const char* mota_version(void) { return MOTA_VERSION_STRING; }

}  // extern "C"
