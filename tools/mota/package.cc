// `mota package deploy.yaml -o STAGING`: a thin layer over packager/src/package.h. Progress on
// stderr, the summary table on stdout; STAGING is written whole or not at all.
#include "packager/src/package.h"

#include <cstdio>
#include <memory>
#include <string>

#include "packager/src/deploy_spec.h"
#include "tools/mota/cli_util.h"
#include "tools/mota/commands.h"

namespace mota::cli {
namespace {

struct PackageArgs {
  std::string spec;
  packager::PackageOptions options;
  bool quiet = false;
};

int RunPackage(PackageArgs& args) {
  Stopwatch timer;
  Result<packager::DeploySpec> spec = packager::LoadDeploySpec(args.spec);
  if (!spec.ok()) return ReportError("package", spec.status());
  args.options.min_runtime_version = MOTA_VERSION;
  if (!args.quiet)
    args.options.progress = [](const std::string& m) { std::fprintf(stderr, "package: %s\n", m.c_str()); };
  Result<packager::PackageResult> result = packager::Package(*spec, args.options);
  if (!result.ok()) return ReportError("package", result.status());
  std::printf("%s", packager::SummaryTable(*result).c_str());
  std::printf("wrote %s: %zu variant(s), release %lld, %.1f s\n", args.options.output.c_str(),
              result->variants.size(), static_cast<long long>(args.options.release),
              timer.ElapsedMs() / 1000);
  return 0;
}

}  // namespace

Command AddPackageCommand(CLI::App& app) {
  auto args = std::make_shared<PackageArgs>();
  CLI::App* sub = app.add_subcommand(
      "package", "Build every variant of a deploy.yaml into a staging directory (chunks, indexes, targets)");
  sub->add_option("spec", args->spec, "The deploy.yaml (manifests/spec/deploy-spec.md)")->required();
  sub->add_option("-o,--output", args->options.output,
                  "The staging directory; replaced as a whole on success, untouched on failure")
      ->required();
  sub->add_option("--release", args->options.release, "Release number of the targets (default 1)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--selftest-vectors", args->options.selftest_vectors,
                  "Self-test vectors per variant (default 2)")
      ->check(CLI::Range(1, 64));
  sub->add_option("--threads", args->options.threads, "Threads for the measurements (default 1)");
  sub->add_flag("-q,--quiet", args->quiet, "No progress messages");
  sub->footer("Example: mota package examples/mobilenet_v2/deploy.yaml -o staging/");
  return {sub, [args] { return RunPackage(*args); }};
}

}  // namespace mota::cli
