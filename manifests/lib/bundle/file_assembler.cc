#include "manifests/lib/bundle/file_assembler.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "manifests/lib/bundle/assemble.h"

namespace mota::bundle {
namespace {

// A failed write of the assembled file; a full disk gets its own recognizable status.
Status WriteError(int err, const std::string& what, const std::string& tmp,
                  const std::string& path) {
  if (err == ENOSPC || err == EDQUOT || err == EFBIG) {
    return MakeStatus(StatusCode::kResourceExhausted, "disk full: ", what, " ", tmp, " (assembling ",
                      path, "): ", std::strerror(err),
                      "; nothing was written to the target; free space and retry");
  }
  return MakeStatus(StatusCode::kIoError, what, " ", tmp, " (assembling ", path,
                    "): ", std::strerror(err));
}

std::string DirOf(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return MakeStatus(StatusCode::kIoError, "cannot open directory ", dir, ": ",
                      std::strerror(errno));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0)
    return MakeStatus(StatusCode::kIoError, "cannot fsync directory ", dir, ": ",
                      std::strerror(err));
  return Status::Ok();
}

// Queues the write-back of [offset, offset + size) of `fd` without waiting (see the header: WRITE
// alone, so the final fsync still reports any write-back error). A hint: errors are ignored.
void StartWriteback(int fd, off_t offset, off_t size) {
#ifdef __linux__
  ::sync_file_range(fd, offset, size, SYNC_FILE_RANGE_WRITE);
#else
  (void)fd, (void)offset, (void)size;  // no portable equivalent: the final fsync does it all
#endif
}

std::string ChunkLabel(size_t i, const ChunkRef& c) {
  return StrCat("chunk ", i, " (offset ", c.offset, ", sha256 ", c.sha256, ")");
}

}  // namespace

FileAssembler::FileAssembler(const VariantIndex& index, std::string path, AssemblerOptions options)
    : index_(index), path_(std::move(path)), options_(std::move(options)) {
  for (size_t i = 0; i < index_.chunks.size(); ++i) where_[index_.chunks[i].sha256].push_back(i);
  written_.assign(index_.chunks.size(), false);
  held_.resize(index_.chunks.size());
}

Result<std::unique_ptr<FileAssembler>> FileAssembler::Begin(const VariantIndex& index,
                                                            const std::string& path,
                                                            AssemblerOptions options) {
  MOTA_RETURN_IF_ERROR(ValidateIndex(index));
  if (options.threads < 0 || options.threads > 64)
    return MakeStatus(StatusCode::kInvalidArgument, "AssemblerOptions.threads ", options.threads,
                      " not in 0..64");
  std::unique_ptr<FileAssembler> a(new FileAssembler(index, path, std::move(options)));
  a->tmp_ = path + ".partial-XXXXXX";
  a->fd_ = ::mkstemp(a->tmp_.data());
  if (a->fd_ < 0) {
    int err = errno;
    a->tmp_.clear();
    return WriteError(err, "cannot create a temporary file", path + ".partial-*", path);
  }
  // Reserve the whole file now: a device without the space fails before any download, and the
  // pwrites below cannot fail half-way for lack of space on filesystems that preallocate.
  if (index.size > 0 && ::fallocate(a->fd_, 0, 0, static_cast<off_t>(index.size)) != 0 &&
      errno != EOPNOTSUPP && errno != ENOSYS) {
    return WriteError(errno, StrCat("cannot reserve ", index.size, " bytes for"), a->tmp_, path);
  }
  for (int i = 0; i < a->options_.threads; ++i)
    a->workers_.emplace_back([raw = a.get()] { raw->WorkerLoop(); });
  return a;
}

FileAssembler::~FileAssembler() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;  // abandoned (a cancelled update): queued frames are only persisted
  }
  work_cv_.notify_all();
  for (std::thread& t : workers_) t.join();
  if (fd_ >= 0) ::close(fd_);
  if (!finished_ && !tmp_.empty()) ::unlink(tmp_.c_str());  // nothing half-written stays
}

void FileAssembler::AddCheckedFrame(const std::string& sha256, std::vector<uint8_t> frame,
                                    Persist persist) {
  Task task;
  task.sha256 = sha256;
  task.persist = std::move(persist);
  task.queued_bytes = frame.size();
  task.frame = std::move(frame);
  Enqueue(std::move(task));
}

