// `mota`: the command-line front end. Parsing lives here; each subcommand is a thin layer over
// the libraries in its own file (commands.h).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "tools/mota/commands.h"

#ifndef MOTA_VERSION
#error "MOTA_VERSION must come from the CMake project version"
#endif

namespace mota::cli {

int ReportError(const std::string& command, const Status& status) {
  std::fprintf(stderr, "mota %s: error: %s\n", command.c_str(), status.message().c_str());
  return 1;
}

namespace {

constexpr int kUsageError = 2;

// CLI11 reports an unknown command as an unexpected argument; say what the commands are.
bool CheckCommandName(int argc, char** argv, const std::vector<Command>& commands) {
  if (argc < 2 || argv[1][0] == '-') return true;
  std::string names;
  for (const Command& c : commands) {
    if (c.app->get_name() == argv[1]) return true;
    names += (names.empty() ? "" : ", ") + c.app->get_name();
  }
  std::fprintf(stderr, "mota: unknown command '%s' (commands: %s)\nRun 'mota --help' for usage.\n",
               argv[1], names.c_str());
  return false;
}

int Main(int argc, char** argv) {
  CLI::App app("mota: convert ONNX models to .mota, quantize, inspect and run them.", "mota");
  app.set_version_flag("--version", "mota " MOTA_VERSION, "Print the version and exit");
  app.require_subcommand(1);
  app.footer("Run 'mota <command> --help' for a command's options.");
  const std::vector<Command> commands = {AddConvertCommand(app), AddQuantizeCommand(app),
                                         AddInspectCommand(app), AddRunCommand(app),
                                         AddKeygenCommand(app), AddPackageCommand(app),
                                         AddRepoCommand(app), AddDeviceProfileCommand(app),
                                         AddClientCommand(app)
#ifdef MOTA_WITH_SERVER
                                         , AddServeCommand(app), AddMirrorCommand(app), AddPublishCommand(app)
                                         , AddRolloutCommand(app)
#endif
  };
  if (!CheckCommandName(argc, argv, commands)) return kUsageError;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help, the version, or the error and a hint
    return code == 0 ? 0 : kUsageError;
  }
  for (const Command& c : commands) {
    if (c.app->parsed()) return c.run();
  }
  return kUsageError;
}

}  // namespace
}  // namespace mota::cli

int main(int argc, char** argv) {
  // The libraries report errors as Status; this only catches what the host-side parsing and
  // JSON code may throw (e.g. out of memory), so the user gets a message instead of an abort.
  try {
    return mota::cli::Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mota: error: %s\n", e.what());
    return 1;
  }
}
