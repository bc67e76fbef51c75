#include "server/admin/publish_api.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>

#include "server/repository/blob_store.h"
#include "server/repository/publish_request.h"
#include "server/storage/atomic_file.h"

namespace mota::server::admin {
namespace {

using Json = nlohmann::json;
namespace repo = repository;

std::string Digest(std::string_view text) {
  unsigned char out[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), out);
  return std::string(reinterpret_cast<const char*>(out), sizeof(out));
}

http::Response ErrorFor(const Status& status) {
  return http::Response::Error(HttpStatusFor(status), status.message());
}

}  // namespace

int HttpStatusFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange:
    case StatusCode::kDataLoss:
      return 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kFailedPrecondition:
      return 409;
    case StatusCode::kVerificationFailed:
      return 422;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kResourceExhausted:
      return 507;  // Insufficient Storage: the repository's disk is full
    default:
      return 500;
  }
}

Result<AdminToken> AdminToken::FromString(std::string token) {
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) {
    token.pop_back();
  }
  if (token.size() < 16) {
    return InvalidArgument("the admin token has ", token.size(),
                           " characters; expected at least 16 (e.g. `openssl rand -hex 32`)");
  }
  AdminToken t;
  t.digest_ = Digest(token);
  return t;
}

Result<AdminToken> AdminToken::FromFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NotFound("cannot open the token file ", path, ": ", std::strerror(errno));
  struct stat st {};
  const bool private_file = ::fstat(fd, &st) == 0 && (st.st_mode & 077) == 0;
  ::close(fd);
  if (!private_file) {
    return InvalidArgument("token file ", path,
                           " is readable or writable by group or others; run `chmod 600 ", path,
                           "` (and replace the token if others could read it)");
  }
  MOTA_ASSIGN_OR_RETURN(std::string text, storage::ReadFileToString(path));
  Result<AdminToken> token = FromString(std::move(text));
  if (!token.ok()) return InvalidArgument(path, ": ", token.status().message());
  return token;
}

bool AdminToken::Matches(std::string_view presented) const {
  const std::string got = Digest(presented);
  return !presented.empty() && CRYPTO_memcmp(got.data(), digest_.data(), got.size()) == 0;
}

PublishApi::PublishApi(repo::Publisher* publisher, AdminToken token, PublishApiOptions options)
    : publisher_(publisher), token_(std::move(token)), options_(std::move(options)) {}

