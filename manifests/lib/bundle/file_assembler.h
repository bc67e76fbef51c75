// Streaming, parallel, verified assembly of a .mota file: chunks are added in any order as they
// become available (just downloaded, or read from a store), and worker threads decode, check
// and write them while the producer goes on. AssembleFile (assemble.h) is built on it.
//
//   auto a = FileAssembler::Begin(index, "/data/models/m/next.mota", {.threads = 2});
//   a->AddCheckedFrame(sha256, std::move(frame));   // its zstd_sha256 was checked on arrival
//   a->AddUnchecked(sha256, [&] { return ReadBlob(sha256); });  // checked in full here
//   Status s = a->Finish();   // all chunks, whole-file sha256, fsync, rename, fsync(dir)
//
// What is checked, once per byte:
//   - AddCheckedFrame: the caller hashed the frame while it arrived; here the frame's declared
//     content size is checked, it is decoded into exactly `size` bytes and their sha256 checked.
//   - AddUnchecked: the bytes are the zstd frame (zstd_sha256/zstd_size) or the raw content
//     (sha256/size), checked like DecodeVerified (assemble.h).
//   - The whole file's sha256, computed in file order while chunks arrive (decoded chunks that
//     arrive ahead of a missing one are held, up to `max_held_bytes`; past that, the rest is
//     hashed by reading the written file back at Finish).
// Each verified chunk is written with pwrite at every offset where its content appears (a
// content repeated in the file is sent once). The target is a temporary file beside `path`,
// preallocated to the file's size (a full disk is found before anything is downloaded), fsync'ed
// once at the end and renamed over `path`. On any failure, or when the assembler is destroyed
// unfinished, the temporary file is removed and `path` is untouched.
//
// Early write-back (AssemblerOptions::start_writeback, on by default): after each pwrite the
// worker starts the write-back of the bytes it just wrote, without waiting for it (Linux:
// sync_file_range(SYNC_FILE_RANGE_WRITE); a no-op elsewhere). Why: otherwise the whole file sits
// dirty in the page cache until the final fsync, which then writes all of it while the caller
// waits (measured: most of the time left after the last chunk arrived); started early, the disk
// writes overlap the download and decoding, and the fsync finds little left. It is a hint only:
// durability still comes from the one fsync before the rename, which is unchanged, and its result
// is ignored. WRITE alone, never the WAIT_* flags: those check and advance the file's write-back
// error cursor, so an I/O error could be reported there and then missed by the fsync; with WRITE
// alone every write-back error is still reported by the fsync.
//
// A full disk (ENOSPC, EDQUOT, EFBIG) is StatusCode::kResourceExhausted with "disk full: " and the
// path in the message; other write errors are kIoError. Exception-free.
//
// Threads: Add* and Finish are called from one thread (the producer); the workers are owned by
// the assembler. Add* block while more than `max_queued_bytes` wait for a worker.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "manifests/lib/bundle/bundle_status.h"
#include "manifests/lib/bundle/index.h"
#include "manifests/lib/bundle/sha256.h"

namespace mota::bundle {

struct AssemblerOptions {
  int threads = 2;  // worker threads (0: everything runs inside Add* on the caller's thread)
  uint64_t max_queued_bytes = uint64_t{32} << 20;  // stored bytes waiting for a worker
  uint64_t max_held_bytes = uint64_t{64} << 20;    // decoded bytes held for in-order hashing
  // Start the write-back of each chunk as soon as it is written (see the top): the final fsync
  // finds little left. Off: the whole file is written back by that fsync.
  bool start_writeback = true;
  // Test hooks; null: the system call. Tests inject write failures (e.g. ENOSPC) in `pwrite`, and
  // observe in `writeback` which byte ranges had their write-back started (called after each
  // successful pwrite while start_writeback is on; its result is ignored like the syscall's).
  std::function<ssize_t(int fd, const void* data, size_t size, off_t offset)> pwrite;
  std::function<void(int fd, off_t offset, off_t size)> writeback;
};

class FileAssembler {
 public:
  // Reads the stored bytes of a chunk; runs on a worker thread.
  using Reader = std::function<Result<std::vector<uint8_t>>()>;
  // Called on a worker, instead of failing the assembly, when an AddUnchecked chunk's bytes do
  // not verify (or cannot be read): the caller can fetch the chunk and add it again.
  using OnRejected = std::function<void(const std::string& sha256, const Status& why)>;

