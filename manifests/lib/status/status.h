// One error type for every mota library: Status (a code plus a message that says what was
// wrong, with which value, and what to do) and Result<T> (a value or a Status).
// No exceptions: the client runtime builds without them, and host tools use the same types so
// code moves freely between the two.
#pragma once

#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace mota {

// Fixed numbers, mirrored by the public C enum (mota_status_t). Never reuse a number.
enum class StatusCode : int32_t {
  kOk = 0,
  kInvalidArgument = 1,     // the caller passed something wrong: fix the input
  kNotFound = 2,            // a named thing does not exist
  kUnimplemented = 3,       // valid, but this build does not support it
  kOutOfRange = 4,          // an index or size outside the allowed range
  kDataLoss = 5,            // a file or buffer is corrupt or truncated
  kInternal = 6,            // a bug in mota: report it
  kUnavailable = 7,         // transient (network, busy): retry later
  kVerificationFailed = 8,  // signature, hash or self-test check failed: do not use the data
  kIncompatible = 9,        // nothing fits this device / runtime version
  kOutOfMemory = 10,        // an allocation failed
  kFailedPrecondition = 11, // the call is valid but not in this state
  kIoError = 12,            // the OS refused a file operation
  kCancelled = 13,          // the caller's cancel flag stopped the work: call again to resume
  kResourceExhausted = 14,  // storage ran out (disk full, quota, file size limit): free space
};

const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "INVALID_ARGUMENT: message".
  std::string ToString() const;
  // Prefixes the message with context ("while loading model.mota: ...").
  Status WithContext(std::string_view context) const;
  // Marks a status as intentionally unused.
  void IgnoreError() const {}

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

namespace detail {
template <typename... Args>
std::string StrCat(const Args&... args) {
  std::ostringstream out;
  (out << ... << args);
  return out.str();
}
}  // namespace detail

template <typename... Args>
std::string StrCat(const Args&... args) {
  return detail::StrCat(args...);
}

template <typename... Args>
Status InvalidArgument(const Args&... args) { return Status(StatusCode::kInvalidArgument, StrCat(args...)); }
template <typename... Args>
Status NotFound(const Args&... args) { return Status(StatusCode::kNotFound, StrCat(args...)); }
template <typename... Args>
Status Unimplemented(const Args&... args) { return Status(StatusCode::kUnimplemented, StrCat(args...)); }
template <typename... Args>
Status OutOfRange(const Args&... args) { return Status(StatusCode::kOutOfRange, StrCat(args...)); }
template <typename... Args>
Status DataLoss(const Args&... args) { return Status(StatusCode::kDataLoss, StrCat(args...)); }
template <typename... Args>
Status Internal(const Args&... args) { return Status(StatusCode::kInternal, StrCat(args...)); }
template <typename... Args>
Status IoError(const Args&... args) { return Status(StatusCode::kIoError, StrCat(args...)); }
template <typename... Args>
Status FailedPrecondition(const Args&... args) { return Status(StatusCode::kFailedPrecondition, StrCat(args...)); }
template <typename... Args>
Status CancelledError(const Args&... args) { return Status(StatusCode::kCancelled, StrCat(args...)); }
template <typename... Args>
Status ResourceExhausted(const Args&... args) { return Status(StatusCode::kResourceExhausted, StrCat(args...)); }
template <typename... Args>
Status OutOfMemory(const Args&... args) { return Status(StatusCode::kOutOfMemory, StrCat(args...)); }

// A value or an error. Access value() only when ok().
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}              // NOLINT: implicit by design
  Result(Status status) : data_(std::move(status)) {}        // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(data_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(data_);
  }
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace mota

#define MOTA_CONCAT_INNER_(a, b) a##b
#define MOTA_CONCAT_(a, b) MOTA_CONCAT_INNER_(a, b)

// Returns the status from the enclosing function when `expr` fails.
#define MOTA_RETURN_IF_ERROR(expr)                 \
  do {                                             \
    ::mota::Status mota_status_ = (expr);          \
    if (!mota_status_.ok()) return mota_status_;   \
  } while (0)

// `MOTA_ASSIGN_OR_RETURN(auto x, FunctionReturningResult())`.
#define MOTA_ASSIGN_OR_RETURN(lhs, expr) \
  MOTA_ASSIGN_OR_RETURN_IMPL_(MOTA_CONCAT_(mota_result_, __LINE__), lhs, expr)
#define MOTA_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return tmp.status();               \
  lhs = std::move(tmp).value()
