// A minimal Status / Result for the TUF core. manifests/lib may not link client_runtime, so this
// mirrors mota::Status (client_runtime/src/base/status.h) with the same code numbers: callers
// convert with `mota::Status(static_cast<mota::StatusCode>(s.code()), s.message())`. If base/
// status.h moves down into manifests/lib, this header becomes a set of aliases.
#pragma once

#include <cstdint>
#include <sstream>
#include <string>
#include <utility>
#include <variant>

namespace mota::tuf {

// Same numbers as mota::StatusCode; only the ones the TUF core returns.
enum class Code : int32_t {
  kOk = 0,
  kInvalidArgument = 1,     // malformed metadata or a bad argument
  kVerificationFailed = 8,  // signature, threshold, expiry, version or path check failed
  kInternal = 6,            // OpenSSL failed where it should not
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status Ok() { return Status(); }
  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  int32_t code_number() const { return static_cast<int32_t>(code_); }
  const std::string& message() const { return message_; }

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

template <typename... Args>
std::string Cat(const Args&... args) {
  std::ostringstream out;
  (out << ... << args);
  return out.str();
}
template <typename... Args>
Status Invalid(const Args&... args) {
  return Status(Code::kInvalidArgument, Cat(args...));
}
template <typename... Args>
Status Rejected(const Args&... args) {
  return Status(Code::kVerificationFailed, Cat(args...));
}

// A value or an error. Access value() only when ok().
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : data_(std::move(status)) {}  // NOLINT: implicit by design
  bool ok() const { return std::holds_alternative<T>(data_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(data_);
  }
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace mota::tuf

#define TUF_CONCAT_INNER_(a, b) a##b
#define TUF_CONCAT_(a, b) TUF_CONCAT_INNER_(a, b)
#define TUF_RETURN_IF_ERROR(expr)              \
  do {                                         \
    ::mota::tuf::Status tuf_status_ = (expr);  \
    if (!tuf_status_.ok()) return tuf_status_; \
  } while (0)
#define TUF_ASSIGN_OR_RETURN(lhs, expr) \
  TUF_ASSIGN_OR_RETURN_IMPL_(TUF_CONCAT_(tuf_r_, __LINE__), lhs, expr)
#define TUF_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(tmp).value()
