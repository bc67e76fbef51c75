#include "server/storage/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

namespace mota::server::storage {
namespace {

std::string Errno(int err) { return std::strerror(err); }

std::string ParentOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string BaseName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// A name no other writer (thread or process) uses at the same time.
std::string TempPathFor(const std::string& path) {
  static std::atomic<uint64_t> counter{0};
  return ParentOf(path) + "/." + BaseName(path) + ".tmp." + std::to_string(::getpid()) + "." +
         std::to_string(counter.fetch_add(1));
}

Status WriteAll(int fd, std::string_view bytes, const std::string& what) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return IoError("cannot write ", what, ": ", Errno(errno));
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

// Writes and fsyncs a new temporary file; on failure nothing stays behind.
Status WriteTemp(const std::string& temp, std::string_view bytes) {
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return IoError("cannot create temporary file ", temp, ": ", Errno(errno));
  Status status = WriteAll(fd, bytes, temp);
  if (status.ok() && ::fsync(fd) != 0) {
    status = IoError("cannot fsync ", temp, ": ", Errno(errno));
  }
  if (::close(fd) != 0 && status.ok()) {
    status = IoError("cannot close ", temp, ": ", Errno(errno));
  }
  if (!status.ok()) ::unlink(temp.c_str());
  return status;
}

}  // namespace

Status SyncDir(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IoError("cannot open folder ", path, " to fsync it: ", Errno(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return IoError("cannot fsync folder ", path, ": ", Errno(err));
  return Status::Ok();
}

Status WriteFileAtomic(const std::string& path, std::string_view bytes) {
  const std::string temp = TempPathFor(path);
  MOTA_RETURN_IF_ERROR(WriteTemp(temp, bytes));
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    return IoError("cannot rename ", temp, " to ", path, ": ", Errno(err));
  }
  return SyncDir(ParentOf(path));
}

Status WriteFileAtomicIfAbsent(const std::string& path, std::string_view bytes, bool* created) {
  *created = false;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) return Status::Ok();
  const std::string temp = TempPathFor(path);
  MOTA_RETURN_IF_ERROR(WriteTemp(temp, bytes));
  // link() never replaces: when another writer got there first, its (equal) file stays.
  if (::link(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    if (err == EEXIST) return Status::Ok();
    return IoError("cannot link ", temp, " to ", path, ": ", Errno(err));
  }
  ::unlink(temp.c_str());
  *created = true;
  return SyncDir(ParentOf(path));
}

Status EnsureDir(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return Status::Ok();
    return IoError(path, " exists but is not a folder");
  }
  const std::string parent = ParentOf(path);
  if (parent != path) MOTA_RETURN_IF_ERROR(EnsureDir(parent));
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
    return IoError("cannot create folder ", path, ": ", Errno(errno));
  }
  return SyncDir(parent);
}

Result<std::string> ReadFileToString(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NotFound(path, " does not exist");
    return IoError("cannot open ", path, ": ", Errno(errno));
  }
  std::string text;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n == 0) break;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return IoError("cannot read ", path, ": ", Errno(err));
    }
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return text;
}

}  // namespace mota::server::storage
