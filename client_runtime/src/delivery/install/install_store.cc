#include "delivery/install/install_store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <utility>

#include "base/file.h"

namespace mota::install {
namespace {

using nlohmann::json;

constexpr char kPointer[] = "active.json";
constexpr char kBad[] = "bad_variants.json";
constexpr char kTempSuffix[] = ".tmp";
constexpr char kLock[] = "install.lock";
constexpr uint64_t kMaxRecordBytes = 1 << 20;

bool IsPlainName(const std::string& name) {
  if (name.empty() || name.size() > 128 || name == "." || name == "..") return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Status Os(const std::string& what, const std::string& path) {
  return IoError(what, " '", path, "': ", std::strerror(errno));
}

Status MakeDir(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) return Os("cannot create folder", path);
  return Status::Ok();
}

Status FsyncDir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Os("cannot open folder", dir);
  const int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status::Ok() : Os("cannot fsync folder", dir);
}

// temp + write + fsync(file); the hook may stop before the rename (a crash there); then rename +
// fsync(dir).
Status WriteAtomic(const std::string& dir, const std::string& name, const std::string& text,
                   const std::function<Status()>& before_rename) {
  const std::string path = dir + "/" + name, tmp = path + kTempSuffix;
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Os("cannot create", tmp);
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const Status s = Os("cannot write", tmp);
      ::close(fd);
      ::unlink(tmp.c_str());
      return s;
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const Status s = Os("cannot fsync", tmp);
    ::unlink(tmp.c_str());
    return s;
  }
  if (before_rename) MOTA_RETURN_IF_ERROR(before_rename());
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const Status s = Os(StrCat("cannot rename '", tmp, "' to"), path);
    ::unlink(tmp.c_str());
    return s;
  }
  return FsyncDir(dir);
}

json ToJson(const VariantParams& p) {
  json j = json::object();
  if (!p.precision.empty()) j["precision"] = p.precision;
  if (p.threads != 0) j["threads"] = p.threads;
  if (!p.workgroup_size.empty()) j["workgroup_size"] = p.workgroup_size;
  if (!p.vulkan_params.empty()) j["vulkan_params"] = p.vulkan_params;
  if (!p.vulkan_quirks.empty()) j["vulkan_quirks"] = p.vulkan_quirks;
  return j;
}

json ToJson(const InstalledVariant& v) {
  json j{{"backend", v.backend},
         {"file", v.file},
         {"release", v.release},
         {"sha256", v.sha256},
         {"variant", v.variant}};
  if (!v.params.empty()) j["params"] = ToJson(v.params);
  return j;
}

Status Corrupt(const std::string& path, const std::string& what) {
  return DataLoss(path, ": ", what, " (the file is written only by mota: remove the model folder ",
                  "to reinstall)");
}

Result<std::string> StringField(const json& j, const char* key, const std::string& path,
                                const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string())
    return Corrupt(path, StrCat(where, ".", key, " is missing or not a string"));
  return it->get<std::string>();
}

Result<int64_t> ReleaseField(const json& j, const std::string& path, const std::string& where) {
  auto it = j.find("release");
  if (it == j.end() || !it->is_number_integer() || it->get<int64_t>() < 0)
    return Corrupt(path, StrCat(where, ".release is missing or not a non-negative integer"));
  return it->get<int64_t>();
}

// A family or name as VulkanTuningText writes it ("family:name=value,..."): one holding a
// separator would hand the backend items the variant never had (found by tests/fuzz
// install_record).
bool IsTuningToken(const std::string& s) {
  return !s.empty() && s.find_first_of(",:=") == std::string::npos;
}

// `<at>` = {family: {name: integer}}; names are checked by the backend that applies them.
Status ParseVulkanParams(const json& j, const std::string& path, const std::string& at,
                         VariantParams* p) {
  if (!j.is_object()) return Corrupt(path, StrCat(at, " is not an object"));
  for (const auto& [family, values] : j.items()) {
    if (!IsTuningToken(family))
      return Corrupt(path, StrCat(at, ": GPU family '", family, "' is empty or holds , : or ="));
    if (!values.is_object()) return Corrupt(path, StrCat(at, ".", family, " is not an object"));
    std::map<std::string, int64_t>& out = p->vulkan_params[family];
    for (const auto& [name, value] : values.items()) {
      if (!IsTuningToken(name))
        return Corrupt(path, StrCat(at, ".", family, ": parameter name '", name,
                                    "' is empty or holds , : or ="));
      if (!value.is_number_integer())
        return Corrupt(path, StrCat(at, ".", family, ".", name, " is not an integer"));
      out[name] = value.get<int64_t>();
    }
  }
  return Status::Ok();
}

