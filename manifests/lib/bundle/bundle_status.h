// A small status type for manifests/lib/bundle. manifests/lib sits below client_runtime (where
// mota::Status lives), so it cannot use that type; the codes here carry the SAME numbers as
// mota::StatusCode so a caller converts 1:1: Status(static_cast<StatusCode>(s.code()),
// s.message()). Exception-free: the device links this code.
#pragma once

#include <cstdint>
#include <sstream>
#include <string>
#include <utility>
#include <variant>

namespace mota::bundle {

// Same numbers as mota::StatusCode (client_runtime/src/base/status.h). Never reuse a number.
enum class BundleCode : int32_t {
  kOk = 0,
  kInvalidArgument = 1,     // a malformed index, model layout or argument: fix the input
  kNotFound = 2,            // the chunk source has no such chunk
  kDataLoss = 5,            // bytes are truncated or cannot be decoded
  kInternal = 6,            // a bug: report it
  kUnavailable = 7,         // the chunk source failed transiently: retry
  kVerificationFailed = 8,  // a hash or size does not match the index: do not use the data
  kIoError = 12,            // the OS refused a file operation
};

// "VERIFICATION_FAILED" etc., as mota::StatusCodeName spells them.
const char* BundleCodeName(BundleCode code);

class [[nodiscard]] BundleStatus {
 public:
  BundleStatus() = default;
  BundleStatus(BundleCode code, std::string message) : code_(code), message_(std::move(message)) {}
  static BundleStatus Ok() { return BundleStatus(); }

  bool ok() const { return code_ == BundleCode::kOk; }
  BundleCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "VERIFICATION_FAILED: chunk 3 ...".
  std::string ToString() const { return std::string(BundleCodeName(code_)) + ": " + message_; }

 private:
  BundleCode code_ = BundleCode::kOk;
  std::string message_;
};

template <typename... Args>
BundleStatus MakeStatus(BundleCode code, const Args&... args) {
  std::ostringstream out;
  (out << ... << args);
  return BundleStatus(code, out.str());
}

// A value or an error. Access value() only when ok().
template <typename T>
class [[nodiscard]] BundleResult {
 public:
  BundleResult(T value) : data_(std::move(value)) {}               // NOLINT: implicit by design
  BundleResult(BundleStatus status) : data_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(data_); }
  BundleStatus status() const { return ok() ? BundleStatus() : std::get<BundleStatus>(data_); }
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }

 private:
  std::variant<T, BundleStatus> data_;
};

}  // namespace mota::bundle

#define MOTA_BUNDLE_CONCAT_INNER_(a, b) a##b
#define MOTA_BUNDLE_CONCAT_(a, b) MOTA_BUNDLE_CONCAT_INNER_(a, b)

// Returns the BundleStatus from the enclosing function when `expr` fails.
#define MOTA_BUNDLE_RETURN_IF_ERROR(expr)                      \
  do {                                                         \
    ::mota::bundle::BundleStatus mota_bundle_status_ = (expr); \
    if (!mota_bundle_status_.ok()) return mota_bundle_status_; \
  } while (0)

// `MOTA_BUNDLE_ASSIGN_OR_RETURN(auto x, FunctionReturningBundleResult())`.
#define MOTA_BUNDLE_ASSIGN_OR_RETURN(lhs, expr) \
  MOTA_BUNDLE_ASSIGN_OR_RETURN_IMPL_(MOTA_BUNDLE_CONCAT_(mota_bundle_result_, __LINE__), lhs, expr)
#define MOTA_BUNDLE_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                       \
  if (!tmp.ok()) return tmp.status();                      \
  lhs = std::move(tmp).value()
