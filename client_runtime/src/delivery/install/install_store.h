// The device's install store: one folder per model with its installed .mota files, the `active`
// pointer and the variants that failed here.
//
//   <root>/models/<model>/<release>-<variant>.mota   installed files (active, previous, a
//                                                    candidate)
//   <root>/models/<model>/active.json        {"active":{...}|null,"previous":{...}|null,
//                                             "uninstalled":"why"} (the last key only after
//                                             Uninstall, until the next activation); an entry
//                                             has "params" (VariantParams) when the variant
//                                             has any; a record without it (or without one
//                                             of its keys, e.g. "vulkan_params") still loads
//   <root>/models/<model>/bad_variants.json  {"bad":[{"backend","reason","release","variant"}]}
//
//   MOTA_ASSIGN_OR_RETURN(InstallStore store, InstallStore::Open("/data/mota", "mobilenet"));
//   if (store.active()) OpenModel(store.PathOf(*store.active()));
//
// The pointer is the only thing that says which file runs, and it is replaced atomically (temp
// file, fsync(file), rename, fsync(dir)): a crash leaves the old pointer or the new one, and each
// names a whole file that passed its self-test. The previous active file is kept until a newer
// one has passed too, so RollBack can return to it. Open removes what a crash may have left:
// pointer temp files, assembler temp files and .mota files neither pointer entry names, but only
// while no installation holds the model's install lock (<dir>/install.lock, flock): a store
// opened to read the active version while another one installs (another process, the app's
// inference side) must not delete the candidate being downloaded or self-tested.
// Not thread-safe; one process installs a model at a time (LockForInstall). Exception-free.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "exec/backend.h"

namespace mota::install {

// The variant's backend parameters, from its target's custom metadata (manifests/lib/tuf/
// target_custom.h VariantTarget: precision, tuning, `vulkan_quirks`). Kept with the installed
// file so that the self-test and every later open run it as the packager meant.
struct VariantParams {
  std::string precision;  // "fp32" | "fp16" | "int8" | "int8-weights"; empty: the model's
  int64_t threads = 0;    // tuning.threads (cpu); 0: the caller's choice
  // tuning.workgroup_size (vulkan): GPU family ("default", "0x10de") -> [x, y, z]
  std::map<std::string, std::array<int64_t, 3>> workgroup_size;
  // tuning.vulkan_params (vulkan): GPU family -> Vulkan tuning parameter -> value, every family
  // kept: the backend picks its GPU's entry (ToBackendOptions).
  std::map<std::string, std::map<std::string, int64_t>> vulkan_params;
  std::string vulkan_quirks;  // the `vulkan_quirks` list as JSON text; empty: none
  bool empty() const {
    return precision.empty() && threads == 0 && workgroup_size.empty() && vulkan_params.empty() &&
           vulkan_quirks.empty();
  }
  bool operator==(const VariantParams&) const = default;
};

// `base` with the variant's parameters over it (threads and vulkan_tuning only when the variant
// sets them). vulkan_params become BackendOptions::vulkan_tuning as every family's entry,
// qualified and sorted (VulkanTuningText): the install layer does not know which GPU the backend
// will open, the backend does, and applies its vendor's entry, else the default one
// (exec/vulkan/vk_tuning.h ApplyTuningParameters).
exec::BackendOptions ToBackendOptions(const VariantParams& params, exec::BackendOptions base = {});

// "0x10005:,0x10de:gemm_min_groups=512,default:gemm_tile=8,default:reduce_wg=32": families and
// names in sorted order (deterministic); an empty entry is the bare "family:" (that vendor
// keeps the backend's defaults instead of taking "default"). Empty map: "".
std::string VulkanTuningText(
    const std::map<std::string, std::map<std::string, int64_t>>& vulkan_params);

// One installed file. `file` is its name inside the model's folder.
struct InstalledVariant {
  int64_t release = 0;
  std::string variant;
  std::string backend;  // what it passed its self-test on
  std::string sha256;   // of the whole file
  std::string file;
  VariantParams params;  // what it passed its self-test with
  bool operator==(const InstalledVariant&) const = default;
};

// A variant that failed here: never tried again on this device.
struct BadVariant {
  int64_t release = 0;
  std::string variant;
  std::string backend;
  std::string reason;
  bool operator==(const BadVariant&) const = default;
};

// Points where tests stop an installation as a crash would (nothing cleaned up after it).
enum class Step {
  kAssembled,           // the candidate file is in the folder, not yet verified
  kVerified,            // its whole-file hash matched
  kSelftestPassed,      // before the pointer is written
  kPointerTempWritten,  // active.json's temp file is written and fsync'ed, not renamed
  kPointerSwitched,     // renamed and the folder fsync'ed, old files not yet removed
};
const char* StepName(Step step);
// Called at each step with the candidate file's path; a non-OK status stops there and is returned.
using FaultHook = std::function<Status(Step step, const std::string& path)>;

class InstallStore {
 public:
  // Creates the folder when missing, reads both records, removes crash leftovers. `model` must
  // be a plain name ([A-Za-z0-9._-], not "." or ".."). DATA_LOSS names a corrupt record.
  static Result<InstallStore> Open(const std::string& root, const std::string& model);