  // Validates `index` and creates the preallocated temporary file beside `path`.
  static Result<std::unique_ptr<FileAssembler>> Begin(const VariantIndex& index,
                                                      const std::string& path,
                                                      AssemblerOptions options = {});
  ~FileAssembler();  // an unfinished assembly is abandoned: temporary file removed
  FileAssembler(const FileAssembler&) = delete;
  FileAssembler& operator=(const FileAssembler&) = delete;

  // Runs on a worker before a checked frame is decoded (the downloader stores the frame there,
  // off its network thread); an error fails the assembly. It also runs, alone, for frames still
  // queued when the assembly has failed or is abandoned (destroyed unfinished).
  using Persist = std::function<Status(std::span<const uint8_t> frame)>;

  // The content `sha256` (a chunk of the index; others are ignored) as its zstd frame, whose
  // zstd_size and zstd_sha256 the caller has already checked.
  void AddCheckedFrame(const std::string& sha256, std::vector<uint8_t> frame,
                       Persist persist = nullptr);
  // The content `sha256` from `read` (frame or raw bytes), verified in full. Without
  // `on_rejected`, a failure fails the assembly.
  void AddUnchecked(const std::string& sha256, Reader read, OnRejected on_rejected = nullptr);

  // Waits until every added chunk has been processed (rejections reported). Returns the first
  // error, if any.
  Status Wait();
  // Wait, then: every chunk written, whole-file sha256, fsync, rename, fsync(dir). Once.
  Status Finish();

  const std::string& temp_path() const { return tmp_; }

 private:
  struct Task {
    std::string sha256;
    std::vector<uint8_t> frame;  // AddCheckedFrame
    Persist persist;
    Reader read;  // AddUnchecked
    OnRejected on_rejected;
    uint64_t queued_bytes = 0;
  };
  FileAssembler(const VariantIndex& index, std::string path, AssemblerOptions options);

  void Enqueue(Task task);
  void WorkerLoop();
  void Process(Task& task);
  Status Decode(const Task& task, const ChunkRef& c, const std::string& label,
                std::vector<uint8_t>& raw);
  Status WriteAt(std::span<const uint8_t> bytes, uint64_t offset);
  void Written(const std::vector<size_t>& chunks, std::shared_ptr<const std::vector<uint8_t>> raw);
  void HashInOrder();
  Status HashRestFromFile(uint64_t offset);
  void Fail(Status s);
  Status Close();

  const VariantIndex& index_;
  const std::string path_;
  AssemblerOptions options_;
  std::string tmp_;
  int fd_ = -1;
  bool finished_ = false;
  // Chunk numbers per content: where each content is written.
  std::unordered_map<std::string, std::vector<size_t>> where_;

  std::mutex mu_;
  std::condition_variable work_cv_, idle_cv_, room_cv_;
  std::deque<Task> queue_;
  uint64_t queued_bytes_ = 0;
  int busy_ = 0;
  bool stop_ = false;
  Status error_;
  std::vector<std::thread> workers_;

  // In-order whole-file hashing (under mu_, except the hashing itself).
  Sha256Stream whole_;
  std::vector<bool> written_;
  std::vector<std::shared_ptr<const std::vector<uint8_t>>> held_;  // per chunk, >= cursor_
  size_t cursor_ = 0;                                              // chunks [0, cursor_) are hashed
  uint64_t held_bytes_ = 0;                                        // sum over held_
  bool hashing_ = false;  // a worker is hashing held chunks at the cursor
  bool spilled_ = false;  // held too much: the rest is hashed from the file at Finish
};

}  // namespace mota::bundle
