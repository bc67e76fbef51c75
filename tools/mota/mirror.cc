// `mota mirror export --repo DIR -o OUT [--force] [--max-age S]`: the repository as a tree of
// static files (metadata/, targets/, blobs/) that nginx or any CDN can serve, plus
// OUT/nginx.conf.example, a server block that sets the same Cache-Control headers as
// `mota serve`.
//
// Never a half-written OUT: the tree is copied into a temp folder beside OUT, verified there as
// a client would (root chain, timestamp -> snapshot -> targets -> delegated roles, every target
// file's length and sha256, and every blob each variant index names: its size and sha256), and
// only then renamed to OUT. An existing non-empty OUT is refused unless --force, which replaces
// it (the old tree is renamed away first, then removed).
//
// timestamp.json and root.json are read first: everything they reference is immutable and
// already present, so exporting while `mota repo add` publishes still gives a consistent tree.
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>

#include "manifests/lib/bundle/index.h"
#include "manifests/lib/bundle/sha256.h"
#include "packager/src/repo.h"
#include "server/http/static_files.h"
#include "tools/mota/commands.h"

namespace mota::cli {
namespace {

namespace fs = std::filesystem;

struct MirrorArgs {
  std::string repo, out;
  bool force = false;
  int max_age = 60;
};

Result<std::string> ReadBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot open ", path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return IoError("cannot read ", path.string());
  return ss.str();
}

Status WriteBytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return IoError("cannot write ", path.string());
  return Status::Ok();
}

