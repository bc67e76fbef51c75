// Downloads a variant's chunks into the device's chunk store and assembles the .mota file.
//
//   DownloadOptions o{.base_url = "https://updates.example", .store_dir = "/data/mota/store"};
//   o.policy = UnmeteredOnly([&] { return app.NetworkIsMetered(); });
//   o.progress = [&](const Progress& p) { ui.Show(p.bytes_done, p.bytes_total); };
//   o.http.cancel = &cancel_flag;                       // set from any thread to stop
//   auto downloader = ChunkDownloader::Create(o);
//   auto stats = (*downloader)->Download(index, "/data/mota/models/m/next.mota");
//
// Store layout (like the repository's, bundle-format.md "The store"):
//   <store>/blobs/<sha256 of the uncompressed chunk>   its verified zstd frame
//   <store>/blobs/<zstd_sha256>.part                   a partial download, resumed next time
// Blobs are served at <base_url>/blobs/<sha256> (server/http/static_files.h).
//
// Only blobs missing from the store are requested. A .part is resumed with Range; a 206 must
// carry exactly the Content-Range asked for, a 200 (server ignores Range) starts the chunk over.
// Each response is capped at the signed zstd_size (a server sending more is cut off). A finished
// download must have zstd_size bytes and zstd_sha256 (hashed while it arrives) before it is
// renamed into blobs/; otherwise it is deleted. Failed attempts are retried with exponential
// backoff and jitter, up to max_attempts per blob; 403/404/410 are final. Up to max_in_flight
// transfers run at once on one libcurl multi handle (its connection pool is kept between calls).
//
// Download() assembles while it downloads (bundle::FileAssembler). Its network thread only
// receives: a part thread hashes the bytes of each chunk in flight, in 256 KiB pieces (or every
// 200 ms on a slow link), and appends them to the chunk's .part (created at the first append; no
// fsync), so a kill -9, crash or power loss mid-chunk leaves a prefix for the Range resume (a
// prefix read back from disk is re-hashed, and a damaged one fails the frame hash: the chunk
// starts over). Once the whole frame has come, the part thread checks its zstd_sha256; only a
// frame that matches is handed, from memory, to worker threads that store it, decode it, check
// its content sha256 and pwrite it into the target; one that does not is never stored, its
// .part is deleted and the chunk is fetched again from byte 0. Chunks already in the
// store (from an earlier release) are read and checked in full by the workers, and one that fails
// is deleted and downloaded again. The whole-file sha256 is computed in order as chunks land; the
// target's writeback starts as each chunk is written (AssemblerOptions::start_writeback), one
// fsync, then rename. So every byte is hashed once as a frame, once as content and once in the
// whole file, and written once to the store and once to the target. Used store blobs get their
// mtime refreshed (the eviction order of store_budget.h). A full disk is kResourceExhausted "disk
// full: <path>" (store_budget.h). Exception-free.
#pragma once

#include <curl/curl.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "delivery/fetch/http_options.h"
#include "manifests/lib/bundle/index.h"

