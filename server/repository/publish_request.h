// The wire form of a publish (POST /v1/admin/publish): one JSON object, written by `mota publish`
// and read by the server. Metadata and variant indexes travel as strings holding their exact
// bytes, so signatures and hashes are checked over what the publisher signed.
//
//   {"model": "demo",
//    "delegated_role": "<bytes of N.demo.json>",
//    "targets": "<bytes of N.targets.json>",          (optional: a new delegation)
//    "target_files": {"models/demo/cpu-fp32.r3.json": "<bytes of the variant index>", ...}}
#pragma once

#include <string>
#include <string_view>

#include "manifests/lib/status/status.h"
#include "server/repository/publish.h"

namespace mota::server::repository {

std::string PublishRequestToJson(const PublishRequest& request);
// InvalidArgument naming the field when the body is not that shape (unknown fields too).
Result<PublishRequest> ParsePublishRequest(std::string_view body);

}  // namespace mota::server::repository
