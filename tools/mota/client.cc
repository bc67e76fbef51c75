// `mota client select MODEL --explain`: the device client's choice of (release, variant) for a
// device profile, made from a repository the TUF client verified (delivery/trust) and printed
// with the reason every variant was taken or rejected (delivery/select). Also registers
// `mota client update` and `mota client status` (client_update.cc) and `mota client run`
// (client_run.cc, the C API) and dispatches to them.
//
//   mota client select mobilenet_v2 --repo repo/ --profile manifests/devices/x.json --explain
//   mota client select mobilenet_v2 --url https://updates.example --root root.json --detect --json
//
// Exit codes: 0 a variant was chosen, 1 an error or no variant fits (the table and the closest
// variant are printed first), 2 a usage error.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/file.h"
#include "delivery/client/local_repo.h"
#include "delivery/fetch/http_fetcher.h"
#include "delivery/select/model_targets.h"
#include "delivery/select/select.h"
#include "delivery/trust/updater.h"
#include "device/profiler.h"
#include "manifests/lib/device_profile/facts.h"
#include "tools/mota/client_cli.h"
#include "tools/mota/commands.h"

namespace mota::cli {
namespace {

namespace fs = std::filesystem;
using client::kFileScheme;

struct SelectArgs {
  std::string model;
  std::string repo;
  std::string url;
  std::string root;
  std::string metadata_dir;
  std::string profile;
  bool detect = false;
  std::string install_id = "mota-cli";
  int64_t installed_release = 0;
  std::vector<std::string> failed;  // RELEASE:VARIANT[:REASON]
  std::string runtime_version;
  bool explain = false;
  bool json = false;
};

using client::FileFetcher;  // file:// with HttpFetcher's contract (delivery/client)

Result<std::vector<select::FailedVariant>> ParseFailed(const std::vector<std::string>& specs) {
  std::vector<select::FailedVariant> failed;
  for (const std::string& spec : specs) {
    const size_t colon = spec.find(':');
    select::FailedVariant f;
    const std::string release = spec.substr(0, colon);
    char* end = nullptr;
    f.release = std::strtoll(release.c_str(), &end, 10);
    if (colon == std::string::npos || release.empty() || *end != '\0' || f.release < 1) {
      return InvalidArgument("--failed ", spec, ": expected RELEASE:VARIANT[:REASON] with ",
                             "RELEASE >= 1, e.g. 3:gpu-fp16:self-test failed");
    }
    const size_t second = spec.find(':', colon + 1);
    f.variant = spec.substr(colon + 1,
                            second == std::string::npos ? std::string::npos : second - colon - 1);
    f.reason = second == std::string::npos ? "marked failed (--failed)" : spec.substr(second + 1);
    failed.push_back(std::move(f));
  }
  return failed;
}

nlohmann::json ToJson(const select::Selection& s, const std::string& model) {
  nlohmann::json lines = nlohmann::json::array();
  for (const select::VariantLine& l : s.lines) {
    lines.push_back({{"release", l.release},
                     {"variant", l.variant},
                     {"backend", l.backend},
                     {"precision", l.precision},
                     {"priority", l.priority},
                     {"taken", l.taken},
                     {"reason", l.reason}});
  }
  return {{"model", model},
          {"found", s.found},
          {"release", s.release},
          {"variant", s.variant},
          {"status", s.status},
          {"closest", s.closest},
          {"closest_why", s.closest_why},
          {"rollout", s.decision.why},
          {"bucket", s.decision.bucket},
          {"variants", lines}};
}

// The TUF client's configuration: where metadata comes from and the trusted root.
struct Source {
  std::unique_ptr<trust::Fetcher> fetcher;
  std::string metadata_url;
  std::string target_url;
  std::string root;  // the trust anchor file
};

Result<Source> MakeSource(const SelectArgs& a) {
  Source src;
  if (!a.repo.empty()) {
    const std::string dir = fs::absolute(a.repo).lexically_normal().string();
    src.fetcher = std::make_unique<FileFetcher>();
    src.metadata_url = kFileScheme + dir + "/metadata";
    src.target_url = kFileScheme + dir + "/targets";
    // A local repository the user points at: its first root is the anchor unless given.
    src.root = a.root.empty() ? dir + "/metadata/1.root.json" : a.root;
  } else {
    if (a.root.empty()) {
      return InvalidArgument("--url ", a.url, " needs --root FILE: the root.json to trust (a ",
                             "client never trusts the first root a server sends)");
    }
    MOTA_ASSIGN_OR_RETURN(std::unique_ptr<fetch::HttpFetcher> http, fetch::HttpFetcher::Create({}));
    src.fetcher = std::move(http);
    std::string base = a.url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    src.metadata_url = base + "/metadata";
    src.target_url = base + "/targets";
    src.root = a.root;
  }
  return src;
}

Result<select::Selection> RunSelect(const SelectArgs& a, std::vector<std::string>* skipped) {
  MOTA_ASSIGN_OR_RETURN(Source src, MakeSource(a));
  std::string metadata_dir = a.metadata_dir;
  std::string temp_dir;
  if (metadata_dir.empty()) {
    // No persisted trust asked for: a fresh one, anchored at the root, removed afterwards.
    temp_dir = (fs::temp_directory_path() / ("mota_client_" + std::to_string(::getpid()))).string();
    fs::remove_all(temp_dir);
    metadata_dir = temp_dir;
  }
  std::error_code ec;
  fs::create_directories(metadata_dir, ec);
  if (!fs::exists(fs::path(metadata_dir) / "root.json")) {
    MOTA_ASSIGN_OR_RETURN(std::vector<uint8_t> root, ReadFile(src.root));
    MOTA_RETURN_IF_ERROR(WriteFileAtomic(metadata_dir + "/root.json", root));
  }
  trust::SystemClock clock;
  trust::UpdaterConfig config{
      .metadata_dir = metadata_dir, .metadata_url = src.metadata_url, .target_url = src.target_url};
  config.profile = {.check_key_ids = true, .strict_delegated_paths = true};
  trust::Updater updater(config, src.fetcher.get(), &clock);
  // The rollout version trusted before (kept in the metadata dir) guards against its rollback.
  Result<int64_t> trusted_rollout = select::TrustedRolloutVersion(metadata_dir, a.model);
  Result<select::ModelTargets> m =
      trusted_rollout.ok() ? select::LoadModelTargets(updater, *src.fetcher, src.metadata_url,
                                                      a.model, *trusted_rollout, clock.Now())
                           : Result<select::ModelTargets>(trusted_rollout.status());
  if (m.ok() && m->rollout && temp_dir.empty()) {
    MOTA_RETURN_IF_ERROR(select::PersistRollout(metadata_dir, *m->rollout));
  }
  if (!temp_dir.empty()) fs::remove_all(temp_dir, ec);
  if (!m.ok()) return m.status();
  *skipped = m->skipped;
  select::SelectInput in;
  in.model = a.model;
  in.targets = std::move(m->targets);
  in.rollout = m->rollout ? &*m->rollout : nullptr;
  MOTA_ASSIGN_OR_RETURN(in.device, LoadDeviceFacts(a.profile, a.detect, a.runtime_version));
  in.install_id = a.install_id;
  in.installed_release = a.installed_release;
  MOTA_ASSIGN_OR_RETURN(in.failed, ParseFailed(a.failed));
  return select::Select(in);
}

int RunSelectCommand(const SelectArgs& a) {
  std::vector<std::string> skipped;
  Result<select::Selection> s = RunSelect(a, &skipped);
  if (!s.ok()) return ReportError("client select", s.status());
  for (const std::string& line : skipped) {
    std::fprintf(stderr, "mota client select: skipped target %s\n", line.c_str());
  }
  if (a.json) {
    std::printf("%s\n", ToJson(*s, a.model).dump(2).c_str());
  } else if (a.explain) {
    std::fputs(select::FormatTable(*s).c_str(), stdout);
  } else {
    std::printf("%s\n", s->status.c_str());
  }
  return s->found ? 0 : 1;
}

}  // namespace

Result<conditions::DeviceFacts> LoadDeviceFacts(const std::string& profile, bool detect,
                                                const std::string& runtime_version) {
  conditions::DeviceFacts facts;
  if (detect) {
    device::Profiler profiler;
    facts = profiler.Facts();
  } else {
    MOTA_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFile(profile));
    MOTA_ASSIGN_OR_RETURN(
        device_profile::DeviceProfile p,
        device_profile::ParseProfile(std::string(bytes.begin(), bytes.end()), profile));
    facts = device_profile::ToFacts(p);
  }
  // A profile file describes hardware; the runtime is this one unless the user says otherwise.
  if (facts.runtime_version.empty()) facts.runtime_version = device::RuntimeVersion();
  if (!runtime_version.empty()) facts.runtime_version = runtime_version;
  return facts;
}