namespace mota::fetch {

// One content-addressed blob to have in the store: a chunk or a self-test .npy file.
struct BlobWant {
  std::string sha256;  // of the uncompressed bytes: the store and URL name
  uint64_t size = 0;
  std::string zstd_sha256;  // of the stored frame: what travels
  uint64_t zstd_size = 0;   // signed length: the cap for every response
  std::string label;        // for messages: "chunk 3 (offset 1048576)"
};

// The index's chunks (deduplicated by sha256), then its self-test blobs when asked.
std::vector<BlobWant> BlobsOf(const bundle::VariantIndex& index, bool include_selftest);

struct Progress {
  uint64_t bytes_done = 0;   // compressed bytes of the missing blobs received (incl. resumed)
  uint64_t bytes_total = 0;  // compressed bytes of the missing blobs
  size_t blobs_done = 0;
  size_t blobs_total = 0;
};

// Asked once, before any request, with the bytes that would be downloaded. A non-OK status is
// returned as is and nothing touches the network.
using NetworkPolicy = std::function<Status(uint64_t bytes_to_download)>;
// FailedPrecondition while `network_is_metered()` is true.
NetworkPolicy UnmeteredOnly(std::function<bool()> network_is_metered);

struct DownloadOptions {
  std::string base_url;   // repository root, without a trailing slash
  std::string store_dir;  // the device's chunk store
  HttpOptions http;       // timeouts, TLS, the cancel flag
  int max_in_flight = 4;
  int max_attempts = 4;                            // per blob, including the first
  std::chrono::milliseconds backoff_initial{250};  // doubles per failure, with jitter
  std::chrono::milliseconds backoff_max{8000};
  std::function<void(const Progress&)> progress;  // called on the downloading thread
  NetworkPolicy policy;
  // Download's decode/hash/write workers (0: inline, on the calling thread for chunks already in
  // the store and on the run's part thread for downloaded ones).
  int assemble_threads = 2;
  // Tests inject write failures (ENOSPC) here, for store and target writes; null: ::pwrite.
  std::function<ssize_t(int fd, const void* data, size_t size, off_t offset)> pwrite;
};

struct DownloadStats {
  size_t blobs_present = 0;  // already in the store, verified
  size_t blobs_downloaded = 0;
  uint64_t bytes_received = 0;  // body bytes written this call
  int64_t requests = 0;
  int64_t retries = 0;
  int64_t resumed = 0;    // requests that continued a .part with Range and got a 206
  int64_t restarted = 0;  // .part discarded: the server ignored Range or sent a wrong range
};

// One call at a time per downloader (the app owns threads); only the cancel flag may be touched
// from other threads while a call runs.
class ChunkDownloader {
 public:
  static Result<std::unique_ptr<ChunkDownloader>> Create(DownloadOptions options);
  ~ChunkDownloader();
  ChunkDownloader(const ChunkDownloader&) = delete;
  ChunkDownloader& operator=(const ChunkDownloader&) = delete;

  // Makes every blob present and verified in the store. FailedPrecondition when cancelled or
  // refused by the policy; VerificationFailed / Unavailable / NotFound naming the blob when one
  // cannot be had. Partial downloads stay for the next call.
  Result<DownloadStats> FetchBlobs(const std::vector<BlobWant>& blobs);

  // AssembleFile from the store: verified, atomic (manifests/lib/bundle/assemble.h).
  Status Assemble(const bundle::VariantIndex& index, const std::string& path) const;

  // Makes every blob of BlobsOf(index, true) present in the store and writes the verified file
  // to `path` atomically, assembling while downloading (see the top). On failure `path` is
  // untouched and no temporary file stays; downloaded blobs and .part files stay in the store.
  Result<DownloadStats> Download(const bundle::VariantIndex& index, const std::string& path);

  std::string BlobPath(const std::string& sha256) const;
  std::string PartPath(const std::string& zstd_sha256) const;

 private:
  struct Job;
  class Run;
  // Receives each frame downloaded and verified by a run, on the run's part thread, with what
  // stores it as a blob (writes the rest of <zstd_sha256>.part and renames it, or links an unnamed
  // file under the blob name): with a sink, the network thread only receives; the sink runs
  // `store` on a worker.
  using StoreFrame = std::function<Status(std::span<const uint8_t> frame)>;
  using FrameSink =
      std::function<void(const BlobWant& want, std::vector<uint8_t> frame, StoreFrame store)>;
  // FetchBlobs, with each downloaded frame kept in memory and handed to `sink` (when set). With
  // a sink, the part thread hashes the bytes and appends them to the .part as they arrive
  // (Run::FlushPart), checks the frame hash and calls `sink` (Run::Deliver); `store` appends the
  // rest and renames it. Without one, the network thread hashes and writes. Adds to `stats`.
  Status Fetch(const std::vector<BlobWant>& blobs, const FrameSink& sink, DownloadStats& stats);
  explicit ChunkDownloader(DownloadOptions options) : options_(std::move(options)) {}

  DownloadOptions options_;
  CURLM* multi_ = nullptr;
  std::vector<CURL*> idle_easy_;  // reused handles (curl_easy_reset keeps nothing stale)
};

}  // namespace mota::fetch
