// `mota client update MODEL` and `mota client status MODEL`: the device client (delivery/client)
// as a command, for tests and demos.
//
//   mota client update mlp --url http://127.0.0.1:8080 --root root.json --data dev/ --detect
//   mota client update mlp --repo repo/ --data dev/ --profile manifests/devices/x.json --explain
//   mota client status mlp --data dev/ --json
//
// update prints the variant installed (or kept) and why, every variant tried with its outcome,
// and the bytes downloaded against the variant's total. Exit codes: 0 the model is up to date,
// 1 the update failed (the active version, if any, stays and is named), 2 a usage error.
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>

#include "base/file.h"
#include "delivery/client/client.h"
#include "delivery/install/install_store.h"
#include "tools/mota/client_cli.h"
#include "tools/mota/commands.h"

namespace mota::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct UpdateArgs {
  std::string model, url, repo, root, data, profile, install_id, runtime_version;
  bool detect = false, telemetry = false, explain = false, json = false, quiet = false;
  int max_in_flight = 4;
  uint64_t disk_budget = 0;
};

// The install id kept in the data directory: random, made on first use (like an app install).
Result<std::string> InstallId(const UpdateArgs& a) {
  if (!a.install_id.empty()) return a.install_id;
  const std::string path = a.data + "/install_id";
  if (Result<std::vector<uint8_t>> kept = ReadFile(path); kept.ok() && !kept->empty()) {
    return std::string(kept->begin(), kept->end());
  }
  std::random_device rd;
  std::string id;
  for (int i = 0; i < 4; ++i) id += StrCat(std::hex, rd());
  std::error_code ec;
  fs::create_directories(a.data, ec);
  MOTA_RETURN_IF_ERROR(WriteFileAtomic(path, id));
  return id;
}

Result<client::ClientConfig> MakeConfig(const UpdateArgs& a) {
  client::ClientConfig c;
  c.data_dir = a.data;
  if (!a.repo.empty()) {
    const std::string dir = fs::absolute(a.repo).lexically_normal().string();
    c.server_url = "file://" + dir;
    c.trusted_root = a.root.empty() ? dir + "/metadata/1.root.json" : a.root;
  } else {
    if (a.root.empty() && !fs::exists(a.data + "/metadata/root.json")) {
      return InvalidArgument("--url ", a.url, " needs --root FILE the first time: the root.json ",
                             "to trust (a client never trusts the first root a server sends)");
    }
    c.server_url = a.url;
    c.trusted_root = a.root;
  }
  MOTA_ASSIGN_OR_RETURN(c.device, LoadDeviceFacts(a.profile, a.detect, a.runtime_version));
  MOTA_ASSIGN_OR_RETURN(c.install_id, InstallId(a));
  c.telemetry = a.telemetry;
  c.max_in_flight = a.max_in_flight;
  c.disk_budget_bytes = a.disk_budget;
  return c;
}

json AttemptsJson(const std::vector<client::Attempt>& attempts) {
  json out = json::array();
  for (const client::Attempt& t : attempts) {
    out.push_back({{"release", t.release},
                   {"variant", t.variant},
                   {"backend", t.backend},
                   {"outcome", t.outcome},
                   {"reason", t.reason}});
  }
  return out;
}

