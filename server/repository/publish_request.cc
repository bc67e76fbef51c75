#include "server/repository/publish_request.h"

#include <nlohmann/json.hpp>

namespace mota::server::repository {
namespace {

using Json = nlohmann::json;

constexpr char kShape[] =
    "; expected {\"model\": string, \"delegated_role\": string, \"targets\": string (optional), "
    "\"target_files\": {path: string}}";

}  // namespace

std::string PublishRequestToJson(const PublishRequest& r) {
  Json j = {{"model", r.model}, {"delegated_role", r.role_metadata}};
  if (!r.targets_metadata.empty()) j["targets"] = r.targets_metadata;
  j["target_files"] = Json::object();
  for (const auto& [path, bytes] : r.target_files) j["target_files"][path] = bytes;
  return j.dump();
}

Result<PublishRequest> ParsePublishRequest(std::string_view body) {
  const Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return InvalidArgument("the publish body is not a JSON object", kShape);
  }
  for (const auto& [key, value] : j.items()) {
    if (key != "model" && key != "delegated_role" && key != "targets" && key != "target_files") {
      return InvalidArgument("the publish body has an unknown field \"", key, "\"", kShape);
    }
  }
  for (const char* key : {"model", "delegated_role"}) {
    if (!j.contains(key) || !j[key].is_string()) {
      return InvalidArgument("the publish body's \"", key, "\" is missing or not a string", kShape);
    }
  }
  if (j.contains("targets") && !j["targets"].is_string()) {
    return InvalidArgument("the publish body's \"targets\" is not a string", kShape);
  }
  if (!j.contains("target_files") || !j["target_files"].is_object()) {
    return InvalidArgument("the publish body's \"target_files\" is missing or not an object",
                           kShape);
  }
  PublishRequest r;
  r.model = j["model"].get<std::string>();
  r.role_metadata = j["delegated_role"].get<std::string>();
  if (j.contains("targets")) r.targets_metadata = j["targets"].get<std::string>();
  for (const auto& [path, bytes] : j["target_files"].items()) {
    if (!bytes.is_string()) {
      return InvalidArgument("the publish body's target_files[\"", path, "\"] is not a string",
                             kShape);
    }
    r.target_files[path] = bytes.get<std::string>();
  }
  return r;
}

}  // namespace mota::server::repository
