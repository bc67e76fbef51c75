#include "delivery/trust/test_repo_test_util.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "manifests/lib/tuf/verify.h"
#include "manifests/lib/tuf_sign/sign.h"

namespace mota::trust::testing {
namespace {

const char* kTopLevel[] = {"root", "targets", "snapshot", "timestamp"};

bool IsTopLevel(const std::string& role) {
  for (const char* r : kTopLevel) {
    if (role == r) return true;
  }
  return false;
}

tuf::MetaFile MetaOf(int64_t version, const std::string& bytes, bool hashes) {
  tuf::MetaFile m;
  m.version = version;
  if (hashes) {
    m.length = static_cast<int64_t>(bytes.size());
    m.hashes["sha256"] = tuf::Sha256Hex(bytes);
  }
  return m;
}

}  // namespace

TestRepo::TestRepo() {
  root.version = targets.version = snapshot.version = timestamp.version = 1;
  root.expires = kNow + 365 * kDay;
  targets.expires = kNow + 90 * kDay;
  snapshot.expires = kNow + 7 * kDay;
  timestamp.expires = kNow + kDay;
  root.consistent_snapshot = true;
  for (const char* role : kTopLevel) {
    root.roles[role].threshold = 1;
    AddKey(role);
  }
}

tuf::Targets& TestRepo::TargetsOf(const std::string& role) {
  return role == "targets" ? targets : delegated.at(role);
}

const tuf::SigningKey& TestRepo::AddKey(const std::string& role) {
  Result<tuf::SigningKey> key = tuf::SigningKey::Generate();
  EXPECT_TRUE(key.ok()) << key.status().ToString();
  keys[role].push_back(key.value());
  const tuf::SigningKey& k = keys[role].back();
  if (IsTopLevel(role)) {
    root.keys[k.keyid()] = k.PublicKey();
    root.roles[role].keyids.push_back(k.keyid());
    return k;
  }
  // A delegated role: its delegator lists the key.
  for (tuf::Targets* parent : [&] {
         std::vector<tuf::Targets*> all = {&targets};
         for (auto& [name, t] : delegated) all.push_back(&t);
         return all;
       }()) {
    if (!parent->delegations) continue;
    for (tuf::DelegatedRole& r : parent->delegations->roles) {
      if (r.name != role) continue;
      parent->delegations->keys[k.keyid()] = k.PublicKey();
      r.keyids.push_back(k.keyid());
    }
  }
  return k;
}

void TestRepo::RotateKey(const std::string& role) {
  keys[role].clear();
  if (IsTopLevel(role)) root.roles[role].keyids.clear();
  AddKey(role);
}

tuf::DelegatedRole& TestRepo::Delegate(const std::string& delegator, const std::string& name,
                                       std::vector<std::string> paths, bool terminating) {
  tuf::Targets& parent = TargetsOf(delegator);
  if (!parent.delegations) parent.delegations = tuf::Delegations{};
  tuf::DelegatedRole role;
  role.name = name;
  role.terminating = terminating;
  role.paths = std::move(paths);
  parent.delegations->roles.push_back(role);
  tuf::Targets& child = delegated[name];
  child.version = 1;
  child.expires = kNow + 90 * kDay;
  keys[name].clear();
  AddKey(name);
  for (tuf::DelegatedRole& r : TargetsOf(delegator).delegations->roles) {
    if (r.name == name) return r;
  }
  return parent.delegations->roles.back();
}

std::string TestRepo::Sign(const tuf::Json& signed_json, const std::string& role) const {
  std::vector<const tuf::SigningKey*> signers;
  for (const tuf::SigningKey& k : keys.at(role)) signers.push_back(&k);
  Result<std::string> bytes = tuf::SignEnvelope(signed_json, signers);
  EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
  return bytes.ok() ? bytes.value() : std::string();
}

void TestRepo::PublishRoot(const std::vector<const tuf::SigningKey*>& extra) {
  std::vector<const tuf::SigningKey*> signers = extra;
  for (const tuf::SigningKey& k : keys.at("root")) signers.push_back(&k);
  Result<std::string> bytes = tuf::SignEnvelope(tuf::ToJson(root), signers);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  files[tuf::Cat("metadata/", root.version, ".root.json")] = bytes.value();
}

void TestRepo::Publish() {
  for (auto& [name, role] : delegated) {
    const std::string bytes = Sign(tuf::ToJson(role), name);
    files[tuf::Cat("metadata/", role.version, ".", name, ".json")] = bytes;
    snapshot.meta[name + ".json"] = MetaOf(role.version, bytes, snapshot_meta_hashes);
  }
  tuf::Json targets_json = tuf::ToJson(targets);
  // A succinct (hash-bin) delegation has no "roles"; the shared model always writes the list.
  if (targets.delegations && targets.delegations->roles.empty() &&
      targets.delegations->unrecognized.contains("succinct_roles")) {
    targets_json["delegations"].erase("roles");
  }
  const std::string targets_bytes = Sign(targets_json, "targets");
  files[tuf::Cat("metadata/", targets.version, ".targets.json")] = targets_bytes;
  snapshot.meta["targets.json"] = MetaOf(targets.version, targets_bytes, snapshot_meta_hashes);
  const std::string snapshot_bytes = Sign(tuf::ToJson(snapshot), "snapshot");
  files[tuf::Cat("metadata/", snapshot.version, ".snapshot.json")] = snapshot_bytes;
  timestamp.meta["snapshot.json"] = MetaOf(snapshot.version, snapshot_bytes, snapshot_meta_hashes);
  files["metadata/timestamp.json"] = Sign(tuf::ToJson(timestamp), "timestamp");
  if (root.consistent_snapshot) return;
  // Without consistent snapshots clients fetch the plain names.
  for (auto& [name, role] : delegated) {
    files["metadata/" + name + ".json"] =
        files[tuf::Cat("metadata/", role.version, ".", name, ".json")];
  }
  files["metadata/targets.json"] = targets_bytes;
  files["metadata/snapshot.json"] = snapshot_bytes;
}

void TestRepo::BumpVersions() {
  ++targets.version;
  for (auto& [name, role] : delegated) ++role.version;
  ++snapshot.version;
  ++timestamp.version;
}

void TestRepo::AddTarget(const std::string& role, const std::string& path,
                         const std::string& content) {
  tuf::TargetFile file;
  file.length = static_cast<int64_t>(content.size());
  file.hashes["sha256"] = tuf::Sha256Hex(content);
  TargetsOf(role).targets[path] = file;
  const size_t slash = path.rfind('/');
  const size_t base = slash == std::string::npos ? 0 : slash + 1;
  files["targets/" + path.substr(0, base) + file.hashes["sha256"] + "." + path.substr(base)] =
      content;
  files["targets/" + path] = content;  // the plain name, for repositories without hash prefixes
}

Result<std::string> RepoFetcher::Fetch(const std::string& url, int64_t max_length) {
  static const std::string kPrefix = "https://repo/";
  if (url.rfind(kPrefix, 0) != 0) return NotFound("no such host in ", url);
  const std::string path = url.substr(kPrefix.size());
  ++requests[path];
  caps[path] = max_length;
  auto o = overrides.find(path);
  const std::string* body = nullptr;
  if (o != overrides.end()) {
    body = &o->second;
  } else if (auto f = repo_->files.find(path); f != repo_->files.end()) {
    body = &f->second;
  }
  if (!body) return NotFound("HTTP 404 for ", url);
  if (!ignore_cap && static_cast<int64_t>(body->size()) > max_length) {
    return OutOfRange(url, ": more than ", max_length, " bytes, stopped reading");
  }
  return *body;
}

std::string MakeTempDir(const std::string& name) {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string dir = ::testing::TempDir() + "/mota_trust_" + std::to_string(::getpid()) + "_" +
                          (info ? info->name() : "x") + "_" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace mota::trust::testing
