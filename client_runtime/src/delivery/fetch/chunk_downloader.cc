#include "delivery/fetch/chunk_downloader.h"

#include <fcntl.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_set>

#include "delivery/fetch/store_budget.h"
#include "delivery/fetch/store_files.h"
#include "manifests/lib/bundle/assemble.h"
#include "manifests/lib/bundle/file_assembler.h"
#include "manifests/lib/bundle/sha256.h"

namespace mota::fetch {

using SteadyClock = std::chrono::steady_clock;

// With a frame sink, received bytes go to the part thread (hashed, appended to the chunk's .part:
// Run::FlushPart) once this many wait, or once the oldest waited this long (a slow link): few
// writes and wake-ups, little lost to a kill -9.
constexpr uint64_t kPartFlushBytes = 256 * 1024;
constexpr std::chrono::milliseconds kPartFlushInterval{200};

// One blob and the attempt in flight for it.
struct ChunkDownloader::Job {
  const BlobWant* want = nullptr;
  Run* run = nullptr;
  std::string url, part_path, blob_path;
  int attempts = 0;
  SteadyClock::time_point not_before{};
  Status last_error;
  uint64_t received = 0;  // bytes received: in the .part file, or in `frame` up to `flushed`
  uint64_t flushed = 0;   // with a frame sink: frame[0, flushed) is queued for the part thread
  SteadyClock::time_point flushed_at{};
  int queued_writes = 0;  // pieces the part thread has not done (write_mu_)
  Status write_error;     // the part thread's first failed append (write_mu_)
  // With a frame sink: the whole frame arrived and waits for the part thread's verdict
  // (`verdict`, under write_mu_); `frame`, `hash` and `fd` are the part thread's meanwhile.
  bool verifying = false;
  Status verdict;
  // The attempt in flight.
  CURL* easy = nullptr;
  bool in_multi = false;  // easy is added to the multi handle (counted in in_flight_)
  int fd = -1;  // the .part; with a frame sink, opened by the part thread at its first append
  uint64_t start = 0;  // .part bytes when the request was sent (the Range start)
  long http_status = 0;
  bool body_started = false;
  std::string content_range;
  Status attempt_error;  // set by a callback that stopped the transfer
  bool fatal = false;    // attempt_error is final: no retry
  bool discard_part = false;
  // Of the bytes received; with a frame sink updated by the part thread, else as they arrive.
  std::unique_ptr<bundle::Sha256Stream> hash;
  std::vector<uint8_t> frame;  // the bytes received, kept when the run has a frame sink
  char error[CURL_ERROR_SIZE];
};

// The state of one FetchBlobs call: the job queue, the stats and the progress sum.
class ChunkDownloader::Run {
 public:
  Run(ChunkDownloader& d, DownloadStats& stats, const FrameSink& sink)
      : d_(d), opt_(d.options_), stats_(stats), sink_(sink) {
    rng_.seed(static_cast<uint32_t>(SteadyClock::now().time_since_epoch().count()));
    if (sink_) writer_ = std::thread([this] { WriteLoop(); });
  }
  ~Run();
  Status Execute(std::vector<Job>& jobs);

 private:
  static size_t OnHeader(char* buf, size_t size, size_t n, void* user);
  static size_t OnBody(char* ptr, size_t size, size_t n, void* user);
  Status BeginBody(Job& job);
  Status HttpError(Job& job, long status);
  Status Start(Job& job);
  Status Finish(Job& job, CURLcode rc);
  Status Verify(Job& job);
  Status HashPrefix(Job& job);
  Status FlushPart(Job& job);
  void QueueVerify(Job& job);
  Status TakeVerdicts();
  Status DrainWrites(Job& job);
  void WriteLoop();
  Status AppendPart(Job& job, std::span<const uint8_t> bytes, uint64_t offset);
  Status Deliver(Job& job, uint64_t on_disk);
  void EndTransfer(Job& job);
  void Release(Job& job);
  Status Failed(Job& job, Status error);
  void Report(bool force);