// `<where>.params`; absent (records written before variants had parameters): none.
Result<VariantParams> ParseParams(const json& entry, const std::string& path,
                                  const std::string& where) {
  VariantParams p;
  auto it = entry.find("params");
  if (it == entry.end()) return p;
  const std::string at = where + ".params";
  if (!it->is_object()) return Corrupt(path, StrCat(at, " is not an object"));
  if (it->contains("precision")) {
    MOTA_ASSIGN_OR_RETURN(p.precision, StringField(*it, "precision", path, at));
  }
  if (it->contains("vulkan_quirks")) {
    MOTA_ASSIGN_OR_RETURN(p.vulkan_quirks, StringField(*it, "vulkan_quirks", path, at));
  }
  if (auto t = it->find("threads"); t != it->end()) {
    // Its range is the backend's to check (INVALID_ARGUMENT naming it when the model opens).
    if (!t->is_number_integer()) return Corrupt(path, StrCat(at, ".threads is not an integer"));
    p.threads = t->get<int64_t>();
  }
  if (auto w = it->find("workgroup_size"); w != it->end()) {
    if (!w->is_object()) return Corrupt(path, StrCat(at, ".workgroup_size is not an object"));
    for (const auto& [family, size] : w->items()) {
      const auto dim = [&](size_t i) {
        return size[i].is_number_integer() ? size[i].get<int64_t>() : int64_t{0};
      };
      if (!size.is_array() || size.size() != 3 || dim(0) < 1 || dim(1) < 1 || dim(2) < 1 ||
          dim(0) > 1024 || dim(1) > 1024 || dim(2) > 1024 || dim(0) * dim(1) * dim(2) > 1024) {
        return Corrupt(path, StrCat(at, ".workgroup_size.", family,
                                    " is not [x, y, z] with x*y*z <= 1024: ", size.dump()));
      }
      p.workgroup_size[family] = {dim(0), dim(1), dim(2)};
    }
  }
  if (auto v = it->find("vulkan_params"); v != it->end()) {
    MOTA_RETURN_IF_ERROR(ParseVulkanParams(*v, path, at + ".vulkan_params", &p));
  }
  return p;
}

Result<std::optional<InstalledVariant>> ParseInstalled(const json& j, const std::string& path,
                                                       const std::string& where) {
  if (j.is_null()) return std::optional<InstalledVariant>();
  if (!j.is_object()) return Corrupt(path, StrCat(where, " is not an object or null"));
  InstalledVariant v;
  MOTA_ASSIGN_OR_RETURN(v.release, ReleaseField(j, path, where));
  MOTA_ASSIGN_OR_RETURN(v.variant, StringField(j, "variant", path, where));
  MOTA_ASSIGN_OR_RETURN(v.backend, StringField(j, "backend", path, where));
  MOTA_ASSIGN_OR_RETURN(v.sha256, StringField(j, "sha256", path, where));
  MOTA_ASSIGN_OR_RETURN(v.file, StringField(j, "file", path, where));
  MOTA_ASSIGN_OR_RETURN(v.params, ParseParams(j, path, where));
  if (!IsPlainName(v.file))
    return Corrupt(path, StrCat(where, ".file '", v.file, "' is not a plain name"));
  return std::optional<InstalledVariant>(std::move(v));
}

// The parsed JSON of `dir/name`; null when the file does not exist.
Result<json> ReadRecord(const std::string& dir, const char* name) {
  const std::string path = dir + "/" + name;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return json();
    return Os("cannot stat", path);
  }
  if (static_cast<uint64_t>(st.st_size) > kMaxRecordBytes)
    return Corrupt(path, StrCat("size ", st.st_size, " exceeds ", kMaxRecordBytes, " bytes"));
  MOTA_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFile(path));
  json j = json::parse(bytes.begin(), bytes.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Corrupt(path, "not a JSON object");
  return j;
}

// dump() throws on invalid UTF-8 (a reason may quote any bytes): replace them instead.
std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

exec::BackendOptions ToBackendOptions(const VariantParams& params, exec::BackendOptions base) {
  if (params.threads != 0) base.threads = static_cast<int>(params.threads);
  base.precision = params.precision;
  base.vulkan_workgroup_size = params.workgroup_size;
  base.vulkan_quirks_json = params.vulkan_quirks;
  if (!params.vulkan_params.empty()) base.vulkan_tuning = VulkanTuningText(params.vulkan_params);
  return base;
}

std::string VulkanTuningText(
    const std::map<std::string, std::map<std::string, int64_t>>& vulkan_params) {
  std::string out;
  for (const auto& [family, values] : vulkan_params) {
    if (values.empty()) out += StrCat(out.empty() ? "" : ",", family, ":");
    for (const auto& [name, value] : values) {
      out += StrCat(out.empty() ? "" : ",", family, ":", name, "=", value);
    }
  }
  return out;
}