  const std::string& dir() const { return dir_; }
  const std::optional<InstalledVariant>& active() const { return active_; }
  const std::optional<InstalledVariant>& previous() const { return previous_; }
  const std::vector<BadVariant>& bad_variants() const { return bad_; }
  // Why nothing is active when Uninstall cleared the model; empty otherwise.
  const std::string& uninstalled() const { return uninstalled_; }

  // "<release>-<variant>.mota"; INVALID_ARGUMENT when the variant is not a plain name.
  static Result<std::string> FileName(int64_t release, const std::string& variant);
  std::string PathOf(const InstalledVariant& v) const { return dir_ + "/" + v.file; }

  // Takes the model's install lock, held until this store (and every copy of it) is destroyed:
  // from before a candidate file is written until it is active or removed. Idempotent.
  // FAILED_PRECONDITION when another process (or store) installs this model now.
  Status LockForInstall();

  // The record when this release's variant failed here before.
  const BadVariant* FindBad(int64_t release, const std::string& variant) const;
  // Adds (or replaces) the record and writes bad_variants.json atomically.
  Status MarkBad(BadVariant bad);

  // Makes `next` active and the current active the previous one, atomically, then removes the
  // file that is now neither. `next.file` must exist in the folder. With `keep_current` false
  // (the current release was revoked: it must never run again, not even by RollBack) nothing is
  // kept as previous. Re-activating the active file (a repair) keeps the previous one.
  Status SwitchActive(InstalledVariant next, const FaultHook& fault = nullptr,
                      bool keep_current = true);

  // Clears the active and previous versions in one atomic pointer write that records `reason`
  // (uninstalled()), then removes their files. A crash before the write leaves the old pointer,
  // one after it leaves files that Open removes. Bad-variant records stay.
  Status Uninstall(const std::string& reason);

  // The active variant failed after activation: mark it bad with `reason` and make the previous
  // one active again. FAILED_PRECONDITION when there is no previous version to return to.
  Status RollBack(const std::string& reason);

 private:
  InstallStore() = default;
  Status ReadRecords();
  Status WritePointer(const FaultHook& fault, const std::string& candidate);
  // Removes crash leftovers unless another store holds the install lock.
  void RemoveLeftovers() const;
  void RemoveUnreferenced() const;

  std::string dir_;
  std::optional<InstalledVariant> active_, previous_;
  std::vector<BadVariant> bad_;
  std::string uninstalled_;
  std::shared_ptr<int> install_lock_;  // the flock'ed fd, closed with the last copy
};

}  // namespace mota::install