  ChunkDownloader& d_;
  const DownloadOptions& opt_;
  DownloadStats& stats_;
  const FrameSink& sink_;
  std::deque<Job*> waiting_;
  size_t in_flight_ = 0, verifying_ = 0, blobs_done_ = 0, blobs_total_ = 0;
  uint64_t bytes_done_ = 0, bytes_total_ = 0, reported_ = UINT64_MAX;
  std::minstd_rand rng_;
  // With a sink, the network thread only receives: the part thread hashes each chunk's bytes and
  // appends them to its .part, in order, from the frame in memory (its storage stays put,
  // reserved to zstd_size, until the job's pieces are done), and when the whole frame has come
  // it checks the frame hash and hands the verified frame to the sink (Deliver); the verdict
  // goes back to the network thread (verdicts_, curl_multi_wakeup), which retries a bad frame.
  struct PartWrite {
    Job* job;
    const uint8_t* data;
    uint64_t size, offset;
    bool append;    // to the .part (else only hashed: on disk already, or StoreBlob's)
    bool complete;  // the frame's last piece: then verify and deliver
  };
  std::mutex write_mu_;
  std::condition_variable write_cv_;  // a piece queued, a job's pieces done, or stop
  std::deque<PartWrite> writes_;
  std::vector<Job*> verdicts_;  // verified or rejected frames, for the network thread
  bool stop_writer_ = false;
  std::thread writer_;
};

std::vector<BlobWant> BlobsOf(const bundle::VariantIndex& index, bool include_selftest) {
  std::vector<BlobWant> out;
  std::unordered_set<std::string> seen;
  for (size_t i = 0; i < index.chunks.size(); ++i) {
    const bundle::ChunkRef& c = index.chunks[i];
    if (!seen.insert(c.sha256).second) continue;  // identical content: one blob
    out.push_back({c.sha256, c.size, c.zstd_sha256, c.zstd_size,
                   StrCat("chunk ", i, " (offset ", c.offset, ", sha256 ", c.sha256, ")")});
  }
  if (!include_selftest) return out;
  for (size_t v = 0; v < index.selftest.vectors.size(); ++v) {
    const bundle::SelftestVector& vec = index.selftest.vectors[v];
    for (const auto* list : {&vec.inputs, &vec.outputs}) {
      for (const bundle::BlobRef& b : *list) {
        if (!seen.insert(b.sha256).second) continue;
        out.push_back(
            {b.sha256, b.size, b.zstd_sha256, b.zstd_size,
             StrCat("self-test vector ", v, " blob '", b.name, "' (sha256 ", b.sha256, ")")});
      }
    }
  }
  return out;
}

NetworkPolicy UnmeteredOnly(std::function<bool()> network_is_metered) {
  return [metered = std::move(network_is_metered)](uint64_t bytes) -> Status {
    if (metered && metered()) {
      return FailedPrecondition(
          "the app allows downloads on unmetered networks only and the "
          "network is metered; ",
          bytes, " bytes wait for an unmetered one");
    }
    return Status::Ok();
  };
}

Result<std::unique_ptr<ChunkDownloader>> ChunkDownloader::Create(DownloadOptions options) {
  if (options.base_url.empty()) return InvalidArgument("DownloadOptions.base_url is empty");
  if (options.store_dir.empty()) return InvalidArgument("DownloadOptions.store_dir is empty");
  if (options.max_in_flight < 1 || options.max_in_flight > 64)
    return InvalidArgument("DownloadOptions.max_in_flight ", options.max_in_flight,
                           " not in 1..64");
  if (options.assemble_threads < 0 || options.assemble_threads > 64)
    return InvalidArgument("DownloadOptions.assemble_threads ", options.assemble_threads,
                           " not in 0..64");
  if (options.max_attempts < 1 || options.max_attempts > 100)
    return InvalidArgument("DownloadOptions.max_attempts ", options.max_attempts, " not in 1..100");
  while (options.base_url.back() == '/') options.base_url.pop_back();
  MOTA_RETURN_IF_ERROR(EnsureCurlInitialized());
  MOTA_RETURN_IF_ERROR(MakeDirs(options.store_dir + "/blobs"));
  std::unique_ptr<ChunkDownloader> d(new ChunkDownloader(std::move(options)));
  d->multi_ = curl_multi_init();
  if (d->multi_ == nullptr) return Internal("curl_multi_init failed (out of memory?)");
  // All chunks come from one host: its connections are the pool, kept between calls.
  curl_multi_setopt(d->multi_, CURLMOPT_MAX_HOST_CONNECTIONS,
                    static_cast<long>(d->options_.max_in_flight));
  curl_multi_setopt(d->multi_, CURLMOPT_MAXCONNECTS, static_cast<long>(d->options_.max_in_flight));
  return d;
}

ChunkDownloader::~ChunkDownloader() {
  for (CURL* easy : idle_easy_) curl_easy_cleanup(easy);
  if (multi_ != nullptr) curl_multi_cleanup(multi_);
}

std::string ChunkDownloader::BlobPath(const std::string& sha256) const {
  return StrCat(options_.store_dir, "/blobs/", sha256);
}

std::string ChunkDownloader::PartPath(const std::string& zstd_sha256) const {
  return StrCat(options_.store_dir, "/blobs/", zstd_sha256, ".part");
}

namespace {

// A stored blob is usable when it is the signed frame or the raw content.
bool StoredBlobIsValid(const std::string& path, const BlobWant& want) {
  // The frame's hash is enough here: the signed index binds it to its content, and the
  // content is decoded and checked against `sha256` whenever the blob is used (AssembleFile).
  auto bytes = ReadWholeFile(path, std::max(want.size, want.zstd_size));
  if (!bytes.ok()) return false;
  if (bytes->size() == want.zstd_size && bundle::Sha256Hex(*bytes) == want.zstd_sha256) return true;
  return bytes->size() == want.size && bundle::Sha256Hex(*bytes) == want.sha256;  // raw copy
}

Status CheckWant(const BlobWant& want) {
  if (!bundle::IsSha256Hex(want.sha256) || !bundle::IsSha256Hex(want.zstd_sha256))
    return InvalidArgument(want.label, ": sha256/zstd_sha256 must be 64 lowercase hex digits");
  if (want.zstd_size == 0 || want.zstd_size > bundle::kMaxChunkSize + (1 << 20))
    return InvalidArgument(want.label, ": zstd_size ", want.zstd_size, " out of range");
  return Status::Ok();
}

// Marks a blob as used now: EvictUnreferenced evicts the least recently used first. Best effort
// (a read-only store still works; its blobs just keep their age).
void Touch(const std::string& path) { ::utimensat(AT_FDCWD, path.c_str(), nullptr, 0); }

// pwrite of all of `bytes` at `offset` (through the test hook when set).
Status WriteAll(int fd, std::span<const uint8_t> bytes, uint64_t offset, const DownloadOptions& o,
                const std::string& path = "") {
  while (!bytes.empty()) {
    const off_t at = static_cast<off_t>(offset);
    ssize_t n = o.pwrite ? o.pwrite(fd, bytes.data(), bytes.size(), at)
                         : ::pwrite(fd, bytes.data(), bytes.size(), at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return WriteFailure(n < 0 ? errno : EIO, "cannot write", path);
    bytes = bytes.subspan(static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

// A verified frame into the store through an unnamed file (O_TMPFILE) linked under the blob
// name once whole: a .part on disk then always means a partial download (what a restart resumes
// with Range, and what a kill -9 leaves), never a whole frame being stored, and a crash leaves
// no orphan. Returns false when the filesystem cannot (no O_TMPFILE, no /proc): use the .part.
bool StoreUnnamed(const std::string& part, const std::string& blob, std::span<const uint8_t> frame,
                  const DownloadOptions& o, Status* s) {
  const std::string dir = blob.substr(0, blob.rfind('/'));
  const int fd = ::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  *s = WriteAll(fd, frame, 0, o, blob);
  if (s->ok()) {
    const std::string self = StrCat("/proc/self/fd/", fd);
    if (::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, blob.c_str(), AT_SYMLINK_FOLLOW) != 0 &&
        errno != EEXIST) {
      ::close(fd);
      return false;
    }
  }
  ::close(fd);
  if (s->ok()) ::unlink(part.c_str());  // the empty .part the request opened
  return true;
}

// A verified frame into the store: unnamed then linked, or written whole as
// <zstd_sha256>.part and renamed to the blob name. No fsync (see Verify).
// `on_disk`: the frame's first bytes the .part holds (appended while it arrived, Run::FlushPart);
// then only the rest is written there before the rename.
Status StoreBlob(const std::string& part, const std::string& blob, std::span<const uint8_t> frame,
                 uint64_t on_disk, const DownloadOptions& o) {
  if (on_disk > 0 && on_disk <= frame.size() && FileSize(part) == static_cast<int64_t>(on_disk)) {
    const int fd = ::open(part.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return WriteFailure(errno, "cannot open", part);
    Status s = WriteAll(fd, frame.subspan(on_disk), on_disk, o, part);
    if (::close(fd) != 0 && s.ok()) s = WriteFailure(errno, "cannot close", part);
    if (s.ok()) s = Rename(part, blob);
    return s;
  }
  Status unnamed;
  if (StoreUnnamed(part, blob, frame, o, &unnamed)) return unnamed;
  int fd = ::open(part.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return WriteFailure(errno, "cannot create", part);
  Status s = WriteAll(fd, frame, 0, o, part);
  if (::close(fd) != 0 && s.ok()) s = WriteFailure(errno, "cannot close", part);
  if (s.ok()) s = Rename(part, blob);
  return s;
}

}  // namespace

Result<DownloadStats> ChunkDownloader::FetchBlobs(const std::vector<BlobWant>& blobs) {
  DownloadStats stats;
  MOTA_RETURN_IF_ERROR(Fetch(blobs, nullptr, stats));
  return stats;
}

Status ChunkDownloader::Fetch(const std::vector<BlobWant>& blobs, const FrameSink& sink,
                              DownloadStats& stats) {
  std::vector<Job> jobs;
  for (const BlobWant& want : blobs) {
    MOTA_RETURN_IF_ERROR(CheckWant(want));
    std::string path = BlobPath(want.sha256);
    if (FileSize(path) >= 0) {
      if (StoredBlobIsValid(path, want)) {
        Touch(path);
        ++stats.blobs_present;
        continue;
      }
      ::unlink(path.c_str());  // damaged in the store: fetched again
    }
    Job job;
    job.want = &want;
    job.url = StrCat(options_.base_url, "/blobs/", want.sha256);
    job.part_path = PartPath(want.zstd_sha256);
    job.blob_path = std::move(path);
    jobs.push_back(std::move(job));
  }
  if (jobs.empty()) return Status::Ok();
  uint64_t total = 0;
  for (const Job& job : jobs) total += job.want->zstd_size;
  if (options_.policy) MOTA_RETURN_IF_ERROR(options_.policy(total));
  Run run(*this, stats, sink);
  return run.Execute(jobs);
}

Status ChunkDownloader::Run::Execute(std::vector<Job>& jobs) {
  for (Job& job : jobs) {
    int64_t part = FileSize(job.part_path);
    if (part > static_cast<int64_t>(job.want->zstd_size)) {
      ::unlink(job.part_path.c_str());  // cannot be a prefix of the signed frame
      part = 0;
    }
    job.received = part > 0 ? static_cast<uint64_t>(part) : 0;
    bytes_done_ += job.received;
    bytes_total_ += job.want->zstd_size;
    job.run = this;
    waiting_.push_back(&job);
  }
  blobs_total_ = jobs.size();
  Status status = Status::Ok();
  while (status.ok() && blobs_done_ < blobs_total_) {
    if (Cancelled(opt_.http)) {
      status = CancelledError("download cancelled by the app after ", bytes_done_, " of ",
                              bytes_total_, " bytes");
      break;
    }
    // Start every waiting job whose backoff is over, up to the in-flight limit (and as many
    // frames waiting for their verdict: the frames in memory stay bounded).
    SteadyClock::time_point now = SteadyClock::now(), next = now + std::chrono::milliseconds(50);
    const size_t limit = static_cast<size_t>(opt_.max_in_flight);
    for (size_t i = 0;
         i < waiting_.size() && in_flight_ < limit && verifying_ < limit && status.ok();) {
      Job* job = waiting_[i];
      if (job->not_before > now) {
        next = std::min(next, job->not_before);
        ++i;
        continue;
      }
      waiting_.erase(waiting_.begin() + static_cast<std::ptrdiff_t>(i));
      status = Start(*job);
    }
    if (!status.ok()) break;
    int running = 0;
    curl_multi_perform(d_.multi_, &running);
    int left = 0;
    bool finished_any = false;
    while (CURLMsg* msg = curl_multi_info_read(d_.multi_, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      finished_any = true;
      Job* job = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&job));
      CURLcode rc = msg->data.result;
      Status s = Finish(*job, rc);
      if (!s.ok() && status.ok()) status = s;
    }
    if (sink_) {
      const size_t done = blobs_done_;
      if (Status s = TakeVerdicts(); !s.ok() && status.ok()) status = s;
      finished_any = finished_any || blobs_done_ != done;
    }
    Report(false);
    if (!status.ok() || blobs_done_ == blobs_total_) break;
    if (finished_any) continue;  // a slot is free: start the next blob without waiting
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next - SteadyClock::now());
    curl_multi_poll(d_.multi_, nullptr, 0, static_cast<int>(std::max<int64_t>(wait.count(), 1)),
                    nullptr);
  }
  // Stop what is still running; its .part stays for the next call. Frames being verified are
  // the part thread's, which finishes them before ~Run returns.
  for (Job& job : jobs) {
    if (!job.verifying) Release(job);
  }
  if (status.ok()) Report(true);
  return status;
}

Status ChunkDownloader::Run::Start(Job& job) {
  job.http_status = 0;
  job.body_started = job.fatal = job.discard_part = false;
  job.content_range.clear();
  job.attempt_error = Status::Ok();
  int64_t part = FileSize(job.part_path);
  if (part == static_cast<int64_t>(job.want->zstd_size)) {
    // Complete from an earlier run (stopped before the rename): verify, no request.
    job.received = job.want->zstd_size;
    MOTA_RETURN_IF_ERROR(HashPrefix(job));
    return Finish(job, CURLE_OK);
  }
  ++job.attempts;
  ++stats_.requests;
  off_t end = part > 0 ? static_cast<off_t>(part) : 0;
  if (!sink_) {  // with a sink, the part thread creates the .part when it first appends
    job.fd = ::open(job.part_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (job.fd < 0) return IoError("open ", job.part_path, ": ", std::strerror(errno));
    end = ::lseek(job.fd, 0, SEEK_END);
    if (end < 0) {
      Status s = IoError("lseek ", job.part_path, ": ", std::strerror(errno));
      Release(job);
      return s;
    }
  }
  bytes_done_ += static_cast<uint64_t>(end) - job.received;  // a .part grown by someone else
  job.start = job.received = static_cast<uint64_t>(end);
  if (Status s = HashPrefix(job); !s.ok()) {
    Release(job);
    return s;
  }
  if (d_.idle_easy_.empty()) {
    job.easy = curl_easy_init();
    if (job.easy == nullptr) return Internal("curl_easy_init failed (out of memory?)");
  } else {
    job.easy = d_.idle_easy_.back();
    d_.idle_easy_.pop_back();
    curl_easy_reset(job.easy);
  }
  if (Status s = ConfigureEasy(job.easy, opt_.http, job.error); !s.ok()) {
    Release(job);
    return s;
  }
  curl_easy_setopt(job.easy, CURLOPT_URL, job.url.c_str());
  curl_easy_setopt(job.easy, CURLOPT_PRIVATE, &job);
  curl_easy_setopt(job.easy, CURLOPT_HEADERFUNCTION, &Run::OnHeader);
  curl_easy_setopt(job.easy, CURLOPT_HEADERDATA, &job);
  curl_easy_setopt(job.easy, CURLOPT_WRITEFUNCTION, &Run::OnBody);
  curl_easy_setopt(job.easy, CURLOPT_WRITEDATA, &job);
  std::string range = StrCat(job.start, "-");
  if (job.start > 0) curl_easy_setopt(job.easy, CURLOPT_RANGE, range.c_str());  // copied
  if (curl_multi_add_handle(d_.multi_, job.easy) != CURLM_OK) {
    Release(job);
    return Internal("curl_multi_add_handle failed for ", job.url);
  }
  job.in_multi = true;
  ++in_flight_;
  return Status::Ok();
}

size_t ChunkDownloader::Run::OnHeader(char* buf, size_t size, size_t n, void* user) {
  auto* job = static_cast<Job*>(user);
  std::string_view line(buf, size * n);
  if (line.substr(0, 5) == "HTTP/") job->content_range.clear();  // a new response (redirect)
  constexpr std::string_view kName = "content-range:";
  if (line.size() > kName.size() && strncasecmp(line.data(), kName.data(), kName.size()) == 0) {
    std::string_view value = line.substr(kName.size());
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
      value.remove_suffix(1);
    job->content_range = std::string(value);
  }
  return size * n;
}

Status ChunkDownloader::Run::HttpError(Job& job, long status) {
  if (status == 403 || status == 404 || status == 410) {
    job.fatal = true;  // the mirror lacks the blob: retrying does not create it
    return NotFound("GET ", job.url, " (", job.want->label, "): HTTP ", status);
  }
  if (status == 416) job.discard_part = true;  // our .part does not fit the server's blob
  return Status(StatusCode::kUnavailable,
                StrCat("GET ", job.url, " (", job.want->label, "): HTTP ", status,
                       " (expected 200, or 206 for a resumed download)"));
}

// The first body byte of the final response: decide what the body means for the .part.
Status ChunkDownloader::Run::BeginBody(Job& job) {
  curl_easy_getinfo(job.easy, CURLINFO_RESPONSE_CODE, &job.http_status);
  const uint64_t z = job.want->zstd_size;
  if (job.http_status == 206) {
    std::string expected = StrCat("bytes ", job.start, "-", z - 1, "/", z);
    if (job.start == 0 || job.content_range != expected) {
      job.discard_part = true;  // Range splicing: never append bytes from another offset
      ++stats_.restarted;
      return Status(StatusCode::kUnavailable,
                    StrCat("GET ", job.url, " (", job.want->label, "): Content-Range '",
                           job.content_range, "' is not the requested '", expected, "'"));
    }
    ++stats_.resumed;
    return Status::Ok();
  }
  if (job.http_status != 200) return HttpError(job, job.http_status);
  if (job.start > 0) {  // the server ignored Range: start the chunk over
    // With a sink, the part thread first finishes hashing the prefix (rare: wait for it).
    if (sink_) DrainWrites(job).IgnoreError();
    const bool truncated = job.fd >= 0
                               ? ::ftruncate(job.fd, 0) == 0 && ::lseek(job.fd, 0, SEEK_SET) == 0
                               : ::truncate(job.part_path.c_str(), 0) == 0;
    if (!truncated) {
      job.fatal = true;
      return IoError("truncate ", job.part_path, ": ", std::strerror(errno));
    }
    bytes_done_ -= job.start;
    job.start = job.received = job.flushed = 0;
    job.hash = std::make_unique<bundle::Sha256Stream>();
    job.frame.clear();
    ++stats_.restarted;
  }
  return Status::Ok();
}

size_t ChunkDownloader::Run::OnBody(char* ptr, size_t size, size_t n, void* user) {
  auto* job = static_cast<Job*>(user);
  Run* run = job->run;
  n *= size;
  if (!job->body_started) {
    job->body_started = true;
    job->attempt_error = run->BeginBody(*job);
    if (!job->attempt_error.ok()) return 0;  // stops the transfer (CURLE_WRITE_ERROR)
  }
  if (job->received + n > job->want->zstd_size) {
    // Endless data: never more than the signed length, whatever the server declares.
    job->discard_part = true;
    job->attempt_error =
        OutOfRange("GET ", job->url, " (", job->want->label,
                   ") sent more than its signed zstd_size ", job->want->zstd_size, " bytes");
    return 0;
  }
  // With a sink the frame also stays in memory for the assembler (Verify) and reaches the .part
  // in kPartFlushBytes appends (FlushPart, below); without one each piece is written as it comes.
  for (size_t done = run->sink_ ? n : 0; done < n;) {
    const off_t at = static_cast<off_t>(job->received + done);
    ssize_t w = run->opt_.pwrite ? run->opt_.pwrite(job->fd, ptr + done, n - done, at)
                                 : ::pwrite(job->fd, ptr + done, n - done, at);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      job->fatal = true;  // the .part keeps what was written: resumed once there is space
      job->attempt_error = WriteFailure(w < 0 ? errno : EIO, "cannot write", job->part_path);
      return 0;
    }
    done += static_cast<size_t>(w);
  }
  const auto* bytes = reinterpret_cast<const uint8_t*>(ptr);
  if (run->sink_) {
    job->frame.insert(job->frame.end(), bytes, bytes + n);  // hashed by the part thread
  } else {
    job->hash->Update({bytes, n});
  }
  job->received += n;
  if (!run->sink_) job->flushed = job->received;
  run->bytes_done_ += n;
  run->stats_.bytes_received += n;
  const uint64_t waiting = job->received - job->flushed;
  // The last piece of a whole frame is the part thread's to hash, and StoreBlob's to write, on
  // a worker (see QueueVerify).
  if (job->received < job->want->zstd_size &&
      (waiting >= kPartFlushBytes ||
       (waiting > 0 && SteadyClock::now() - job->flushed_at >= kPartFlushInterval))) {
    if (Status s = run->FlushPart(*job); !s.ok()) {
      job->fatal = true;  // the .part keeps what was written: resumed once there is space
      job->attempt_error = std::move(s);
      return 0;
    }
  }
  return n;
}

// Queues frame[flushed, received) for the part thread, which hashes it and appends it to the
// .part, so that after a kill -9 or a crash the bytes received up to the last flush are there
// for the Range resume (a chunk in flight loses at most kPartFlushBytes). No fsync: a kill -9
// loses nothing the kernel has, and after a power loss a .part with a lost or garbled tail is
// harmless: the resume hashes the prefix read back from disk (HashPrefix), the whole frame must
// match the signed zstd_sha256 (Deliver / Verify) or the .part is deleted and the chunk fetched
// again, and a .part longer than zstd_size is deleted (Execute). An fsync per append would stall
// the part thread on the disk every 256 KiB. Returns the first error of an earlier append of
// this attempt.
Status ChunkDownloader::Run::FlushPart(Job& job) {
  job.flushed_at = SteadyClock::now();
  if (job.received == job.flushed) return Status::Ok();
  {
    std::lock_guard<std::mutex> lock(write_mu_);
    if (!job.write_error.ok()) return job.write_error;
    writes_.push_back({&job, job.frame.data() + job.flushed, job.received - job.flushed,
                       job.flushed, true, false});
    ++job.queued_writes;
  }
  write_cv_.notify_one();
  job.flushed = job.received;
  return Status::Ok();
}

// The whole frame has arrived: the part thread hashes the rest and delivers it, or rejects it
// (TakeVerdicts). Its last piece is not appended: StoreBlob writes it, on a worker.
void ChunkDownloader::Run::QueueVerify(Job& job) {
  job.verifying = true;
  ++verifying_;
  {
    std::lock_guard<std::mutex> lock(write_mu_);
    writes_.push_back({&job, job.frame.data() + job.flushed, job.received - job.flushed,
                       job.flushed, false, true});
    ++job.queued_writes;
  }
  write_cv_.notify_one();
}

// The part thread's verdicts: a verified frame is done, a rejected one is retried from byte 0.
Status ChunkDownloader::Run::TakeVerdicts() {
  std::vector<Job*> done;
  {
    std::lock_guard<std::mutex> lock(write_mu_);
    done.swap(verdicts_);
  }
  Status status = Status::Ok();
  for (Job* job : done) {
    job->verifying = false;
    --verifying_;
    if (job->verdict.ok()) {
      ++blobs_done_;
      ++stats_.blobs_downloaded;
      continue;
    }
    job->discard_part = true;  // never trusted, never stored: the .part goes too
    Status s = Failed(*job, std::move(job->verdict));
    job->verdict = Status::Ok();
    if (!s.ok() && status.ok()) status = std::move(s);
  }
  return status;
}

// Waits until the part thread has done the job's queued pieces (before its fd is closed and its
// frame moved or cleared); returns and clears their first error.
Status ChunkDownloader::Run::DrainWrites(Job& job) {
  std::unique_lock<std::mutex> lock(write_mu_);
  write_cv_.wait(lock, [&] { return job.queued_writes == 0; });
  Status s = std::move(job.write_error);
  job.write_error = Status::Ok();
  return s;
}

// The part thread: each piece in order, hashed, appended when asked; the last one verified.
void ChunkDownloader::Run::WriteLoop() {
  std::unique_lock<std::mutex> lock(write_mu_);
  for (;;) {
    write_cv_.wait(lock, [&] { return stop_writer_ || !writes_.empty(); });
    if (writes_.empty()) return;  // stopped, nothing left
    PartWrite w = writes_.front();
    writes_.pop_front();
    Job& job = *w.job;
    const bool skip = !job.write_error.ok();  // a hole would follow: the .part stays short
    lock.unlock();
    const std::span<const uint8_t> piece(w.data, w.size);
    Status s = w.append && !skip ? AppendPart(job, piece, w.offset) : Status::Ok();
    job.hash->Update(piece);
    // A frame whose appends failed is written whole by StoreBlob.
    Status verdict = w.complete ? Deliver(job, skip ? 0 : w.offset) : Status::Ok();
    lock.lock();
    if (!s.ok() && job.write_error.ok()) job.write_error = std::move(s);
    if (w.complete) {
      job.write_error = Status::Ok();  // the attempt is over: the verdict tells
      job.verdict = std::move(verdict);
      verdicts_.push_back(&job);
      curl_multi_wakeup(d_.multi_);  // the network thread may be polling
    }
    if (--job.queued_writes == 0) write_cv_.notify_all();
  }
}

// On the part thread: creates the .part at the first append (off the network thread).
Status ChunkDownloader::Run::AppendPart(Job& job, std::span<const uint8_t> bytes, uint64_t offset) {
  if (job.fd < 0) {
    job.fd = ::open(job.part_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (job.fd < 0) return WriteFailure(errno, "cannot create", job.part_path);
  }
  return WriteAll(job.fd, bytes, offset, opt_, job.part_path);
}

// On the part thread, once the whole frame is hashed: it must be the signed one (zstd_sha256
// over exactly zstd_size bytes, the size checked by Finish) before any of it is trusted: only
// then it goes to the sink, which decodes it and checks its content sha256 (and stores it,
// `on_disk` bytes of it being in the .part already). Else VerificationFailed: the .part is
// deleted and the network thread fetches the chunk again.
Status ChunkDownloader::Run::Deliver(Job& job, uint64_t on_disk) {
  if (job.fd >= 0) {
    ::close(job.fd);  // no error to see: StoreBlob checks the size and writes the rest
    job.fd = -1;
  }
  std::string got = job.hash->FinishHex();
  if (got != job.want->zstd_sha256) {
    // Gone now, also when the run stops before the network thread sees the verdict.
    ::unlink(job.part_path.c_str());
    return Status(StatusCode::kVerificationFailed,
                  StrCat("GET ", job.url, " (", job.want->label, "): the ", job.received,
                         " bytes received have sha256 ", got, ", the signed zstd_sha256 is ",
                         job.want->zstd_sha256));
  }
  // No fsync per blob: see Verify.
  sink_(*job.want, std::move(job.frame),
        [part = job.part_path, blob = job.blob_path, on_disk,
         o = &opt_](std::span<const uint8_t> frame) {
          // The downloader's options: they outlive the run.
          return StoreBlob(part, blob, frame, on_disk, *o);
        });
  job.frame = std::vector<uint8_t>();
  return Status::Ok();
}

ChunkDownloader::Run::~Run() {
  if (!writer_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(write_mu_);
    stop_writer_ = true;
  }
  write_cv_.notify_all();
  writer_.join();
}

// Ends the job's request: its handle back to the pool.
void ChunkDownloader::Run::EndTransfer(Job& job) {
  if (job.in_multi) {
    curl_multi_remove_handle(d_.multi_, job.easy);
    job.in_multi = false;
    --in_flight_;
  }
  if (job.easy != nullptr) {
    d_.idle_easy_.push_back(job.easy);
    job.easy = nullptr;
  }
}

void ChunkDownloader::Run::Release(Job& job) {
  if (sink_) {
    // The bytes since the last append, of an attempt that stopped early: kept for the Range
    // resume (best effort: a short .part is resumed from an earlier byte). Then wait for the
    // pieces queued earlier (usually done): the part thread is done with the job's fd and frame.
    if (job.easy != nullptr && !job.discard_part && job.received < job.want->zstd_size)
      FlushPart(job).IgnoreError();
    if (!DrainWrites(job).ok()) job.flushed = 0;
  }
  EndTransfer(job);
  if (job.fd >= 0) {
    ::close(job.fd);
    job.fd = -1;
  }
}

// The bytes already in the .part (a resumed download) start the running hash (with a sink, on
// the part thread: queued as a first piece, not appended). The job has no piece queued.
Status ChunkDownloader::Run::HashPrefix(Job& job) {
  job.hash = std::make_unique<bundle::Sha256Stream>();
  job.frame.clear();
  job.flushed = job.received;  // on disk already
  job.flushed_at = SteadyClock::now();
  if (sink_) job.frame.reserve(job.want->zstd_size);  // never moves: the part thread reads it
  if (job.received == 0) return Status::Ok();
  auto prefix = ReadWholeFile(job.part_path, job.want->zstd_size);
  if (!prefix.ok()) return prefix.status();
  if (prefix->size() != job.received)
    return IoError(job.part_path, " changed size while being resumed");
  if (!sink_) {
    job.hash->Update(*prefix);
    return Status::Ok();
  }
  job.frame.assign(prefix->begin(), prefix->end());
  {
    std::lock_guard<std::mutex> lock(write_mu_);
    writes_.push_back({&job, job.frame.data(), job.received, 0, false, false});
    ++job.queued_writes;
  }
  write_cv_.notify_one();
  return Status::Ok();
}

// Without a sink: the received frame must be the signed one: zstd_sha256 over exactly zstd_size
// bytes (checked by the caller). It is decoded, and its content checked against `sha256`, when it
// is used (AssembleFile / DecodeVerified), so a blob is never decompressed before its frame
// matched. (With a sink, Deliver checks it on the part thread.)
Status ChunkDownloader::Run::Verify(Job& job) {
  std::string got = job.hash->FinishHex();
  if (got != job.want->zstd_sha256) {
    job.discard_part = true;
    return Status(StatusCode::kVerificationFailed,
                  StrCat("GET ", job.url, " (", job.want->label, "): the ", job.received,
                         " bytes received have sha256 ", got, ", the signed zstd_sha256 is ",
                         job.want->zstd_sha256));
  }
  // No fsync per blob: a blob torn by a crash fails its hash when the store is next read
  // (FetchBlobs checks every present blob, AssembleFile again) and is fetched again. The
  // assembled file is the durable point (AssembleFile fsyncs it and its directory).
  Status s = Rename(job.part_path, job.blob_path);
  if (!s.ok()) job.fatal = true;
  return s;
}

Status ChunkDownloader::Run::Finish(Job& job, CURLcode rc) {
  if (job.easy != nullptr && !job.body_started)
    curl_easy_getinfo(job.easy, CURLINFO_RESPONSE_CODE, &job.http_status);
  bool requested = job.easy != nullptr;
  if (sink_ && job.attempt_error.ok() && rc == CURLE_OK && (!requested || job.body_started) &&
      job.received == job.want->zstd_size) {
    // The whole frame: verified on the part thread; the network thread goes on receiving.
    EndTransfer(job);
    QueueVerify(job);
    return Status::Ok();
  }
  Release(job);
  Status s;
  if (!job.attempt_error.ok()) {
    s = job.attempt_error;
  } else if (rc != CURLE_OK) {
    s = CurlFailure(rc, job.error, job.url, opt_.http);  // a dropped connection keeps the .part
  } else if (requested && !job.body_started) {
    s = job.http_status == 200 || job.http_status == 206
            ? Status(StatusCode::kUnavailable, StrCat("GET ", job.url, ": empty body"))
            : HttpError(job, job.http_status);
  } else if (job.received != job.want->zstd_size) {
    s = Status(StatusCode::kUnavailable,
               StrCat("GET ", job.url, " (", job.want->label, ") ended after ", job.received,
                      " of ", job.want->zstd_size, " bytes"));
  } else {
    s = Verify(job);
  }
  if (s.ok()) {
    ++blobs_done_;
    ++stats_.blobs_downloaded;
    return s;
  }
  return Failed(job, std::move(s));
}

Status ChunkDownloader::Run::Failed(Job& job, Status error) {
  if (job.discard_part) {
    job.frame.clear();
    ::unlink(job.part_path.c_str());
    bytes_done_ -= job.received;
    job.received = job.flushed = 0;
  }
  if (Cancelled(opt_.http)) {
    return CancelledError("download cancelled by the app after ", bytes_done_, " of ", bytes_total_,
                          " bytes");
  }
  if (job.fatal) return error;
  if (job.attempts >= opt_.max_attempts) {
    return Status(error.code(), StrCat(job.want->label, ": gave up after ", job.attempts,
                                       " attempts; last: ", error.message()));
  }
  // Exponential backoff with jitter in [delay/2, delay], so devices do not retry in lockstep.
  int64_t delay = opt_.backoff_initial.count();
  for (int i = 1; i < job.attempts && delay < opt_.backoff_max.count(); ++i) delay *= 2;
  delay = std::min<int64_t>(delay, opt_.backoff_max.count());
  int64_t jittered =
      delay / 2 + static_cast<int64_t>(rng_() % static_cast<uint64_t>(delay / 2 + 1));
  job.not_before = SteadyClock::now() + std::chrono::milliseconds(jittered);
  job.last_error = std::move(error);
  ++stats_.retries;
  waiting_.push_back(&job);
  return Status::Ok();
}

void ChunkDownloader::Run::Report(bool force) {
  if (!opt_.progress || (!force && bytes_done_ == reported_)) return;
  reported_ = bytes_done_;
  opt_.progress({bytes_done_, bytes_total_, blobs_done_, blobs_total_});
}

Status ChunkDownloader::Assemble(const bundle::VariantIndex& index, const std::string& path) const {
  auto source = [this](const bundle::ChunkRef& chunk) -> Result<std::vector<uint8_t>> {
    return ReadWholeFile(BlobPath(chunk.sha256), std::max(chunk.size, chunk.zstd_size));
  };
  return bundle::AssembleFile(index, source, path);
}

Result<DownloadStats> ChunkDownloader::Download(const bundle::VariantIndex& index,
                                                const std::string& path) {
  MOTA_RETURN_IF_ERROR(bundle::ValidateIndex(index));
  const std::vector<BlobWant> wants = BlobsOf(index, true);
  for (const BlobWant& want : wants) MOTA_RETURN_IF_ERROR(CheckWant(want));
  // Declared before the assembler: its workers use them until it is destroyed.
  std::mutex mu;
  std::vector<BlobWant> rejected;  // stored chunks that failed verification: fetched again
  MOTA_ASSIGN_OR_RETURN(
      std::unique_ptr<bundle::FileAssembler> assembler,
      bundle::FileAssembler::Begin(index, path,
                                   {.threads = options_.assemble_threads,
                                    .start_writeback = true,  // the final fsync finds little left
                                    .pwrite = options_.pwrite}));
  std::unordered_set<std::string> chunks;
  for (const bundle::ChunkRef& c : index.chunks) chunks.insert(c.sha256);
  DownloadStats stats;
  std::vector<BlobWant> fetch;  // missing chunks and every self-test blob
  for (const BlobWant& want : wants) {
    std::string blob = BlobPath(want.sha256);
    if (chunks.count(want.sha256) == 0 || FileSize(blob) < 0) {
      fetch.push_back(want);
      continue;
    }
    // In the store from an earlier release: read and checked in full by a worker.
    Touch(blob);
    ++stats.blobs_present;
    const uint64_t cap = std::max(want.size, want.zstd_size);
    assembler->AddUnchecked(
        want.sha256, [blob, cap] { return ReadWholeFile(blob, cap); },
        [&, blob, want](const std::string&, const Status&) {
          ::unlink(blob.c_str());
          std::lock_guard<std::mutex> lock(mu);
          rejected.push_back(want);
        });
  }
  Status stored = Status::Ok();  // of a self-test blob, stored on this thread (small)
  FrameSink sink = [&](const BlobWant& want, std::vector<uint8_t> frame, StoreFrame store) {
    if (chunks.count(want.sha256) != 0) {
      assembler->AddCheckedFrame(want.sha256, std::move(frame), std::move(store));
    } else if (Status s = store(frame); !s.ok() && stored.ok()) {
      stored = s;
    }
  };
  MOTA_RETURN_IF_ERROR(Fetch(fetch, sink, stats));
  MOTA_RETURN_IF_ERROR(stored);
  MOTA_RETURN_IF_ERROR(assembler->Wait());
  if (!rejected.empty()) {  // rare: a store blob damaged since it was written
    stats.blobs_present -= rejected.size();
    MOTA_RETURN_IF_ERROR(Fetch(rejected, sink, stats));
    MOTA_RETURN_IF_ERROR(stored);
  }
  MOTA_RETURN_IF_ERROR(assembler->Finish());
  return stats;
}

}  // namespace mota::fetch
