#include "base/file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>

namespace mota {
namespace {

std::string ErrnoText() { return std::strerror(errno); }

std::string DirName(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Status WriteAll(int fd, const uint8_t* data, size_t size, const std::string& path) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError("cannot write '", path, "': ", ErrnoText());
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return Status::Ok();
}

// Live mappings (start -> size), so that ReleaseMappedPages touches only file-backed memory:
// MADV_DONTNEED on heap memory would zero it.
struct Mappings {
  std::mutex mu;
  std::map<uintptr_t, size_t> ranges;
};
Mappings& LiveMappings() {
  static Mappings* m = new Mappings();  // never destroyed: MappedFiles may outlive statics
  return *m;
}

}  // namespace

Result<std::unique_ptr<MappedFile>> MappedFile::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return IoError("cannot open '", path, "': ", ErrnoText());
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const Status s = IoError("cannot stat '", path, "': ", ErrnoText());
    ::close(fd);
    return s;
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return InvalidArgument("'", path, "' is not a regular file");
  }
  std::unique_ptr<MappedFile> file(new MappedFile());
  file->path_ = path;
  file->size_ = static_cast<size_t>(st.st_size);
  if (file->size_ > 0) {
    void* p = ::mmap(nullptr, file->size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      const Status s = IoError("cannot map '", path, "' (", file->size_, " bytes): ", ErrnoText());
      ::close(fd);
      return s;
    }
    file->data_ = static_cast<const uint8_t*>(p);
    Mappings& m = LiveMappings();
    std::lock_guard<std::mutex> lock(m.mu);
    m.ranges[reinterpret_cast<uintptr_t>(p)] = file->size_;
  }
  ::close(fd);
  return file;
}

MappedFile::~MappedFile() {
  if (data_ == nullptr) return;
  {
    Mappings& m = LiveMappings();
    std::lock_guard<std::mutex> lock(m.mu);
    m.ranges.erase(reinterpret_cast<uintptr_t>(data_));
  }
  ::munmap(const_cast<uint8_t*>(data_), size_);
}

void ReleaseMappedPages(const void* p, size_t n) {
  if (p == nullptr || n == 0) return;
  const auto begin = reinterpret_cast<uintptr_t>(p);
  Mappings& m = LiveMappings();
  std::lock_guard<std::mutex> lock(m.mu);  // the mapping must not go away meanwhile
  auto it = m.ranges.upper_bound(begin);
  if (it == m.ranges.begin()) return;
  --it;
  const uintptr_t map_end = it->first + it->second;
  if (begin >= map_end) return;
  static const auto page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  // The mapping starts on a page boundary, so lo stays inside it; its last page may be partial,
  // which madvise accepts.
  const uintptr_t lo = begin / page * page;
  const uintptr_t hi = std::min(map_end, begin + n);
  // Advice only: on failure the pages simply stay resident.
  ::madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_DONTNEED);
}

Result<std::vector<uint8_t>> ReadFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return IoError("cannot open '", path, "': ", ErrnoText());
  std::vector<uint8_t> out;
  uint8_t buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      const Status s = IoError("cannot read '", path, "': ", ErrnoText());
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    out.insert(out.end(), buf, buf + n);
  }
  ::close(fd);
  return out;
}

Status WriteFileAtomic(const std::string& path, std::span<const uint8_t> bytes) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return IoError("cannot create '", tmp, "': ", ErrnoText());
  Status s = WriteAll(fd, bytes.data(), bytes.size(), tmp);
  if (s.ok() && ::fsync(fd) != 0) s = IoError("cannot fsync '", tmp, "': ", ErrnoText());
  if (::close(fd) != 0 && s.ok()) s = IoError("cannot close '", tmp, "': ", ErrnoText());
  if (s.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) {
    s = IoError("cannot rename '", tmp, "' to '", path, "': ", ErrnoText());
  }
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  const int dfd = ::open(DirName(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

Status WriteFileAtomic(const std::string& path, const std::string& text) {
  return WriteFileAtomic(
      path, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

}  // namespace mota
