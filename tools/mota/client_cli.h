// Shared by the `mota client` subcommands (client.cc: select and the dispatch; client_update.cc:
// update and status).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "base/status.h"
#include "manifests/lib/conditions/conditions.h"

namespace mota::cli {

// The device facts from a profile file (`mota device-profile --json`) or detected on this
// machine; runtime_version is this libmota's unless `runtime_version` overrides it.
Result<conditions::DeviceFacts> LoadDeviceFacts(const std::string& profile, bool detect,
                                                const std::string& runtime_version);

// `mota client update` and `mota client status`: each adds itself under `client` and returns
// its action (exit code 0 / 1 / 2 like every command).
std::function<int()> AddClientUpdate(CLI::App& client, CLI::App** sub);
std::function<int()> AddClientStatus(CLI::App& client, CLI::App** sub);

}  // namespace mota::cli