void FileAssembler::AddUnchecked(const std::string& sha256, Reader read, OnRejected on_rejected) {
  Task task;
  task.sha256 = sha256;
  auto it = where_.find(sha256);
  task.queued_bytes = it == where_.end() ? 0 : index_.chunks[it->second[0]].zstd_size;
  task.read = std::move(read);
  task.on_rejected = std::move(on_rejected);
  Enqueue(std::move(task));
}

void FileAssembler::Enqueue(Task task) {
  if (workers_.empty()) {
    if (error_.ok()) Process(task);
    return;
  }
  std::unique_lock<std::mutex> lock(mu_);
  // Back-pressure: the producer (the download loop) waits for the workers to catch up.
  room_cv_.wait(lock, [&] {
    return !error_.ok() || queued_bytes_ == 0 ||
           queued_bytes_ + task.queued_bytes <= options_.max_queued_bytes;
  });
  if (!error_.ok()) return;  // failed already: Finish reports it
  queued_bytes_ += task.queued_bytes;
  queue_.push_back(std::move(task));
  lock.unlock();
  work_cv_.notify_one();
}

void FileAssembler::WorkerLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    work_cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stop_
    Task task = std::move(queue_.front());
    queue_.pop_front();
    ++busy_;
    const bool skip = !error_.ok() || stop_;
    lock.unlock();
    if (!skip) {
      Process(task);
    } else if (task.persist) {
      // Failed or abandoned: no decoding, but a verified frame still reaches the store, so the
      // next update does not download it again.
      task.persist(task.frame).IgnoreError();
    }
    const uint64_t done = task.queued_bytes;
    task = Task();  // free the frame before taking the lock
    lock.lock();
    --busy_;
    queued_bytes_ -= done;
    room_cv_.notify_one();
    if (queue_.empty() && busy_ == 0) idle_cv_.notify_all();
  }
}

Status FileAssembler::Decode(const Task& task, const ChunkRef& c, const std::string& label,
                             std::vector<uint8_t>& raw) {
  Result<std::vector<uint8_t>> decoded = std::vector<uint8_t>();
  if (task.read) {
    Result<std::vector<uint8_t>> stored = task.read();
    if (!stored.ok()) {
      return MakeStatus(stored.status().code(), label, ": ", stored.status().message());
    }
    decoded = DecodeVerified(label, c.sha256, c.size, c.zstd_sha256, c.zstd_size, *stored);
  } else {
    decoded = DecodeCheckedFrame(label, c.sha256, c.size, task.frame);
  }
  if (!decoded.ok()) return decoded.status();
  raw = std::move(decoded).value();
  return Status::Ok();
}

void FileAssembler::Process(Task& task) {
  if (task.persist) {
    Status s = task.persist(task.frame);
    if (!s.ok()) return Fail(std::move(s));
  }
  auto it = where_.find(task.sha256);
  if (it == where_.end()) return;  // not a chunk of this file (a self-test blob)
  const std::vector<size_t>& chunks = it->second;
  const ChunkRef& c = index_.chunks[chunks[0]];
  std::vector<uint8_t> raw;
  Status s = Decode(task, c, ChunkLabel(chunks[0], c), raw);
  if (!s.ok()) {
    if (task.on_rejected) {
      task.on_rejected(task.sha256, s);
    } else {
      Fail(std::move(s));
    }
    return;
  }
  task.frame = std::vector<uint8_t>();
  for (size_t i : chunks) {
    s = WriteAt(raw, index_.chunks[i].offset);
    if (!s.ok()) return Fail(std::move(s));
  }
  Written(chunks, std::make_shared<const std::vector<uint8_t>>(std::move(raw)));
}