void PrintResult(const UpdateArgs& a, const client::UpdateResult& r, const std::string& path) {
  if (a.json) {
    json j = {{"model", r.model},
              {"changed", r.changed},
              {"release", r.release},
              {"variant", r.variant},
              {"backend", r.backend},
              {"why", r.why},
              {"path", path},
              {"bytes_downloaded", r.bytes_downloaded},
              {"bytes_total", r.bytes_total},
              {"blobs_downloaded", r.blobs_downloaded},
              {"blobs_present", r.blobs_present},
              {"attempts", AttemptsJson(r.attempts)},
              {"telemetry_error", r.telemetry_error}};
    std::printf("%s\n", j.dump(2, ' ', false, json::error_handler_t::replace).c_str());
    return;
  }
  std::printf("%s: %s release %lld variant %s (backend %s)\n", r.model.c_str(),
              r.changed ? "installed" : "up to date with", static_cast<long long>(r.release),
              r.variant.c_str(), r.backend.c_str());
  std::printf("  why: %s\n", r.why.c_str());
  for (const client::Attempt& t : r.attempts) {
    std::printf("  tried %s (release %lld, %s): %s%s%s\n", t.variant.c_str(),
                static_cast<long long>(t.release), t.backend.c_str(), t.outcome.c_str(),
                t.outcome == "installed" || t.outcome == "already active" ? "" : ": ",
                t.outcome == "installed" || t.outcome == "already active" ? "" : t.reason.c_str());
  }
  if (!r.changed && r.bytes_downloaded == 0 && r.bytes_total == 0) {
    std::printf("  downloaded nothing: the chosen variant is already active\n");
  } else {
    std::printf("  downloaded %llu of %llu bytes (%zu blobs new, %zu already here)\n",
                static_cast<unsigned long long>(r.bytes_downloaded),
                static_cast<unsigned long long>(r.bytes_total), r.blobs_downloaded,
                r.blobs_present);
  }
  std::printf("  file: %s\n", path.c_str());
  if (!r.telemetry_error.empty()) std::printf("  telemetry: %s\n", r.telemetry_error.c_str());
  if (a.explain) std::fputs(select::FormatTable(r.selection).c_str(), stdout);
}

int RunUpdate(const UpdateArgs& a) {
  Result<client::ClientConfig> config = MakeConfig(a);
  if (!config.ok()) return ReportError("client update", config.status());
  Result<std::unique_ptr<client::Client>> c = client::Client::Create(std::move(*config));
  if (!c.ok()) return ReportError("client update", c.status());
  client::UpdateOptions o;
  uint64_t shown = 0;
  if (!a.quiet && !a.json) {
    o.progress = [&shown](const client::UpdateProgress& p) {
      // One line per ~10% so logs stay short; the last one always.
      if (p.bytes_done != p.bytes_total && p.bytes_done < shown + p.bytes_total / 10) return;
      shown = p.bytes_done;
      std::fprintf(stderr, "  %s %s: %llu / %llu bytes\n", p.model.c_str(), p.variant.c_str(),
                   static_cast<unsigned long long>(p.bytes_done),
                   static_cast<unsigned long long>(p.bytes_total));
    };
  }
  Result<client::UpdateResult> r = (*c)->Update(a.model, o);
  if (a.telemetry) {
    Result<client::TelemetryFlushResult> f = (*c)->FlushTelemetry();
    if (!f.ok()) {
      std::fprintf(stderr, "mota client update: %s\n", f.status().ToString().c_str());
    } else if (!a.json) {
      std::fprintf(stderr, "  telemetry: %zu event(s) sent, %zu queued\n", f->sent, f->queued);
    }
  }
  if (!r.ok()) {
    Result<client::ActiveModel> active = (*c)->Active(a.model);
    const int code = ReportError("client update", r.status());
    if (active.ok()) {
      std::fprintf(stderr, "mota client update: release %lld variant %s stays active (%s)\n",
                   static_cast<long long>(active->release), active->variant.c_str(),
                   active->path.c_str());
    }
    return code;
  }
  Result<client::ActiveModel> active = (*c)->Active(a.model);
  PrintResult(a, *r, active.ok() ? active->path : "");
  return 0;
}

json InstalledJson(const std::optional<install::InstalledVariant>& v) {
  if (!v) return nullptr;
  return {{"release", v->release},
          {"variant", v->variant},
          {"backend", v->backend},
          {"sha256", v->sha256},
          {"file", v->file}};
}

