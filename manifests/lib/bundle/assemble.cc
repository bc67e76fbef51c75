#include "manifests/lib/bundle/assemble.h"

#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <unordered_set>

#include "manifests/lib/bundle/file_assembler.h"
#include "manifests/lib/bundle/sha256.h"

namespace mota::bundle {
namespace {

Status Mismatch(const std::string& label, const std::string& what) {
  return MakeStatus(StatusCode::kVerificationFailed, label, ": ", what, "; the chunk was not used");
}

// One decoding context per thread, reused: creating one per chunk costs more than decoding a
// small chunk. Null when out of memory (then ZSTD_decompress makes its own).
ZSTD_DCtx* ThreadDCtx() {
  struct Holder {
    ZSTD_DCtx* ctx = ZSTD_createDCtx();
    ~Holder() { ZSTD_freeDCtx(ctx); }
  };
  thread_local Holder holder;
  return holder.ctx;
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
  ZSTD_DCtx* dctx = ThreadDCtx();
  size_t n = dctx != nullptr
                 ? ZSTD_decompressDCtx(dctx, out.data(), out.size(), frame.data(), frame.size())
                 : ZSTD_decompress(out.data(), out.size(), frame.data(), frame.size());
  if (ZSTD_isError(n))
    return Mismatch(label, std::string("zstd cannot decode the frame: ") + ZSTD_getErrorName(n));
  if (n != size)
    return Mismatch(label,
                    "decoded " + std::to_string(n) + " bytes, expected " + std::to_string(size));
  return out;
}

}  // namespace

Result<std::vector<uint8_t>> DecodeVerified(const std::string& label, const std::string& sha256,
                                            uint64_t size, const std::string& zstd_sha256,
                                            uint64_t zstd_size, std::span<const uint8_t> stored) {
  std::string got = Sha256Hex(stored);
  if (stored.size() == zstd_size && got == zstd_sha256)
    return DecodeCheckedFrame(label, sha256, size, stored);
  if (stored.size() == size && got == sha256)
    return std::vector<uint8_t>(stored.begin(), stored.end());
  return Mismatch(label, "got " + std::to_string(stored.size()) + " bytes with sha256 " + got +
                             ", expected the zstd frame (" + std::to_string(zstd_size) +
                             " bytes, sha256 " + zstd_sha256 + ") or the raw bytes (" +
                             std::to_string(size) + " bytes, sha256 " + sha256 + ")");
}

Result<std::vector<uint8_t>> DecodeCheckedFrame(const std::string& label, const std::string& sha256,
                                                uint64_t size, std::span<const uint8_t> frame) {
  MOTA_ASSIGN_OR_RETURN(std::vector<uint8_t> raw, Decompress(label, size, frame));
  std::string raw_sha = Sha256Hex(raw);
  if (raw_sha != sha256) {
    return Mismatch(label, "the frame decodes to sha256 " + raw_sha + ", expected " + sha256);
  }
  return raw;
}

Result<std::vector<uint8_t>> DecodeChunk(size_t chunk_number, const ChunkRef& chunk,
                                         std::span<const uint8_t> stored) {
  std::string label = "chunk " + std::to_string(chunk_number) + " (offset " +
                      std::to_string(chunk.offset) + ", sha256 " + chunk.sha256 + ")";
  return DecodeVerified(label, chunk.sha256, chunk.size, chunk.zstd_sha256, chunk.zstd_size,
                        stored);
}

Status AssembleFile(const VariantIndex& index, const ChunkSource& source, const std::string& path) {
  MOTA_ASSIGN_OR_RETURN(std::unique_ptr<FileAssembler> assembler,
                        FileAssembler::Begin(index, path));
  std::unordered_set<std::string> added;
  for (size_t i = 0; i < index.chunks.size(); ++i) {
    const ChunkRef& c = index.chunks[i];
    if (!added.insert(c.sha256).second) continue;  // written at every offset of its content
    Result<std::vector<uint8_t>> stored = source(c);
    if (!stored.ok()) {  // the assembler's destructor removes the temporary file
      return MakeStatus(stored.status().code(), "chunk ", i, " (sha256 ", c.sha256,
                        "): ", stored.status().message());
    }
    assembler->AddUnchecked(
        c.sha256, [bytes = std::move(stored).value()]() mutable -> Result<std::vector<uint8_t>> {
          return std::move(bytes);
        });
  }
  return assembler->Finish();
}

}  // namespace mota::bundle