Status FileAssembler::WriteAt(std::span<const uint8_t> bytes, uint64_t offset) {
  while (!bytes.empty()) {
    ssize_t n = options_.pwrite
                    ? options_.pwrite(fd_, bytes.data(), bytes.size(), static_cast<off_t>(offset))
                    : ::pwrite(fd_, bytes.data(), bytes.size(), static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return WriteError(errno, "cannot write", tmp_, path_);
    if (n == 0) return WriteError(EIO, "cannot write (no progress)", tmp_, path_);
    if (options_.start_writeback) {
      if (options_.writeback) {
        options_.writeback(fd_, static_cast<off_t>(offset), static_cast<off_t>(n));
      } else {
        StartWriteback(fd_, static_cast<off_t>(offset), static_cast<off_t>(n));
      }
    }
    bytes = bytes.subspan(static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

// Marks chunks written and holds their bytes for the in-order whole-file hash.
void FileAssembler::Written(const std::vector<size_t>& chunks,
                            std::shared_ptr<const std::vector<uint8_t>> raw) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t i : chunks) {
      if (written_[i]) continue;  // the same content added twice: hashed once
      written_[i] = true;
      if (spilled_) continue;
      held_[i] = raw;
      held_bytes_ += raw->size();
    }
    if (!spilled_ && held_bytes_ > options_.max_held_bytes) {
      // A chunk far behind (being retried) would make us hold everything after it: stop holding
      // and hash the rest from the written file at Finish instead.
      spilled_ = true;
      for (auto& h : held_) h.reset();
      held_bytes_ = 0;
    }
  }
  HashInOrder();
}

// One worker at a time hashes the held chunks at the cursor, outside the lock.
void FileAssembler::HashInOrder() {
  std::unique_lock<std::mutex> lock(mu_);
  if (hashing_) return;  // the hashing worker re-checks the cursor before it stops
  hashing_ = true;
  while (!spilled_) {
    std::vector<std::shared_ptr<const std::vector<uint8_t>>> batch;
    for (size_t i = cursor_; i < held_.size() && held_[i]; ++i) {
      held_bytes_ -= held_[i]->size();
      batch.push_back(std::move(held_[i]));
    }
    if (batch.empty()) break;
    lock.unlock();
    for (const auto& b : batch) whole_.Update(*b);
    lock.lock();
    cursor_ += batch.size();
  }
  hashing_ = false;
}

Status FileAssembler::HashRestFromFile(uint64_t offset) {
  std::vector<uint8_t> buf(1 << 20);
  while (offset < index_.size) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), index_.size - offset));
    ssize_t n = ::pread(fd_, buf.data(), want, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return MakeStatus(StatusCode::kIoError, "cannot read back ", tmp_, " at offset ", offset,
                        ": ", n < 0 ? std::strerror(errno) : "unexpected end of file");
    }
    whole_.Update({buf.data(), static_cast<size_t>(n)});
    offset += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

void FileAssembler::Fail(Status s) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (error_.ok()) error_ = std::move(s);
  }
  room_cv_.notify_all();
}

Status FileAssembler::Wait() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_cv_.wait(lock, [&] { return queue_.empty() && busy_ == 0; });
  return error_;
}

Status FileAssembler::Close() {
  int rc = ::close(fd_);
  int err = errno;
  fd_ = -1;
  return rc == 0 ? Status::Ok() : WriteError(err, "cannot close", tmp_, path_);
}

Status FileAssembler::Finish() {
  if (finished_ || fd_ < 0)
    return MakeStatus(StatusCode::kFailedPrecondition, "FileAssembler::Finish called twice for ",
                      path_);
  MOTA_RETURN_IF_ERROR(Wait());
  for (size_t i = 0; i < written_.size(); ++i) {
    if (!written_[i]) {
      return MakeStatus(StatusCode::kFailedPrecondition, ChunkLabel(i, index_.chunks[i]),
                        " was never added; ", path_, " is not complete");
    }
  }
  // Every chunk is written, so no worker is still hashing: the cursor is final.
  if (cursor_ < index_.chunks.size())
    MOTA_RETURN_IF_ERROR(HashRestFromFile(index_.chunks[cursor_].offset));
  std::string got = whole_.FinishHex();
  if (got != index_.sha256) {
    return MakeStatus(StatusCode::kVerificationFailed, "the assembled file: sha256 ", got,
                      ", expected the index's ", index_.sha256, "; ", path_, " was not written");
  }
  if (::fsync(fd_) != 0) return WriteError(errno, "cannot fsync", tmp_, path_);
  MOTA_RETURN_IF_ERROR(Close());
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
    return MakeStatus(StatusCode::kIoError, "cannot rename ", tmp_, " into ", path_, ": ",
                      std::strerror(errno));
  }
  finished_ = true;
  return SyncDir(DirOf(path_));
}

}  // namespace mota::bundle
