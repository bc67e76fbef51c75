#include "server/http/static_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "manifests/lib/bundle/sha256.h"

namespace mota::server::http {

namespace {

// Strict percent-decoding: "%2e%2e" becomes ".." (and is then refused like ".."); a bad escape
// is an error, never passed through.
bool PercentDecode(std::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    int hi = hex(in[i + 1]), lo = hex(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

bool SegmentOk(std::string_view segment) {
  if (segment.empty() || segment.front() == '.') return false;
  for (char c : segment) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-' || c == '+';
    if (!ok) return false;
  }
  return true;
}

// Checks every '/'-separated segment of `relative` (no leading '/').
bool RelativePathOk(std::string_view relative, size_t* segments) {
  *segments = 0;
  size_t start = 0;
  while (true) {
    size_t slash = relative.find('/', start);
    std::string_view seg = relative.substr(start, slash == std::string_view::npos
                                                      ? std::string_view::npos
                                                      : slash - start);
    if (!SegmentOk(seg)) return false;
    ++*segments;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

bool IsLowerHex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// One version of a file: publishing renames a new inode over the name (and an in-place write
// would change mtime/ctime/size), so equal keys mean the same bytes.
struct FileKey {
  dev_t dev = 0;
  ino_t ino = 0;
  uint64_t size = 0;
  int64_t mtime_s = 0, mtime_ns = 0, ctime_s = 0, ctime_ns = 0;
  bool operator==(const FileKey&) const = default;
};

FileKey KeyOf(const struct stat& st) {
  return {st.st_dev, st.st_ino, static_cast<uint64_t>(st.st_size), st.st_mtim.tv_sec,
          st.st_mtim.tv_nsec, st.st_ctim.tv_sec, st.st_ctim.tv_nsec};
}

// Small files are kept in memory, large ones only keep their ETag.
inline constexpr uint64_t kSmallFileBytes = 64 * 1024;

// Metadata and target files by path: the key of the version last read, its ETag and (for small
// files) its bytes, per io thread. A request lstat()s the path and uses the entry only when the key still
// matches, so a rename by the publisher is seen at once; a request that raced the rename serves
// the complete previous version, exactly as if it had opened the file a moment earlier.
class FileCache {
 public:
  struct Entry {
    FileKey key;
    std::string etag;
    std::shared_ptr<const std::string> bytes;  // null for large files
  };

  std::shared_ptr<const Entry> Find(const std::string& path, const FileKey& key) {
    auto& map = Map();
    auto it = map.find(path);
    if (it == map.end() || !(it->second->key == key)) return nullptr;
    return it->second;
  }

  // Reads the opened file (small: whole; large: hashed in chunks) and remembers it.
  std::shared_ptr<const Entry> Load(const std::string& path, int fd, const struct stat& st) {
    auto entry = std::make_shared<Entry>();
    entry->key = KeyOf(st);
    uint64_t size = entry->key.size;
    bundle::Sha256Stream sha;
    std::string small;
    std::unique_ptr<char[]> buf(new char[64 * 1024]);
    uint64_t done = 0;
    while (done < size) {
      ssize_t got = ::pread(fd, buf.get(), 64 * 1024, static_cast<off_t>(done));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) return nullptr;
      sha.Update({reinterpret_cast<const uint8_t*>(buf.get()), static_cast<size_t>(got)});
      if (size <= kSmallFileBytes) small.append(buf.get(), static_cast<size_t>(got));
      done += static_cast<uint64_t>(got);
    }
    // The first 32 hex digits (128 bits) are plenty to tell versions apart.
    entry->etag = "\"" + sha.FinishHex().substr(0, 32) + "\"";
    if (size <= kSmallFileBytes) entry->bytes = std::make_shared<const std::string>(std::move(small));
    auto& map = Map();
    if (map.size() > 4096) map.clear();  // bounded (a repository has few live metadata files)
    map[path] = entry;
    return entry;
  }

 private:
  // One map per io thread: no lock on the hot path (a lock holder preempted on a busy machine
  // stalls every other thread). Shared by all FileCache objects of the thread, which is safe:
  // entries are keyed by the full path and only used when the file's key still matches.
  static std::unordered_map<std::string, std::shared_ptr<const Entry>>& Map() {
    thread_local std::unordered_map<std::string, std::shared_ptr<const Entry>> map;
    return map;
  }
};

// True when If-None-Match lists `etag` (or is "*"). Weak comparison, as RFC 7232 asks for 304s.
bool NoneMatch(std::string_view header, std::string_view etag) {
  size_t pos = 0;
  while (pos < header.size()) {
    size_t comma = header.find(',', pos);
    std::string_view item = header.substr(pos, comma == std::string_view::npos ? header.npos
                                                                               : comma - pos);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (item == "*") return true;
    if (item.substr(0, 2) == "W/") item.remove_prefix(2);
    if (item == etag) return true;
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return false;
}

std::string ContentTypeFor(std::string_view path) {
  if (path.size() >= 5 && path.substr(path.size() - 5) == ".json") return "application/json";
  return "application/octet-stream";
}

Response ServeFile(const StaticOptions& options, FileCache& cache, const Request& request,
                   std::string_view prefix) {
  // prefix is "metadata", "targets" or "blobs"; the path is "/<prefix>/<relative>".
  std::string decoded;
  if (!PercentDecode(request.path, &decoded)) {
    return Response::Error(400, "malformed percent-encoding in path '" +
                                    std::string(request.path) + "'");
  }
  std::string_view relative = std::string_view(decoded).substr(prefix.size() + 2);
  if (relative.empty()) return Response::Error(404, "no such file: " + std::string(request.path));
  size_t segments = 0;
  if (!RelativePathOk(relative, &segments)) {
    return Response::Error(400, "invalid path '" + std::string(request.path) +
                                    "': each segment must be [A-Za-z0-9_.+-]+ and not start "
                                    "with '.' (no '..', empty segments, NUL or backslashes)");
  }
  if ((prefix == "metadata" && segments != 1) ||
      (prefix == "blobs" && (segments != 1 || !IsLowerHex64(relative)))) {
    return Response::Error(404, "no such file: " + std::string(request.path) +
                                    (prefix == "blobs" ? " (blobs are named by 64 lowercase hex "
                                                         "digits of their sha256)"
                                                       : ""));
  }
  std::string repo_path = std::string(prefix) + "/" + std::string(relative);
  std::string full = options.repo + "/" + repo_path;
  std::shared_ptr<OpenFile> file;
  std::shared_ptr<const FileCache::Entry> cached;
  struct stat st;
  std::string etag;
  if (prefix != "blobs") {
    // lstat: a symlink is never served (open below uses O_NOFOLLOW for the same reason).
    if (::lstat(full.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      return Response::Error(404, "no such file: " + std::string(request.path));
    }
    cached = cache.Find(full, KeyOf(st));
  }
  if (!cached || !cached->bytes) {
    int fd = ::open(full.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return Response::Error(404, "no such file: " + std::string(request.path));
    file = std::make_shared<OpenFile>(fd);
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      return Response::Error(404, "no such file: " + std::string(request.path));
    }
    if (prefix != "blobs" && !(cached && cached->key == KeyOf(st))) {
      cached = cache.Load(full, fd, st);
      if (!cached) {
        return Response::Error(500, "cannot read " + std::string(request.path) + ": " +
                                        std::strerror(errno));
      }
    }
    if (cached && cached->bytes) file.reset();  // small: serve the bytes read with this fd
  }
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (cached) {
    size = cached->key.size;
    etag = cached->etag;
  } else {
    etag = "\"" + std::string(relative) + "\"";  // blobs are named by their sha256
  }
  Response r;
  r.SetHeader("ETag", etag);
  r.SetHeader("Cache-Control", CacheControlFor(repo_path, options.mutable_max_age_seconds));
  std::string_view inm = request.Header("If-None-Match");
  if (!inm.empty() && NoneMatch(inm, etag)) {
    r.status = 304;
    return r;
  }
  r.SetHeader("Content-Type", ContentTypeFor(repo_path));
  r.SetHeader("Accept-Ranges", "bytes");
  uint64_t offset = 0, length = size;
  std::string_view range = request.Header("Range");
  std::string_view if_range = request.Header("If-Range");
  // If-Range with another ETag (or a date, which we do not track): send the whole file.
  if (!range.empty() && (if_range.empty() || if_range == etag)) {
    ByteRange br;
    switch (ParseRange(range, size, &br)) {
      case RangeResult::kNone:
        break;
      case RangeResult::kUnsatisfiable: {
        Response bad = Response::Error(416, "range '" + std::string(range) + "' is outside " +
                                                std::string(request.path) + " of " +
                                                std::to_string(size) + " bytes");
        bad.SetHeader("Content-Range", "bytes */" + std::to_string(size));
        return bad;
      }
      case RangeResult::kSatisfiable:
        r.status = 206;
        offset = br.first;
        length = br.length;
        r.SetHeader("Content-Range", "bytes " + std::to_string(br.first) + "-" +
                                         std::to_string(br.first + br.length - 1) + "/" +
                                         std::to_string(size));
        break;
    }
  }
  if (cached && cached->bytes) {
    r.body = cached->bytes->substr(static_cast<size_t>(offset), static_cast<size_t>(length));
  } else {
    auto slice = std::make_shared<FileSlice>();
    slice->file = std::move(file);
    slice->offset = offset;
    slice->length = length;
    r.file = std::move(slice);
  }
  return r;
}

}  // namespace

RangeResult ParseRange(std::string_view header, uint64_t size, ByteRange* out) {
  constexpr std::string_view kUnit = "bytes=";
  if (header.substr(0, kUnit.size()) != kUnit) return RangeResult::kNone;
  std::string_view spec = header.substr(kUnit.size());
  while (!spec.empty() && spec.front() == ' ') spec.remove_prefix(1);
  while (!spec.empty() && spec.back() == ' ') spec.remove_suffix(1);
  if (spec.find(',') != std::string_view::npos) return RangeResult::kNone;
  size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return RangeResult::kNone;
  auto parse = [](std::string_view s, uint64_t* v) {
    if (s.empty()) return false;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
    return ec == std::errc() && ptr == s.data() + s.size();
  };
  std::string_view a = spec.substr(0, dash), b = spec.substr(dash + 1);
  uint64_t first = 0, last = 0;
  if (a.empty()) {  // suffix: the last n bytes
    uint64_t n = 0;
    if (!parse(b, &n)) return RangeResult::kNone;
    if (n == 0 || size == 0) return RangeResult::kUnsatisfiable;
    n = std::min(n, size);
    *out = {size - n, n};
    return RangeResult::kSatisfiable;
  }
  if (!parse(a, &first)) return RangeResult::kNone;
  if (b.empty()) {
    last = size == 0 ? 0 : size - 1;
  } else {
    if (!parse(b, &last)) return RangeResult::kNone;
    if (last < first) return RangeResult::kNone;  // syntactically invalid: ignore the header
    if (size > 0 && last >= size) last = size - 1;
  }
  if (first >= size) return RangeResult::kUnsatisfiable;
  *out = {first, last - first + 1};
  return RangeResult::kSatisfiable;
}

std::string CacheControlFor(std::string_view repo_path, int mutable_max_age_seconds) {
  constexpr const char* kImmutable = "public, max-age=31536000, immutable";
  if (repo_path.substr(0, 6) == "blobs/" || repo_path.substr(0, 8) == "targets/") {
    return kImmutable;
  }
  // metadata/N.<role>.json is a consistent snapshot: never changes once referenced.
  std::string_view name = repo_path.substr(repo_path.rfind('/') + 1);
  size_t digits = 0;
  while (digits < name.size() && name[digits] >= '0' && name[digits] <= '9') ++digits;
  if (digits > 0 && digits < name.size() && name[digits] == '.') return kImmutable;
  return "public, max-age=" + std::to_string(mutable_max_age_seconds);
}

void RegisterStaticRoutes(Router& router, const StaticOptions& options) {
  auto cache = std::make_shared<FileCache>();
  for (const char* prefix : {"metadata", "targets", "blobs"}) {
    std::string p = prefix;
    router.HandlePrefix(
        "GET", "/" + p + "/",
        [options, cache, p](const Request& request) {
          return ServeFile(options, *cache, request, p);
        },
        {.route_class = p});
  }
}

}  // namespace mota::server::http
