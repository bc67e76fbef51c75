#include "delivery/select/model_targets.h"

#include <filesystem>

#include "base/file.h"
#include "manifests/lib/rollout/verify.h"

namespace mota::select {
namespace {

// The most a rollout document may be when snapshot gives no length (like a targets role).
constexpr int64_t kRolloutMaxLength = 1000000;

std::string RolloutPath(const std::string& metadata_dir, std::string_view model) {
  return StrCat(metadata_dir, "/", rollout::RolloutMetaName(model));
}

// True when the top-level targets delegate a role named `model` that may list `path`.
bool DelegatesRole(const trust::Updater& updater, const std::string& path, std::string_view model) {
  const trust::TargetsRole* top = updater.trusted() ? updater.trusted()->targets("targets") : nullptr;
  if (top == nullptr) return false;
  for (const trust::RoleRef& ref : trust::RolesForTarget(*top, path)) {
    if (ref.name == model) return true;
  }
  return false;
}

}  // namespace

Result<ModelTargets> LoadModelTargets(trust::Updater& updater, trust::Fetcher& fetcher,
                                      std::string_view metadata_url, std::string_view model,
                                      int64_t trusted_rollout_version, int64_t now) {
  MOTA_RETURN_IF_ERROR(tuf::CheckModelName(model, "model"));
  MOTA_RETURN_IF_ERROR(updater.Refresh());
  // The updater loads a delegated role while looking a path up in it; a path no release uses
  // makes it load the model's role without depending on any one variant's name.
  const std::string probe = StrCat("models/", model, "/.select-probe");
  Result<trust::FoundTarget> found = updater.GetTargetInfo(probe);
  if (!found.ok() && found.status().code() != StatusCode::kNotFound) return found.status();
  const trust::TargetsRole* role =
      updater.trusted() ? updater.trusted()->targets(std::string(model)) : nullptr;
  if (role == nullptr && !found.ok() && DelegatesRole(updater, probe, model)) {
    // Delegated, yet not loaded: its file is missing (404 from a mirror not synced yet, or a
    // snapshot naming a version the server lacks). Say so rather than "not published".
    return found.status().WithContext(StrCat("loading the role of model \"", model, "\""));
  }
  if (role == nullptr) {
    return NotFound("model \"", model, "\": the repository's targets delegate no role \"", model,
                    "\" (is the model published?)");
  }
  ModelTargets m;
  for (const auto& [path, file] : role->targets.targets) {
    if (!file.custom) {
      m.skipped.push_back(StrCat(path, ": no custom metadata"));
      continue;
    }
    Result<tuf::VariantTarget> v = tuf::ParseVariantTarget(*file.custom, path);
    if (!v.ok()) {
      m.skipped.push_back(StrCat(path, ": ", v.status().message()));
      continue;
    }
    m.targets.push_back(std::move(*v));
  }
  const std::optional<tuf::Snapshot>& snapshot = updater.trusted()->snapshot();
  const std::string meta_name = rollout::RolloutMetaName(model);
  if (!snapshot || !snapshot->meta.count(meta_name)) return m;
  const tuf::MetaFile& listed = snapshot->meta.at(meta_name);
  const std::string url =
      StrCat(metadata_url, "/", rollout::RolloutFileName(model, listed.version));
  MOTA_ASSIGN_OR_RETURN(std::string bytes,
                        fetcher.Fetch(url, listed.length.value_or(kRolloutMaxLength)));
  MOTA_ASSIGN_OR_RETURN(rollout::Rollout doc,
                        rollout::VerifyRolloutDocument(bytes, updater.trusted()->root(), listed,
                                                       trusted_rollout_version, now, model));
  m.rollout = std::move(doc);
  return m;
}

Result<int64_t> TrustedRolloutVersion(const std::string& metadata_dir, std::string_view model) {
  const std::string path = RolloutPath(metadata_dir, model);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return int64_t{0};
  MOTA_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFile(path));
  const rollout::Json json = rollout::Json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (json.is_discarded()) return DataLoss(path, ": not JSON (the trusted rollout document)");
  MOTA_ASSIGN_OR_RETURN(rollout::Rollout doc, rollout::ParseRollout(json, path));
  if (doc.model != model) {
    return DataLoss(path, ": model is \"", doc.model, "\", expected \"", model, "\"");
  }
  return doc.version;
}

Status PersistRollout(const std::string& metadata_dir, const rollout::Rollout& doc) {
  return WriteFileAtomic(RolloutPath(metadata_dir, doc.model), rollout::ToJson(doc).dump());
}

}  // namespace mota::select