Command AddClientCommand(CLI::App& app) {
  auto a = std::make_shared<SelectArgs>();
  CLI::App* client = app.add_subcommand("client", "The device client's steps, for tests and demos");
  client->require_subcommand(1);
  CLI::App* sel = client->add_subcommand(
      "select", "Which release and variant a device takes from a repository, and why");
  sel->add_option("model", a->model, "The model")->required();
  CLI::Option* repo = sel->add_option("--repo", a->repo, "A repository directory (mota repo)");
  CLI::Option* url = sel->add_option("--url", a->url, "A server's base URL (mota serve, a mirror)");
  repo->excludes(url);
  sel->add_option("--root", a->root,
                  "The root.json to trust (default with --repo: DIR/metadata/1.root.json)");
  sel->add_option("--metadata-dir", a->metadata_dir,
                  "Where trusted metadata persists (default: a temporary directory)");
  CLI::Option* profile = sel->add_option("--profile", a->profile,
                                         "A device profile JSON (mota device-profile --json)");
  CLI::Option* detect = sel->add_flag("--detect", a->detect, "Detect this machine's profile");
  profile->excludes(detect);
  sel->add_option("--install-id", a->install_id, "The install id (the rollout bucket)");
  sel->add_option("--installed-release", a->installed_release,
                  "The release installed now (0: none)");
  sel->add_option("--failed", a->failed,
                  "RELEASE:VARIANT[:REASON] that failed on this device before (repeatable)");
  sel->add_option("--runtime-version", a->runtime_version,
                  "The libmota version to assume (default: this one)");
  sel->add_flag("--explain", a->explain, "Print every variant with why it was taken or rejected");
  sel->add_flag("--json", a->json, "Print the selection as JSON");
  auto run_select = [a, repo, url, profile, detect] {
    if (repo->count() + url->count() != 1) {
      return ReportError("client select", InvalidArgument("give --repo DIR or --url URL"));
    }
    if (profile->count() + detect->count() != 1) {
      return ReportError("client select", InvalidArgument("give --profile FILE or --detect"));
    }
    return RunSelectCommand(*a);
  };
  CLI::App* update = nullptr;
  CLI::App* status = nullptr;
  auto run_update = AddClientUpdate(*client, &update);
  auto run_status = AddClientStatus(*client, &status);
  CLI::App* run = nullptr;
  auto run_run = ClientRun(*client, &run);  // client_run.cc: through the C API
  return {client, [=] {
            if (update->parsed()) return run_update();
            if (status->parsed()) return run_status();
            if (run->parsed()) return run_run();
            return run_select();
          }};
}

}  // namespace mota::cli
