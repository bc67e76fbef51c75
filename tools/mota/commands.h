// The `mota` subcommands. Each lives in its own file (convert.cc, inspect.cc, run.cc, quantize.cc), adds its
// options to the CLI11 app, and returns the action main() runs when it was chosen. Actions
// return the process exit code: 0 on success, 1 when the work failed (the reason is printed to
// stderr). Usage errors (unknown command, bad flag) are exit code 2, handled in main.cc.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "base/status.h"

namespace mota::cli {

struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

Command AddConvertCommand(CLI::App& app);
Command AddInspectCommand(CLI::App& app);
Command AddRunCommand(CLI::App& app);
Command AddQuantizeCommand(CLI::App& app);
Command AddKeygenCommand(CLI::App& app);
Command AddPackageCommand(CLI::App& app);
Command AddRepoCommand(CLI::App& app);
Command AddDeviceProfileCommand(CLI::App& app);
Command AddClientCommand(CLI::App& app);  // client.cc: `mota client select`
std::function<int()> ClientRun(CLI::App& client, CLI::App** sub);  // client_run.cc (C API)
Command AddServeCommand(CLI::App& app);   // MOTA_WITH_SERVER only
Command AddMirrorCommand(CLI::App& app);  // MOTA_WITH_SERVER only
Command AddPublishCommand(CLI::App& app);  // MOTA_WITH_SERVER only
Command AddRolloutCommand(CLI::App& app);  // MOTA_WITH_SERVER only

// Prints "mota <command>: error: <message>" to stderr and returns exit code 1.
int ReportError(const std::string& command, const Status& status);

}  // namespace mota::cli
