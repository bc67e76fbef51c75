#include "delivery/install/activate.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "base/file.h"
#include "manifests/lib/bundle/assemble.h"
#include "manifests/lib/bundle/sha256.h"

namespace mota::install {
namespace {

Status Failed(const std::string& message) {
  return Status(StatusCode::kVerificationFailed, message);
}

// Chunks come from the device chunk store only (the downloader has filled it).
bundle::ChunkSource StoreChunks(const std::string& store_dir) {
  return [store_dir](const bundle::ChunkRef& c) -> Result<std::vector<uint8_t>> {
    const std::string path = store_dir + "/blobs/" + c.sha256;
    auto bytes = ReadFile(path);
    if (!bytes.ok()) return NotFound("chunk store file ", path, ": ", bytes.status().message());
    return bytes;
  };
}

Status AtStep(const ActivateOptions& o, Step step, const std::string& path) {
  return o.fault ? o.fault(step, path) : Status::Ok();
}

// Assembles and verifies; on failure nothing of the candidate stays.
Status AssembleAndVerify(const Candidate& c, const ActivateOptions& o, const std::string& path) {
  MOTA_RETURN_IF_ERROR(bundle::AssembleFile(*c.index, StoreChunks(o.chunk_store), path));
  MOTA_RETURN_IF_ERROR(AtStep(o, Step::kAssembled, path));
  // AssembleFile hashed the bytes it wrote; this reads back what is on disk now, the bytes the
  // self-test and the app will map.
  Status verified = VerifyWholeFile(path, c.index->sha256, c.index->size);
  if (!verified.ok()) {
    ::unlink(path.c_str());
    return verified;
  }
  return AtStep(o, Step::kVerified, path);
}

Status CheckSelftestBlobs(const bundle::Selftest& selftest, const BlobLoader& blobs) {
  for (const bundle::SelftestVector& vec : selftest.vectors) {
    for (const auto* list : {&vec.inputs, &vec.outputs}) {
      for (const bundle::BlobRef& ref : *list) {
        auto bytes = blobs(ref);
        if (!bytes.ok()) return bytes.status();
      }
    }
  }
  return Status::Ok();
}

std::string Describe(const Candidate& c) {
  return StrCat("release ", c.release, " variant '", c.variant, "' on backend '", c.backend, "'");
}

}  // namespace

Status VerifyWholeFile(const std::string& path, const std::string& sha256, uint64_t size) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return IoError("cannot open '", path, "': ", std::strerror(errno));
  bundle::Sha256Stream hash;
  std::vector<uint8_t> buf(1 << 20);
  uint64_t total = 0;
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const Status s = IoError("cannot read '", path, "': ", std::strerror(errno));
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    hash.Update({buf.data(), static_cast<size_t>(n)});
    total += static_cast<uint64_t>(n);
  }
  ::close(fd);
  const std::string got = hash.FinishHex();
  if (total != size)
    return Failed(
        StrCat("assembled file '", path, "' has ", total, " bytes, the index says ", size));
  if (got != sha256)
    return Failed(
        StrCat("assembled file '", path, "' has sha256 ", got, ", the index says ", sha256));
  return Status::Ok();
}

Status Activate(InstallStore& store, const Candidate& c, const ActivateOptions& o) {
  if (c.index == nullptr)
    return InvalidArgument("Activate: candidate ", Describe(c), " has no index");
  if (const BadVariant* bad = store.FindBad(c.release, c.variant))
    return FailedPrecondition(Describe(c), " failed on this device before (on backend '",
                              bad->backend, "'): ", bad->reason);
  if (store.active() && c.release < store.active()->release && !c.active_release_revoked)
    return FailedPrecondition(
        Describe(c), " is older than the active release ", store.active()->release,
        " (a rollback; allowed only when signed metadata revokes the newer one)");
  MOTA_ASSIGN_OR_RETURN(const std::string file, InstallStore::FileName(c.release, c.variant));
  const InstalledVariant next{c.release, c.variant, c.backend, c.index->sha256, file};
  if (store.active() && *store.active() == next) return Status::Ok();  // already running it
  for (const auto* installed : {&store.active(), &store.previous()}) {
    if (*installed && (*installed)->file == file && (*installed)->sha256 != next.sha256)
      return FailedPrecondition(Describe(c), ": '", file, "' is installed with sha256 ",
                                (*installed)->sha256, ", the candidate has ", next.sha256,
                                ": one release's variant cannot change");
  }
  const std::string path = store.dir() + "/" + file;
  // The self-test blobs are checked first: a missing or damaged blob in the store is a storage
  // fault (download it again), not a reason to mark the variant bad.
  const BlobLoader blobs = StoreBlobLoader(o.chunk_store);
  MOTA_RETURN_IF_ERROR(CheckSelftestBlobs(c.index->selftest, blobs));
  MOTA_RETURN_IF_ERROR(AssembleAndVerify(c, o, path));
  Status tested = RunSelftest(path, c.index->selftest, blobs, c.backend, o.report);
  if (!tested.ok()) {
    ::unlink(path.c_str());
    const Status marked = store.MarkBad({c.release, c.variant, c.backend, tested.ToString()});
    const Status reason = tested.WithContext(StrCat(Describe(c), " marked bad on this device"));
    if (!marked.ok())
      return reason.WithContext(StrCat("(recording it failed: ", marked.message(), ")"));
    return reason;
  }
  MOTA_RETURN_IF_ERROR(AtStep(o, Step::kSelftestPassed, path));
  return store.SwitchActive(next, o.fault);
}

}  // namespace mota::install
