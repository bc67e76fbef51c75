#include "delivery/fetch/store_budget.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "manifests/lib/bundle/sha256.h"

namespace mota::fetch {
namespace {

constexpr std::string_view kPartSuffix = ".part";
constexpr std::string_view kDiskFull = "disk full: ";

struct StoreFile {
  std::string name;  // the blob's sha256, or the .part's zstd_sha256 (suffix dropped)
  bool part = false;
  uint64_t bytes = 0;
  timespec mtime{};
};

// Every blob and .part in <store>/blobs; other names are not the store's and are skipped.
Result<std::vector<StoreFile>> ListStore(const std::string& blobs_dir) {
  std::vector<StoreFile> out;
  DIR* dir = ::opendir(blobs_dir.c_str());
  if (dir == nullptr) {
    if (errno == ENOENT) return out;
    return IoError("cannot read the chunk store directory ", blobs_dir, ": ", std::strerror(errno));
  }
  while (const dirent* e = ::readdir(dir)) {
    std::string name = e->d_name;
    StoreFile f;
    if (name.size() == 64 + kPartSuffix.size() && name.ends_with(kPartSuffix)) {
      f.part = true;
      name.resize(64);
    }
    if (!bundle::IsSha256Hex(name)) continue;
    struct stat st;
    std::string path = blobs_dir + "/" + e->d_name;
    if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    f.name = std::move(name);
    f.bytes = static_cast<uint64_t>(st.st_size);
    f.mtime = st.st_mtim;
    out.push_back(std::move(f));
  }
  ::closedir(dir);
  return out;
}

bool Older(const StoreFile& a, const StoreFile& b) {
  if (a.mtime.tv_sec != b.mtime.tv_sec) return a.mtime.tv_sec < b.mtime.tv_sec;
  if (a.mtime.tv_nsec != b.mtime.tv_nsec) return a.mtime.tv_nsec < b.mtime.tv_nsec;
  return a.name < b.name;
}

Status Remove(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    return IoError("cannot remove ", path, " from the chunk store: ", std::strerror(errno));
  return Status::Ok();
}

}  // namespace

StoreNames StoreNamesOf(const std::vector<BlobWant>& wants) {
  StoreNames names;
  for (const BlobWant& w : wants) {
    names.blobs.insert(w.sha256);
    names.parts.insert(w.zstd_sha256);
  }
  return names;
}

Result<EvictionReport> EvictUnreferenced(const std::string& store_dir,
                                         const std::unordered_set<std::string>& referenced_blobs,
                                         uint64_t budget_bytes) {
  const std::string blobs_dir = store_dir + "/blobs";
  MOTA_ASSIGN_OR_RETURN(std::vector<StoreFile> files, ListStore(blobs_dir));
  EvictionReport report;
  std::vector<const StoreFile*> candidates;
  for (const StoreFile& f : files) {
    report.bytes_before += f.bytes;
    if (f.part) continue;
    if (referenced_blobs.count(f.name) != 0) {
      report.referenced_bytes += f.bytes;
    } else {
      candidates.push_back(&f);
    }
  }
  std::sort(candidates.begin(), candidates.end(),
            [](const StoreFile* a, const StoreFile* b) { return Older(*a, *b); });
  uint64_t total = report.bytes_before;
  for (const StoreFile* f : candidates) {
    if (total <= budget_bytes) break;
    MOTA_RETURN_IF_ERROR(Remove(blobs_dir + "/" + f->name));
    total -= f->bytes;
    report.bytes_freed += f->bytes;
    ++report.blobs_evicted;
  }
  report.bytes_after = total;
  report.over_budget = total > budget_bytes;
  return report;
}

Result<CleanupReport> CleanPartials(const std::string& store_dir,
                                    const std::unordered_set<std::string>& wanted_parts,
                                    std::chrono::seconds max_age) {
  const std::string blobs_dir = store_dir + "/blobs";
  MOTA_ASSIGN_OR_RETURN(std::vector<StoreFile> files, ListStore(blobs_dir));
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);  // the clock file mtimes are stamped with
  CleanupReport report;
  for (const StoreFile& f : files) {
    if (!f.part) continue;
    const int64_t age = static_cast<int64_t>(now.tv_sec) - static_cast<int64_t>(f.mtime.tv_sec);
    if (wanted_parts.count(f.name) != 0 && age <= max_age.count()) {
      ++report.parts_kept;
      continue;
    }
    MOTA_RETURN_IF_ERROR(Remove(StrCat(blobs_dir, "/", f.name, kPartSuffix)));
    ++report.parts_removed;
    report.bytes_freed += f.bytes;
  }
  return report;
}

Status WriteFailure(int err, const std::string& what, const std::string& path) {
  if (err == ENOSPC || err == EDQUOT || err == EFBIG) {
    return ResourceExhausted(kDiskFull, what, " ", path, ": ", std::strerror(err),
                       "; free space on the device (or lower the chunk store budget) and retry");
  }
  return IoError(what, " ", path, ": ", std::strerror(err));
}

bool IsDiskFull(const Status& status) {
  return status.code() == StatusCode::kResourceExhausted;
}

}  // namespace mota::fetch