const char* StepName(Step step) {
  switch (step) {
    case Step::kAssembled:
      return "assembled";
    case Step::kVerified:
      return "verified";
    case Step::kSelftestPassed:
      return "self-test passed";
    case Step::kPointerTempWritten:
      return "pointer temp written";
    case Step::kPointerSwitched:
      return "pointer switched";
  }
  return "?";
}

Result<std::string> InstallStore::FileName(int64_t release, const std::string& variant) {
  if (!IsPlainName(variant))
    return InvalidArgument("variant id '", variant,
                           "' is not a plain name ([A-Za-z0-9._-], 1..128)");
  if (release < 0) return InvalidArgument("release ", release, " is negative");
  return StrCat(release, "-", variant, ".mota");
}

Result<InstallStore> InstallStore::Open(const std::string& root, const std::string& model) {
  if (!IsPlainName(model))
    return InvalidArgument("model name '", model, "' is not a plain name ([A-Za-z0-9._-], 1..128)");
  MOTA_RETURN_IF_ERROR(MakeDir(root));
  MOTA_RETURN_IF_ERROR(MakeDir(root + "/models"));
  InstallStore store;
  store.dir_ = root + "/models/" + model;
  MOTA_RETURN_IF_ERROR(MakeDir(store.dir_));
  MOTA_RETURN_IF_ERROR(store.ReadRecords());
  store.RemoveLeftovers();
  return store;
}

Status InstallStore::ReadRecords() {
  MOTA_ASSIGN_OR_RETURN(json pointer, ReadRecord(dir_, kPointer));
  const std::string pointer_path = dir_ + "/" + kPointer;
  if (!pointer.is_null()) {
    MOTA_ASSIGN_OR_RETURN(active_,
                          ParseInstalled(pointer.value("active", json()), pointer_path, "active"));
    MOTA_ASSIGN_OR_RETURN(
        previous_, ParseInstalled(pointer.value("previous", json()), pointer_path, "previous"));
    auto why = pointer.find("uninstalled");
    if (why != pointer.end()) {
      if (!why->is_string()) return Corrupt(pointer_path, "\"uninstalled\" is not a string");
      uninstalled_ = why->get<std::string>();
    }
  }
  MOTA_ASSIGN_OR_RETURN(json bad, ReadRecord(dir_, kBad));
  if (bad.is_null()) return Status::Ok();
  const std::string bad_path = dir_ + "/" + kBad;
  auto list = bad.find("bad");
  if (list == bad.end() || !list->is_array()) return Corrupt(bad_path, "\"bad\" is not an array");
  for (size_t i = 0; i < list->size(); ++i) {
    const json& e = (*list)[i];
    const std::string where = StrCat("bad[", i, "]");
    if (!e.is_object()) return Corrupt(bad_path, StrCat(where, " is not an object"));
    BadVariant b;
    MOTA_ASSIGN_OR_RETURN(b.release, ReleaseField(e, bad_path, where));
    MOTA_ASSIGN_OR_RETURN(b.variant, StringField(e, "variant", bad_path, where));
    MOTA_ASSIGN_OR_RETURN(b.backend, StringField(e, "backend", bad_path, where));
    MOTA_ASSIGN_OR_RETURN(b.reason, StringField(e, "reason", bad_path, where));
    bad_.push_back(std::move(b));
  }
  return Status::Ok();
}

Status InstallStore::LockForInstall() {
  if (install_lock_) return Status::Ok();
  const std::string path = dir_ + "/" + kLock;
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Os("cannot open the install lock", path);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const bool busy = errno == EWOULDBLOCK;
    const Status s = busy ? FailedPrecondition("another installation of ", dir_, " is running (",
                                               path, " is locked)")
                          : Os("cannot lock", path);
    ::close(fd);
    return s;
  }
  install_lock_ = std::shared_ptr<int>(new int(fd), [](int* p) {
    ::close(*p);  // releases the flock
    delete p;
  });
  return Status::Ok();
}

// Only names this store or AssembleFile create are removed; anything else is left alone.
void InstallStore::RemoveLeftovers() const {
  // Held (non-blocking) while removing, so no installation can start meanwhile; an installation
  // running now owns the candidate and temp files: leave them.
  int lock_fd = -1;
  if (!install_lock_) {
    lock_fd = ::open((dir_ + "/" + kLock).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock_fd >= 0 && ::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(lock_fd);
      return;
    }
  }
  RemoveUnreferenced();
  if (lock_fd >= 0) ::close(lock_fd);
}