int RunStatus(const std::string& model, const std::string& data, bool as_json) {
  if (!fs::is_directory(data)) {
    return ReportError("client status", NotFound("no data directory ", data,
                                                 " (made by mota client update --data)"));
  }
  Result<install::InstallStore> store = install::InstallStore::Open(data, model);
  if (!store.ok()) return ReportError("client status", store.status());
  if (as_json) {
    json bad = json::array();
    for (const install::BadVariant& b : store->bad_variants()) {
      bad.push_back({{"release", b.release},
                     {"variant", b.variant},
                     {"backend", b.backend},
                     {"reason", b.reason}});
    }
    json j = {{"model", model},
              {"active", InstalledJson(store->active())},
              {"active_path", store->active() ? store->PathOf(*store->active()) : ""},
              {"previous", InstalledJson(store->previous())},
              {"bad_variants", bad}};
    std::printf("%s\n", j.dump(2, ' ', false, json::error_handler_t::replace).c_str());
    return 0;
  }
  auto line = [](const char* what, const std::optional<install::InstalledVariant>& v) {
    if (!v) return std::printf("%-9s none\n", what), void();
    std::printf("%-9s release %lld variant %s (backend %s, sha256 %.12s...) %s\n", what,
                static_cast<long long>(v->release), v->variant.c_str(), v->backend.c_str(),
                v->sha256.c_str(), v->file.c_str());
  };
  std::printf("model    %s\n", model.c_str());
  line("active", store->active());
  line("previous", store->previous());
  if (store->bad_variants().empty()) std::printf("bad      none\n");
  for (const install::BadVariant& b : store->bad_variants()) {
    std::printf("bad      release %lld variant %s (backend %s): %s\n",
                static_cast<long long>(b.release), b.variant.c_str(), b.backend.c_str(),
                b.reason.c_str());
  }
  return 0;
}

}  // namespace

std::function<int()> AddClientUpdate(CLI::App& client, CLI::App** sub) {
  auto a = std::make_shared<UpdateArgs>();
  CLI::App* up = client.add_subcommand(
      "update",
      "Update a model on this device: verify, download what is missing, self-test, "
      "activate");
  *sub = up;
  up->add_option("model", a->model, "The model")->required();
  CLI::Option* repo = up->add_option("--repo", a->repo, "A repository directory (mota repo)");
  CLI::Option* url = up->add_option("--url", a->url, "A server's base URL (mota serve, a mirror)");
  repo->excludes(url);
  up->add_option("--root", a->root,
                 "The root.json to trust on first use of --data (default with --repo: "
                 "DIR/metadata/1.root.json)");
  up->add_option("--data", a->data, "The device's data directory (metadata, store, models)")
      ->required();
  CLI::Option* profile = up->add_option("--profile", a->profile, "A device profile JSON");
  CLI::Option* detect = up->add_flag("--detect", a->detect, "Detect this machine's profile");
  profile->excludes(detect);
  up->add_option("--install-id", a->install_id,
                 "The install id (default: a random one kept in DATA/install_id)");
  up->add_option("--runtime-version", a->runtime_version, "The libmota version to assume");
  up->add_option("--max-in-flight", a->max_in_flight, "Chunk downloads at once")
      ->check(CLI::Range(1, 64));
  up->add_option("--disk-budget", a->disk_budget,
                 "Chunk store cap in bytes (0: none); unreferenced chunks are evicted");
  up->add_flag("--telemetry", a->telemetry, "Send telemetry events to the server (opt-in)");
  up->add_flag("--explain", a->explain, "Also print every variant with why it was taken or not");
  up->add_flag("--json", a->json, "Print the result as JSON");
  up->add_flag("--quiet", a->quiet, "No progress lines");
  return [a, repo, url, profile, detect] {
    if (repo->count() + url->count() != 1) {
      return ReportError("client update", InvalidArgument("give --repo DIR or --url URL"));
    }
    if (profile->count() + detect->count() != 1) {
      return ReportError("client update", InvalidArgument("give --profile FILE or --detect"));
    }
    return RunUpdate(*a);
  };
}

std::function<int()> AddClientStatus(CLI::App& client, CLI::App** sub) {
  auto model = std::make_shared<std::string>();
  auto data = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  CLI::App* st = client.add_subcommand(
      "status", "A model's active and previous versions and the variants that failed here");
  *sub = st;
  st->add_option("model", *model, "The model")->required();
  st->add_option("--data", *data, "The device's data directory")->required();
  st->add_flag("--json", *as_json, "Print JSON");
  return [model, data, as_json] { return RunStatus(*model, *data, *as_json); };
}

}  // namespace mota::cli
