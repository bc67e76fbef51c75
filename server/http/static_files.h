// Serves a TUF repository tree (packager/src/repo.h layout) read-only over HTTP:
//
//   GET|HEAD /metadata/<file>           e.g. /metadata/timestamp.json, /metadata/3.snapshot.json
//   GET|HEAD /targets/<path>            e.g. /targets/models/m/<sha256>.cpu.r2.json
//   GET|HEAD /blobs/<sha256>            content-addressed chunks
//
// Range (one byte range: "a-b", "a-", "-n"; 206 + Content-Range; 416 with "bytes */SIZE"; If-Range),
// strong ETag (blobs: the sha256; other files: SHA-256 of the content, cached per inode and
// mtime), If-None-Match -> 304, Cache-Control: immutable for blobs, targets and versioned
// metadata, a short max-age for timestamp.json, root.json and other unversioned files.
//
// Safety: the path is percent-decoded once, then every segment must be [A-Za-z0-9_.+-]+ and not
// start with '.', so "..", ".", hidden temp files, NUL, backslashes and absolute paths never
// reach the file system (400); anything else that does not name a regular file is 404. Each
// request opens the file once (O_NOFOLLOW) and streams from that descriptor, so a publisher
// renaming timestamp.json mid-request cannot make a response mix two versions.
#pragma once

#include <string>
#include <string_view>

#include "server/http/router.h"

namespace mota::server::http {

struct StaticOptions {
  std::string repo;                   // the repository directory
  int mutable_max_age_seconds = 60;   // Cache-Control max-age for timestamp.json and root.json
};

// Adds the three prefixes (route classes "metadata", "targets", "blobs") to `router`.
void RegisterStaticRoutes(Router& router, const StaticOptions& options);

// The Cache-Control value for a repository path such as "metadata/timestamp.json" (shared with
// `mota mirror export`, whose nginx example sets the same headers).
std::string CacheControlFor(std::string_view repo_path, int mutable_max_age_seconds);

struct ByteRange {
  uint64_t first = 0, length = 0;
};
enum class RangeResult { kNone, kSatisfiable, kUnsatisfiable };
// Parses a Range header value against a file of `size` bytes. Several ranges, other units and
// malformed values give kNone (serve the whole file, as RFC 7233 allows).
RangeResult ParseRange(std::string_view header, uint64_t size, ByteRange* out);

}  // namespace mota::server::http
