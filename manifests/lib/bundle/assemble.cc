#include "manifests/lib/bundle/assemble.h"

#include <fcntl.h>
#include <unistd.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>

#include "manifests/lib/bundle/sha256.h"

namespace mota::bundle {
namespace {

Status Mismatch(const std::string& label, const std::string& what) {
  return MakeStatus(StatusCode::kVerificationFailed, label, ": ", what, "; the chunk was not used");
}

Status Os(const std::string& what, const std::string& path) {
  return MakeStatus(StatusCode::kIoError, what, " ", path, ": ", std::strerror(errno));
}

Result<std::vector<uint8_t>> Decompress(const std::string& label, uint64_t size,
                                              std::span<const uint8_t> frame) {
  // The declared size is checked before decoding, and the output buffer is exactly `size`
  // bytes, so a frame cannot make us allocate or write more than the index promised.
  unsigned long long declared = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (declared != size) {
    std::string got = declared == ZSTD_CONTENTSIZE_ERROR     ? "no valid zstd frame header"
                      : declared == ZSTD_CONTENTSIZE_UNKNOWN ? "a frame without a content size"
                                                             : std::to_string(declared) + " bytes";
    return Mismatch(label, "the zstd frame declares " + got + ", expected " + std::to_string(size));
  }
  std::vector<uint8_t> out(size);
  size_t n = ZSTD_decompress(out.data(), out.size(), frame.data(), frame.size());
  if (ZSTD_isError(n))
    return Mismatch(label, std::string("zstd cannot decode the frame: ") + ZSTD_getErrorName(n));
  if (n != size)
    return Mismatch(label,
                    "decoded " + std::to_string(n) + " bytes, expected " + std::to_string(size));
  return out;
}

// Writes all of `bytes` to `fd`, retrying short writes.
bool WriteAll(int fd, std::span<const uint8_t> bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes = bytes.subspan(static_cast<size_t>(n));
  }
  return true;
}

std::string DirOf(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// Streams every verified chunk into `fd` and checks the whole-file hash.
Status WriteChunks(const VariantIndex& index, const ChunkSource& source, int fd,
                         const std::string& tmp) {
  Sha256Stream whole;
  for (size_t i = 0; i < index.chunks.size(); ++i) {
    const ChunkRef& c = index.chunks[i];
    Result<std::vector<uint8_t>> stored = source(c);
    if (!stored.ok()) {
      return MakeStatus(stored.status().code(), "chunk ", i, " (sha256 ", c.sha256,
                        "): ", stored.status().message());
    }
    MOTA_ASSIGN_OR_RETURN(std::vector<uint8_t> raw, DecodeChunk(i, c, stored.value()));
    whole.Update(raw);
    if (!WriteAll(fd, raw)) return Os("cannot write", tmp);
  }
  std::string got = whole.FinishHex();
  if (got != index.sha256) {
    return Mismatch("the assembled file",
                    "sha256 " + got + ", expected the index's " + index.sha256);
  }
  if (::fsync(fd) != 0) return Os("cannot fsync", tmp);
  return Status::Ok();
}

Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Os("cannot open directory", dir);
  int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status::Ok() : Os("cannot fsync directory", dir);
}

}  // namespace

Result<std::vector<uint8_t>> DecodeVerified(const std::string& label,
                                                  const std::string& sha256, uint64_t size,
                                                  const std::string& zstd_sha256,
                                                  uint64_t zstd_size,
                                                  std::span<const uint8_t> stored) {
  std::string got = Sha256Hex(stored);
  if (stored.size() == zstd_size && got == zstd_sha256) {
    MOTA_ASSIGN_OR_RETURN(std::vector<uint8_t> raw, Decompress(label, size, stored));
    std::string raw_sha = Sha256Hex(raw);
    if (raw_sha != sha256) {
      return Mismatch(label, "the frame decodes to sha256 " + raw_sha + ", expected " + sha256);
    }
    return raw;
  }
  if (stored.size() == size && got == sha256)
    return std::vector<uint8_t>(stored.begin(), stored.end());
  return Mismatch(label, "got " + std::to_string(stored.size()) + " bytes with sha256 " + got +
                             ", expected the zstd frame (" + std::to_string(zstd_size) +
                             " bytes, sha256 " + zstd_sha256 + ") or the raw bytes (" +
                             std::to_string(size) + " bytes, sha256 " + sha256 + ")");
}

Result<std::vector<uint8_t>> DecodeChunk(size_t chunk_number, const ChunkRef& chunk,
                                               std::span<const uint8_t> stored) {
  std::string label = "chunk " + std::to_string(chunk_number) + " (offset " +
                      std::to_string(chunk.offset) + ", sha256 " + chunk.sha256 + ")";
  return DecodeVerified(label, chunk.sha256, chunk.size, chunk.zstd_sha256, chunk.zstd_size,
                        stored);
}

Status AssembleFile(const VariantIndex& index, const ChunkSource& source,
                          const std::string& path) {
  MOTA_RETURN_IF_ERROR(ValidateIndex(index));
  std::string tmp = path + ".partial-XXXXXX";
  int fd = ::mkstemp(tmp.data());
  if (fd < 0) return Os("cannot create a temporary file beside", path);
  Status status = WriteChunks(index, source, fd, tmp);
  if (::close(fd) != 0 && status.ok()) status = Os("cannot close", tmp);
  if (status.ok() && ::rename(tmp.c_str(), path.c_str()) != 0)
    status = Os("cannot rename into", path);
  if (!status.ok()) {
    ::unlink(tmp.c_str());  // nothing half-written stays
    return status;
  }
  return SyncDir(DirOf(path));
}

}  // namespace mota::bundle