// Copies the regular files under from/ (recursively), skipping dot-files (a publisher's temp
// files) and anything else.
Status CopyTree(const fs::path& from, const fs::path& to, size_t* files) {
  std::error_code ec;
  fs::create_directories(to, ec);
  if (ec) return IoError("cannot create ", to.string(), ": ", ec.message());
  if (!fs::exists(from)) return Status::Ok();
  for (auto it = fs::recursive_directory_iterator(from, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    const fs::path rel = fs::relative(it->path(), from);
    if (it->path().filename().string().front() == '.') {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_directory()) {
      fs::create_directories(to / rel, ec);
    } else if (it->is_regular_file()) {
      if (fs::exists(to / rel)) continue;  // timestamp.json/root.json, copied first
      fs::copy_file(it->path(), to / rel, ec);
      ++*files;
    }
    if (ec) return IoError("cannot copy ", it->path().string(), ": ", ec.message());
  }
  if (ec) return IoError("cannot list ", from.string(), ": ", ec.message());
  return Status::Ok();
}

// Every blob a variant index names must be in blobs/ with the stored frame's size and sha256.
Status CheckBlob(const fs::path& repo, const std::string& sha256, uint64_t zstd_size,
                 const std::string& zstd_sha256, const std::string& target) {
  const fs::path path = repo / "blobs" / sha256;
  Result<std::string> bytes = ReadBytes(path);
  if (!bytes.ok()) {
    return NotFound("blob ", sha256, " named by target ", target, " is missing from blobs/");
  }
  if (bytes.value().size() != zstd_size) {
    return DataLoss("blob ", path.string(), " is ", bytes.value().size(), " bytes; target ",
                    target, " expects ", zstd_size);
  }
  std::string got = bundle::Sha256Hex(
      {reinterpret_cast<const uint8_t*>(bytes.value().data()), bytes.value().size()});
  if (got != zstd_sha256) {
    return DataLoss("blob ", path.string(), " has sha256 ", got, "; target ", target,
                    " expects ", zstd_sha256);
  }
  return Status::Ok();
}

Status CheckBlobs(const fs::path& repo, const packager::RepoState& state, size_t* blobs) {
  for (const auto& [role, targets] : state.models) {
    for (const auto& [target, file] : targets.targets) {
      auto sha = file.hashes.find("sha256");
      if (sha == file.hashes.end()) continue;  // VerifyRepository already required it
      const size_t slash = target.rfind('/');
      const std::string dir = slash == std::string::npos ? "" : target.substr(0, slash + 1);
      const std::string name = slash == std::string::npos ? target : target.substr(slash + 1);
      MOTA_ASSIGN_OR_RETURN(std::string text,
                            ReadBytes(repo / "targets" / (dir + sha->second + "." + name)));
      if (text.find("\"mota-variant-index\"") == std::string::npos) continue;
      Result<bundle::VariantIndex> index = bundle::ParseIndex(text);
      if (!index.ok()) return index.status().WithContext("target " + target);
      for (const bundle::ChunkRef& c : index.value().chunks) {
        MOTA_RETURN_IF_ERROR(CheckBlob(repo, c.sha256, c.zstd_size, c.zstd_sha256, target));
        ++*blobs;
      }
      for (const auto& vector : index.value().selftest.vectors) {
        for (const auto* list : {&vector.inputs, &vector.outputs}) {
          for (const bundle::BlobRef& b : *list) {
            MOTA_RETURN_IF_ERROR(CheckBlob(repo, b.sha256, b.zstd_size, b.zstd_sha256, target));
            ++*blobs;
          }
        }
      }
    }
  }
  return Status::Ok();
}

std::string NginxExample(const fs::path& root, int max_age) {
  const std::string immutable = server::http::CacheControlFor("blobs/x", max_age);
  const std::string short_lived = server::http::CacheControlFor("metadata/timestamp.json", max_age);
  std::string conf =
      "# nginx server block for this mirror (written by `mota mirror export`). Include it in\n"
      "# the http {} block; it sets the Cache-Control headers `mota serve` sets. Range, ETag and\n"
      "# If-None-Match are nginx's own.\n"
      "server {\n"
      "    listen 8080;\n"
      "    root " + root.string() + ";\n"
      "    sendfile on;\n"
      "    tcp_nopush on;\n"
      "    types { application/json json; }\n"
      "    default_type application/octet-stream;\n"
      "    # Unversioned metadata (timestamp.json, root.json): clients must see a new one soon.\n"
      "    location ~ ^/metadata/[^/0-9][^/]*$ {\n"
      "        add_header Cache-Control \"" + short_lived + "\" always;\n"
      "    }\n"
      "    # N.<role>.json, targets and blobs never change once published.\n";
  for (const char* prefix : {"/metadata/", "/targets/", "/blobs/"}) {
    conf += std::string("    location ") + prefix + " {\n        add_header Cache-Control \"" +
            immutable + "\" always;\n    }\n";
  }
  conf += "    location = /nginx.conf.example { return 404; }\n";
  conf += "    location / { return 404; }\n}\n";
  return conf;
}

Status Export(const MirrorArgs& args) {
  const fs::path repo = args.repo, out = fs::absolute(args.out).lexically_normal();
  std::error_code ec;
  if (!fs::exists(repo / "metadata" / "timestamp.json")) {
    return NotFound(args.repo, " is not a repository: metadata/timestamp.json is missing");
  }
  if (fs::exists(out) && !(fs::is_directory(out) && fs::is_empty(out)) && !args.force) {
    return InvalidArgument("output ", out.string(),
                           " exists and is not an empty folder; pass --force to replace it");
  }
  // The temp folder lives beside OUT so the final rename stays on one file system.
  std::random_device rd;
  const fs::path tmp = out.parent_path() / ("." + out.filename().string() + ".tmp-" +
                                            std::to_string(rd()));
  fs::create_directories(tmp / "metadata", ec);
  if (ec) return IoError("cannot create ", tmp.string(), ": ", ec.message());
  auto cleanup = [&tmp] {
    std::error_code ignored;
    fs::remove_all(tmp, ignored);
  };
  Status st = [&]() -> Status {
    for (const char* name : {"timestamp.json", "root.json"}) {
      if (!fs::exists(repo / "metadata" / name)) continue;
      MOTA_ASSIGN_OR_RETURN(std::string bytes, ReadBytes(repo / "metadata" / name));
      MOTA_RETURN_IF_ERROR(WriteBytes(tmp / "metadata" / name, bytes));
    }
    size_t files = 2, blobs = 0;
    for (const char* dir : {"metadata", "targets", "blobs"}) {
      MOTA_RETURN_IF_ERROR(CopyTree(repo / dir, tmp / dir, &files));
    }
    Result<packager::RepoState> state = packager::VerifyRepository(tmp.string(), std::time(nullptr));
    if (!state.ok()) {
      return state.status().WithContext("the repository " + args.repo + " is not consistent");
    }
    MOTA_RETURN_IF_ERROR(CheckBlobs(tmp, state.value(), &blobs));
    MOTA_RETURN_IF_ERROR(WriteBytes(tmp / "nginx.conf.example", NginxExample(out, args.max_age)));
    std::printf("verified timestamp v%lld, snapshot v%lld, %zu roles, %zu blob references; "
                "%zu files\n",
                static_cast<long long>(state.value().timestamp.version),
                static_cast<long long>(state.value().snapshot.version),
                state.value().models.size() + 1, blobs, files);
    return Status::Ok();
  }();
  if (!st.ok()) {
    cleanup();
    return st;
  }
  fs::path old;
  if (fs::exists(out)) {
    old = out.parent_path() / ("." + out.filename().string() + ".old-" + std::to_string(rd()));
    fs::rename(out, old, ec);
    if (ec) {
      cleanup();
      return IoError("cannot move the old ", out.string(), " aside: ", ec.message());
    }
  }
  fs::rename(tmp, out, ec);
  if (ec) {
    cleanup();
    if (!old.empty()) fs::rename(old, out, ec);
    return IoError("cannot rename ", tmp.string(), " to ", out.string(), ": ", ec.message());
  }
  if (!old.empty()) fs::remove_all(old, ec);
  std::printf("exported %s to %s (nginx example: %s)\n", args.repo.c_str(), out.c_str(),
              (out / "nginx.conf.example").c_str());
  return Status::Ok();
}

}  // namespace

Command AddMirrorCommand(CLI::App& app) {
  auto args = std::make_shared<MirrorArgs>();
  CLI::App* mirror = app.add_subcommand("mirror", "Static mirrors of a repository (nginx, CDN)");
  mirror->require_subcommand(1);
  CLI::App* sub = mirror->add_subcommand(
      "export", "Write the repository as static files to OUT, verified, plus an nginx example");
  sub->add_option("--repo", args->repo, "Repository directory")->required();
  sub->add_option("-o,--output", args->out, "Output folder (created; must not exist or be empty)")
      ->required();
  sub->add_flag("--force", args->force, "Replace an existing non-empty OUT");
  sub->add_option("--max-age", args->max_age,
                  "Cache-Control max-age (s) for timestamp.json and root.json in the nginx example");
  sub->footer("Example: mota mirror export --repo repo -o /srv/mirror && "
              "less /srv/mirror/nginx.conf.example");
  return {mirror, [args] {
            Status st = Export(*args);
            return st.ok() ? 0 : ReportError("mirror export", st);
          }};
}

}  // namespace mota::cli
