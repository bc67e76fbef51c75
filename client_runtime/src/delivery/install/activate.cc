#include "delivery/install/activate.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
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

// Removes a candidate file that failed, unless a pointer entry names it (a candidate can be the
// previous version's file again, or the active one being repaired: same name, same bytes).
void Discard(const InstallStore& store, const std::string& path) {
  for (const auto* installed : {&store.active(), &store.previous()}) {
    if (*installed && store.PathOf(**installed) == path) return;
  }
  ::unlink(path.c_str());
}

// Assembles and verifies; on failure nothing of the candidate stays.
Status AssembleAndVerify(const InstallStore& store, const Candidate& c, const ActivateOptions& o,
                         const std::string& path) {
  MOTA_RETURN_IF_ERROR(bundle::AssembleFile(*c.index, StoreChunks(o.chunk_store), path));
  MOTA_RETURN_IF_ERROR(AtStep(o, Step::kAssembled, path));
  // AssembleFile hashed the bytes it wrote; this reads back what is on disk now, the bytes the
  // self-test and the app will map.
  Status verified = VerifyWholeFile(path, c.index->sha256, c.index->size);
  if (!verified.ok()) {
    Discard(store, path);
    return verified;
  }
  return AtStep(o, Step::kVerified, path);
}

// The store's self-test blobs, each read, decoded and checked once: CheckSelftestBlobs loads
// them all before the self-test, which then takes them from memory.
BlobLoader OnceFromStore(const std::string& store_dir) {
  auto cache = std::make_shared<std::map<std::string, std::vector<uint8_t>>>();
  return [cache, load = StoreBlobLoader(store_dir)](
             const bundle::BlobRef& ref) -> Result<std::vector<uint8_t>> {
    auto it = cache->find(ref.sha256);
    if (it != cache->end()) return it->second;
    MOTA_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, load(ref));
    return cache->emplace(ref.sha256, std::move(bytes)).first->second;
  };
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

Result<FileDigest> HashFile(const std::string& path) {
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
  return FileDigest{hash.FinishHex(), total};
}

Status VerifyWholeFile(const std::string& path, const std::string& sha256, uint64_t size) {
  MOTA_ASSIGN_OR_RETURN(const FileDigest got, HashFile(path));
  if (got.size != size)
    return Failed(
        StrCat("assembled file '", path, "' has ", got.size, " bytes, the index says ", size));
  if (got.sha256 != sha256)
    return Failed(
        StrCat("assembled file '", path, "' has sha256 ", got.sha256, ", the index says ", sha256));
  return Status::Ok();
}

namespace {

// The candidate's installed record, or a refusal that costs no work.
Result<InstalledVariant> CheckCandidate(const InstallStore& store, const Candidate& c) {
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
  InstalledVariant next{c.release, c.variant, c.backend, c.index->sha256, file, c.params};
  for (const auto* installed : {&store.active(), &store.previous()}) {
    if (*installed && (*installed)->file == file && (*installed)->sha256 != next.sha256)
      return FailedPrecondition(Describe(c), ": '", file, "' is installed with sha256 ",
                                (*installed)->sha256, ", the candidate has ", next.sha256,
                                ": one release's variant cannot change");
  }
  return next;
}

bool AlreadyActive(const InstallStore& store, const Candidate& c, const InstalledVariant& next) {
  return !c.repair && store.active() && *store.active() == next;
}

// Every step after the candidate file is whole on disk: self-test, then the pointer switch.
Status SelftestAndSwitch(InstallStore& store, const Candidate& c, const ActivateOptions& o,
                         const InstalledVariant& next, const BlobLoader& blobs) {
  const std::string path = store.PathOf(next);
  Status tested = RunSelftest(path, c.index->selftest, blobs, c.backend, o.report,
                              ToBackendOptions(c.params));
  if (!tested.ok()) {
    Discard(store, path);
    const Status marked = store.MarkBad({c.release, c.variant, c.backend, tested.ToString()});
    const Status reason = tested.WithContext(StrCat(Describe(c), " marked bad on this device"));
    if (!marked.ok())
      return reason.WithContext(StrCat("(recording it failed: ", marked.message(), ")"));
    return reason;
  }
  MOTA_RETURN_IF_ERROR(AtStep(o, Step::kSelftestPassed, path));
  return store.SwitchActive(next, o.fault, /*keep_current=*/!c.active_release_revoked);
}

}  // namespace