int64_t PublishApi::Now() const {
  if (options_.clock) return options_.clock();
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void PublishApi::Log(const http::Request& request, std::string_view route,
                     const http::Response& response, std::string_view detail) {
  if (!options_.log) return;
  Json line = {{"time", Now()},
               {"admin", std::string(route)},
               {"method", std::string(request.method)},
               {"path", std::string(request.path)},
               {"remote", request.remote_address},
               {"status", response.status},
               {"detail", std::string(detail)}};
  const std::string text = line.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
  std::lock_guard<std::mutex> guard(log_mutex_);
  std::fwrite(text.data(), 1, text.size(), options_.log);
  std::fflush(options_.log);
}

bool PublishApi::Authorized(const http::Request& request, std::string_view route,
                            http::Response* out) {
  if (token_.Matches(request.BearerToken())) return true;
  *out = http::Response::Error(401, request.BearerToken().empty()
                                        ? "missing \"Authorization: Bearer <token>\" header"
                                        : "wrong bearer token");
  out->SetHeader("WWW-Authenticate", "Bearer");
  Log(request, route, *out, "refused: token");
  return false;
}

http::Response PublishApi::MissingBlobs(const http::Request& request) {
  http::Response response;
  if (!Authorized(request, "blobs_missing", &response)) return response;
  const Json body = Json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  std::vector<std::string> names;
  if (!body.is_object() || !body.contains("blobs") || !body["blobs"].is_array()) {
    response = http::Response::Error(400, "expected {\"blobs\": [\"<sha256>\", ...]}");
  } else {
    for (const Json& name : body["blobs"]) {
      names.push_back(name.is_string() ? name.get<std::string>() : name.dump());
    }
    Result<std::vector<std::string>> missing = repo::MissingBlobs(publisher_->repo(), names);
    response = missing.ok() ? http::Response::Json(200, Json({{"missing", *missing}}).dump())
                            : ErrorFor(missing.status());
  }
  Log(request, "blobs_missing", response, std::to_string(names.size()) + " asked");
  return response;
}

http::Response PublishApi::PutBlob(const http::Request& request) {
  http::Response response;
  if (!Authorized(request, "blob_put", &response)) return response;
  constexpr std::string_view kPrefix = "/v1/admin/blobs/";
  const std::string_view name = request.path.substr(kPrefix.size());
  Result<bool> created = repo::PutBlob(publisher_->repo(), name, request.body);
  if (!created.ok()) {
    // A body that does not match its name is the client's fault: 400, nothing stored.
    const int code = created.status().code() == StatusCode::kVerificationFailed
                         ? 400
                         : HttpStatusFor(created.status());
    response = http::Response::Error(code, created.status().message());
  } else {
    response = http::Response::Json(
        *created ? 201 : 200, Json({{"blob", std::string(name)}, {"stored", *created}}).dump());
    if (*created && blobs_stored_) blobs_stored_->Increment();
  }
  Log(request, "blob_put", response,
      std::string(name.substr(0, 64)) + " " + std::to_string(request.body.size()) + " bytes");
  return response;
}

http::Response PublishApi::Publish(const http::Request& request) {
  http::Response response;
  if (!Authorized(request, "publish", &response)) return response;
  std::string detail;
  Result<repo::PublishRequest> parsed = repo::ParsePublishRequest(request.body);
  if (!parsed.ok()) {
    response = ErrorFor(parsed.status());
    detail = parsed.status().message();
  } else {
    Result<repo::PublishResult> r = publisher_->Publish(*parsed, Now());
    if (r.ok()) {
      response = http::Response::Json(200, Json({{"model", r->model},
                                                 {"release", r->release},
                                                 {"new_targets", r->new_targets},
                                                 {"role_version", r->role_version},
                                                 {"targets_version", r->targets_version},
                                                 {"snapshot_version", r->snapshot_version},
                                                 {"timestamp_version", r->timestamp_version}})
                                               .dump());
      detail = "published " + r->model + " release " + std::to_string(r->release);
      if (published_) published_->Increment();
    } else {
      response = ErrorFor(r.status());
      detail = r.status().message();
      if (publish_refused_) publish_refused_->Increment();
    }
  }
  Log(request, "publish", response, detail);
  return response;
}

void PublishApi::AttachMetrics(http::MetricsRegistry& metrics) {
  published_ = metrics.GetCounter("mota_publish_total", "Releases published.");
  publish_refused_ = metrics.GetCounter("mota_publish_refused_total", "Publish requests refused.");
  blobs_stored_ = metrics.GetCounter("mota_blobs_stored_total", "Chunk blobs stored.");
}

void RegisterPublishRoutes(http::Router& router, PublishApi* api) {
  router.Handle("POST", "/v1/admin/blobs/missing",
                [api](const http::Request& r) { return api->MissingBlobs(r); },
                {.route_class = "admin_blobs_missing", .max_body_bytes = kMaxMissingBody});
  router.HandlePrefix("PUT", "/v1/admin/blobs/",
                      [api](const http::Request& r) { return api->PutBlob(r); },
                      {.route_class = "admin_blob_put", .max_body_bytes = kMaxBlobBody});
  router.Handle("POST", "/v1/admin/publish",
                [api](const http::Request& r) { return api->Publish(r); },
                {.route_class = "admin_publish", .max_body_bytes = kMaxPublishBody});
}

Result<std::unique_ptr<PublishAdmin>> PublishAdmin::Create(const PublishAdminFlags& flags) {
  if (flags.token_file.empty() || flags.snapshot_key.empty() || flags.timestamp_key.empty()) {
    return InvalidArgument(
        "the admin API needs --token-file, --snapshot-key and --timestamp-key together");
  }
  MOTA_ASSIGN_OR_RETURN(AdminToken token, AdminToken::FromFile(flags.token_file));
  MOTA_ASSIGN_OR_RETURN(tuf::SigningKey snapshot, tuf::SigningKey::LoadPrivate(flags.snapshot_key));
  MOTA_ASSIGN_OR_RETURN(tuf::SigningKey timestamp,
                        tuf::SigningKey::LoadPrivate(flags.timestamp_key));
  auto admin = std::unique_ptr<PublishAdmin>(new PublishAdmin());
  admin->publisher_ = std::make_unique<repo::Publisher>(
      flags.repo, repo::OnlineKeys{std::move(snapshot), std::move(timestamp)});
  admin->api_ = std::make_unique<PublishApi>(admin->publisher_.get(), std::move(token),
                                             PublishApiOptions{.log = flags.log});
  return admin;
}

}  // namespace mota::server::admin
