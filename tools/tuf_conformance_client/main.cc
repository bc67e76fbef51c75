// tuf_conformance_client: the tuf-conformance "client-under-test" CLI over mota's TUF client
// (client_runtime/src/delivery/trust), so an outside suite can check the trust layer:
//
//   CLIENT --metadata-dir D init TRUSTED_ROOT
//   CLIENT --metadata-dir D --metadata-url U refresh
//   CLIENT --metadata-dir D --metadata-url U --target-name P [--target-name P2 ...]
//          --target-base-url U2 --target-dir T download
//
// Exit 0 on success, 1 on any failure (the reason goes to stderr). Trusted metadata is kept in D
// under non-versioned names; a target is stored in T under its percent-encoded path and is not
// downloaded again while the file there matches its signed length and hashes.
#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "base/file.h"
#include "curl_fetcher.h"
#include "delivery/trust/updater.h"

namespace mota::tuf_conformance {
namespace {

struct Args {
  std::string metadata_dir, metadata_url, target_base_url, target_dir, command, trusted_root;
  std::vector<std::string> target_names;
};

std::string TrimSlash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

Result<Args> ParseArgs(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](std::string* out) -> Status {
      if (i + 1 >= argc) return InvalidArgument(arg, " needs a value");
      *out = argv[++i];
      return Status::Ok();
    };
    if (arg == "--metadata-dir") {
      MOTA_RETURN_IF_ERROR(value(&a.metadata_dir));
    } else if (arg == "--metadata-url") {
      MOTA_RETURN_IF_ERROR(value(&a.metadata_url));
    } else if (arg == "--target-base-url") {
      MOTA_RETURN_IF_ERROR(value(&a.target_base_url));
    } else if (arg == "--target-dir") {
      MOTA_RETURN_IF_ERROR(value(&a.target_dir));
    } else if (arg == "--target-name") {
      MOTA_RETURN_IF_ERROR(value(&a.target_names.emplace_back()));
    } else if (a.command.empty() && (arg == "init" || arg == "refresh" || arg == "download")) {
      a.command = arg;
    } else if (a.command == "init" && a.trusted_root.empty()) {
      a.trusted_root = arg;
    } else {
      return InvalidArgument("unexpected argument \"", arg, "\"");
    }
  }
  if (a.metadata_dir.empty()) return InvalidArgument("--metadata-dir is required");
  if (a.command.empty()) return InvalidArgument("expected a command: init, refresh or download");
  if (a.command == "init" && a.trusted_root.empty())
    return InvalidArgument("init needs TRUSTED_ROOT");
  if (a.command != "init" && a.metadata_url.empty())
    return InvalidArgument("--metadata-url is required");
  if (a.command == "download" &&
      (a.target_names.empty() || a.target_base_url.empty() || a.target_dir.empty())) {
    return InvalidArgument("download needs --target-name, --target-base-url and --target-dir");
  }
  return a;
}

Status Init(const Args& a) {
  MOTA_ASSIGN_OR_RETURN(std::vector<uint8_t> root, ReadFile(a.trusted_root));
  ::mkdir(a.metadata_dir.c_str(), 0755);
  return WriteFileAtomic(a.metadata_dir + "/root.json", root);
}

Status Download(trust::Updater& updater, const Args& a) {
  ::mkdir(a.target_dir.c_str(), 0755);
  for (const std::string& name : a.target_names) {
    MOTA_ASSIGN_OR_RETURN(trust::FoundTarget target, updater.GetTargetInfo(name));
    const std::string local = a.target_dir + "/" + trust::EscapeForFileName(name);
    if (updater.IsCached(target, local)) continue;
    MOTA_ASSIGN_OR_RETURN(std::string bytes, updater.DownloadTarget(target));
    MOTA_RETURN_IF_ERROR(WriteFileAtomic(local, bytes));
  }
  return Status::Ok();
}

Status Run(int argc, char** argv) {
  MOTA_ASSIGN_OR_RETURN(Args a, ParseArgs(argc, argv));
  if (a.command == "init") return Init(a);
  CurlFetcher fetcher;
  trust::SystemClock clock;
  trust::Updater updater({.metadata_dir = a.metadata_dir,
                          .metadata_url = TrimSlash(a.metadata_url),
                          .target_url = TrimSlash(a.target_base_url)},
                         &fetcher, &clock);
  if (a.command == "refresh") return updater.Refresh();
  return Download(updater, a);
}

}  // namespace
}  // namespace mota::tuf_conformance

int main(int argc, char** argv) {
  mota::Status st = mota::tuf_conformance::Run(argc, argv);
  if (st.ok()) return 0;
  std::fprintf(stderr, "tuf_conformance_client: %s\n", st.ToString().c_str());
  return 1;
}