Status Activate(InstallStore& store, const Candidate& c, const ActivateOptions& o) {
  MOTA_ASSIGN_OR_RETURN(const InstalledVariant next, CheckCandidate(store, c));
  if (AlreadyActive(store, c, next)) return Status::Ok();  // already running it
  MOTA_RETURN_IF_ERROR(store.LockForInstall());
  const std::string path = store.PathOf(next);
  // The self-test blobs are checked first: a missing or damaged blob in the store is a storage
  // fault (download it again), not a reason to mark the variant bad.
  const BlobLoader blobs = OnceFromStore(o.chunk_store);
  MOTA_RETURN_IF_ERROR(CheckSelftestBlobs(c.index->selftest, blobs));
  MOTA_RETURN_IF_ERROR(AssembleAndVerify(store, c, o, path));
  return SelftestAndSwitch(store, c, o, next, blobs);
}

Result<std::string> PrepareCandidate(InstallStore& store, const Candidate& c) {
  MOTA_ASSIGN_OR_RETURN(const InstalledVariant next, CheckCandidate(store, c));
  if (AlreadyActive(store, c, next))
    return FailedPrecondition(Describe(c), " is already active in ", store.dir(),
                              " (nothing to assemble; set repair when its file is damaged)");
  MOTA_RETURN_IF_ERROR(store.LockForInstall());
  return store.PathOf(next);
}

Status ActivateAssembled(InstallStore& store, const Candidate& c, const ActivateOptions& o) {
  MOTA_ASSIGN_OR_RETURN(const InstalledVariant next, CheckCandidate(store, c));
  if (AlreadyActive(store, c, next)) return Status::Ok();
  MOTA_RETURN_IF_ERROR(store.LockForInstall());
  const std::string path = store.PathOf(next);
  // The downloader hashed every byte as it wrote them; a size check catches a caller that
  // assembled elsewhere or not at all, without reading the file again.
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return NotFound(Describe(c), ": no assembled file at '", path, "': ", std::strerror(errno));
  if (static_cast<uint64_t>(st.st_size) != c.index->size) {
    Discard(store, path);
    return Failed(StrCat("assembled file '", path, "' has ", st.st_size, " bytes, the index says ",
                         c.index->size));
  }
  MOTA_RETURN_IF_ERROR(AtStep(o, Step::kAssembled, path));
  MOTA_RETURN_IF_ERROR(AtStep(o, Step::kVerified, path));
  const BlobLoader blobs = OnceFromStore(o.chunk_store);
  if (Status s = CheckSelftestBlobs(c.index->selftest, blobs); !s.ok()) {
    Discard(store, path);
    return s;
  }
  return SelftestAndSwitch(store, c, o, next, blobs);
}

Status CheckActiveFile(const InstallStore& store) {
  if (!store.active()) return Status::Ok();
  const std::string path = store.PathOf(*store.active());
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return NotFound("the active file '", path, "' (release ", store.active()->release, " variant '",
                    store.active()->variant, "') is missing: ", std::strerror(errno));
  MOTA_ASSIGN_OR_RETURN(const FileDigest digest, HashFile(path));
  if (digest.sha256 != store.active()->sha256)
    return Failed(StrCat("the active file '", path, "' is damaged: sha256 ", digest.sha256, " (",
                         digest.size, " bytes), active.json says ", store.active()->sha256));
  return Status::Ok();
}

}  // namespace mota::install