void InstallStore::RemoveUnreferenced() const {
  DIR* d = ::opendir(dir_.c_str());
  if (d == nullptr) return;
  std::vector<std::string> doomed;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    const bool referenced =
        (active_ && active_->file == name) || (previous_ && previous_->file == name);
    const bool temp =
        EndsWith(name, kTempSuffix) || name.find(".mota.partial-") != std::string::npos;
    if (temp || (EndsWith(name, ".mota") && !referenced)) doomed.push_back(name);
  }
  ::closedir(d);
  for (const std::string& name : doomed) ::unlink((dir_ + "/" + name).c_str());
}

const BadVariant* InstallStore::FindBad(int64_t release, const std::string& variant) const {
  for (const BadVariant& b : bad_) {
    if (b.release == release && b.variant == variant) return &b;
  }
  return nullptr;
}

Status InstallStore::MarkBad(BadVariant bad) {
  std::vector<BadVariant> next;
  for (const BadVariant& b : bad_) {
    if (b.release != bad.release || b.variant != bad.variant) next.push_back(b);
  }
  next.push_back(std::move(bad));
  json list = json::array();
  for (const BadVariant& b : next) {
    list.push_back(json{{"backend", b.backend},
                        {"reason", b.reason},
                        {"release", b.release},
                        {"variant", b.variant}});
  }
  MOTA_RETURN_IF_ERROR(WriteAtomic(dir_, kBad, Dump(json{{"bad", list}}), nullptr));
  bad_ = std::move(next);
  return Status::Ok();
}

Status InstallStore::WritePointer(const FaultHook& fault, const std::string& candidate) {
  json pointer{{"active", active_ ? ToJson(*active_) : json()},
               {"previous", previous_ ? ToJson(*previous_) : json()}};
  if (!uninstalled_.empty()) pointer["uninstalled"] = uninstalled_;
  std::function<Status()> before_rename;
  if (fault) before_rename = [&] { return fault(Step::kPointerTempWritten, candidate); };
  return WriteAtomic(dir_, kPointer, Dump(pointer), before_rename);
}

Status InstallStore::SwitchActive(InstalledVariant next, const FaultHook& fault,
                                  bool keep_current) {
  if (!IsPlainName(next.file)) return InvalidArgument("file '", next.file, "' is not a plain name");
  const std::string path = PathOf(next);
  if (::access(path.c_str(), R_OK) != 0) return Os("cannot activate a missing file", path);
  const auto old_active = active_, old_previous = previous_;
  const std::string old_uninstalled = uninstalled_;
  if (!keep_current) {
    previous_.reset();
  } else if (!active_ || active_->file != next.file) {
    previous_ = active_;  // else the same file again (a repair): keep the older previous
  }
  active_ = std::move(next);
  uninstalled_.clear();
  Status s = WritePointer(fault, path);
  if (!s.ok()) {  // the pointer on disk is unchanged: so is this object
    active_ = old_active;
    previous_ = old_previous;
    uninstalled_ = old_uninstalled;
    return s;
  }
  if (fault) MOTA_RETURN_IF_ERROR(fault(Step::kPointerSwitched, path));
  RemoveLeftovers();  // the file that is neither active nor previous any more
  return Status::Ok();
}

Status InstallStore::Uninstall(const std::string& reason) {
  if (reason.empty()) return InvalidArgument("Uninstall of ", dir_, ": give the reason");
  const auto old_active = active_, old_previous = previous_;
  const std::string old_uninstalled = uninstalled_;
  active_.reset();
  previous_.reset();
  uninstalled_ = reason;
  Status s = WritePointer(nullptr, dir_);
  if (!s.ok()) {
    active_ = old_active;
    previous_ = old_previous;
    uninstalled_ = old_uninstalled;
    return s;
  }
  RemoveLeftovers();  // every .mota file: no entry names one now
  return Status::Ok();
}

Status InstallStore::RollBack(const std::string& reason) {
  if (!active_) return FailedPrecondition("cannot roll back ", dir_, ": nothing is active");
  if (!previous_)
    return FailedPrecondition("cannot roll back ", dir_, ": release ", active_->release,
                              " variant '", active_->variant,
                              "' has no previous version to return to");
  const InstalledVariant failed = *active_;
  MOTA_RETURN_IF_ERROR(MarkBad({failed.release, failed.variant, failed.backend, reason}));
  active_ = previous_;
  previous_.reset();
  Status s = WritePointer(nullptr, PathOf(*active_));
  if (!s.ok()) {
    previous_ = active_;
    active_ = failed;
    return s;
  }
  RemoveLeftovers();
  return Status::Ok();
}

}  // namespace mota::install
