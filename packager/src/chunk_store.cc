#include "packager/src/chunk_store.h"

#include <zstd.h>

#include <filesystem>
#include <memory>
#include <system_error>

#include "base/file.h"
#include "manifests/lib/bundle/sha256.h"

namespace mota::packager {
namespace {

struct CCtxFree {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};

}  // namespace

Result<std::vector<uint8_t>> CompressChunk(std::span<const uint8_t> raw,
                                           const CompressionOptions& options) {
  std::unique_ptr<ZSTD_CCtx, CCtxFree> cctx(ZSTD_createCCtx());
  if (!cctx) return OutOfMemory("cannot create a zstd compression context");
  size_t rc = ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, options.level);
  if (!ZSTD_isError(rc))
    rc = ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_enableLongDistanceMatching, options.long_mode);
  if (!ZSTD_isError(rc)) rc = ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_contentSizeFlag, 1);
  if (!ZSTD_isError(rc)) rc = ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_checksumFlag, 0);
  if (ZSTD_isError(rc)) {
    return InvalidArgument("zstd rejects level ", options.level, ": ", ZSTD_getErrorName(rc),
                           " (levels ", ZSTD_minCLevel(), "..", ZSTD_maxCLevel(), ")");
  }
  std::vector<uint8_t> frame(ZSTD_compressBound(raw.size()));
  size_t n = ZSTD_compress2(cctx.get(), frame.data(), frame.size(), raw.data(), raw.size());
  if (ZSTD_isError(n)) return Internal("zstd compression failed: ", ZSTD_getErrorName(n));
  frame.resize(n);
  return frame;
}

Result<ChunkStore> ChunkStore::Open(const std::string& dir, CompressionOptions options) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(dir) / "blobs", ec);
  if (ec) return IoError("cannot create the chunk store ", dir, "/blobs: ", ec.message());
  if (options.level < ZSTD_minCLevel() || options.level > ZSTD_maxCLevel()) {
    return InvalidArgument("zstd level ", options.level, " outside ", ZSTD_minCLevel(), "..",
                           ZSTD_maxCLevel());
  }
  return ChunkStore(dir, options);
}

std::string ChunkStore::BlobPath(const std::string& sha256) const {
  return dir_ + "/blobs/" + sha256;
}

bool ChunkStore::Contains(const std::string& sha256) const {
  std::error_code ec;
  return std::filesystem::is_regular_file(BlobPath(sha256), ec);
}

Result<std::vector<uint8_t>> ChunkStore::ReadFrame(const std::string& sha256) const {
  if (!bundle::IsSha256Hex(sha256))
    return InvalidArgument("chunk name \"", sha256, "\" is not a sha256 hex");
  if (!Contains(sha256)) return NotFound("chunk ", sha256, " is not in the store ", dir_);
  return ReadFile(BlobPath(sha256));
}

bundle::ChunkSource ChunkStore::Source() const {
  return [this](const bundle::ChunkRef& c) -> Result<std::vector<uint8_t>> {
    Result<std::vector<uint8_t>> frame = ReadFrame(c.sha256);
    return frame;
  };
}

Result<ChunkStore::Stored> ChunkStore::CheckExisting(const std::string& sha256,
                                                     uint64_t size) const {
  MOTA_ASSIGN_OR_RETURN(std::vector<uint8_t> frame, ReadFile(BlobPath(sha256)));
  std::string zstd_sha = bundle::Sha256Hex(frame);
  auto raw = bundle::DecodeVerified("stored blob " + BlobPath(sha256), sha256, size, zstd_sha,
                                    frame.size(), frame);
  if (!raw.ok()) {
    return DataLoss(raw.status().message(),
                    ": the store is damaged; remove that file and package again");
  }
  return Stored{zstd_sha, frame.size(), false};
}

Result<ChunkStore::Stored> ChunkStore::Put(const std::string& sha256,
                                           std::span<const uint8_t> raw) {
  if (Contains(sha256)) return CheckExisting(sha256, raw.size());
  MOTA_ASSIGN_OR_RETURN(std::vector<uint8_t> frame, CompressChunk(raw, options_));
  MOTA_RETURN_IF_ERROR(WriteFileAtomic(BlobPath(sha256), frame));
  return Stored{bundle::Sha256Hex(frame), frame.size(), true};
}

Result<PackedVariant> ChunkStore::AddModel(std::span<const uint8_t> model,
                                           const bundle::ChunkingOptions& chunking) {
  auto plan = bundle::PlanChunks(model, chunking);
  MOTA_RETURN_IF_ERROR(plan.status());
  PackedVariant out;
  for (const bundle::ChunkSpan& span : plan.value()) {
    std::span<const uint8_t> raw = model.subspan(span.offset, span.size);
    std::string sha = bundle::Sha256Hex(raw);
    MOTA_ASSIGN_OR_RETURN(Stored stored, Put(sha, raw));
    out.index.chunks.push_back({sha, span.size, stored.zstd_sha256, stored.zstd_size, span.offset});
    out.stats.stored_bytes += stored.zstd_size;
    if (stored.written) {
      out.stats.new_chunks++;
      out.stats.new_stored_bytes += stored.zstd_size;
    }
  }
  out.index.sha256 = bundle::Sha256Hex(model);
  out.index.size = model.size();
  out.stats.chunks = out.index.chunks.size();
  out.stats.raw_bytes = model.size();
  MOTA_RETURN_IF_ERROR(bundle::ValidateIndex(out.index));
  return out;
}

Result<bundle::BlobRef> ChunkStore::AddBlob(const std::string& name,
                                            std::span<const uint8_t> bytes) {
  if (bytes.empty() || bytes.size() > bundle::kMaxChunkSize) {
    return InvalidArgument("blob \"", name, "\" has ", bytes.size(), " bytes, expected 1..",
                           bundle::kMaxChunkSize);
  }
  std::string sha = bundle::Sha256Hex(bytes);
  MOTA_ASSIGN_OR_RETURN(Stored stored, Put(sha, bytes));
  return bundle::BlobRef{name, sha, bytes.size(), stored.zstd_sha256, stored.zstd_size};
}

}  // namespace mota::packager
