#include "server/repository/publish_test_util.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zstd.h>

#include <atomic>
#include <filesystem>

#include "manifests/lib/bundle/index.h"
#include "manifests/lib/tuf/target_custom.h"
#include "manifests/lib/tuf/verify.h"
#include "manifests/lib/tuf_sign/sign.h"
#include "server/repository/repo_state.h"
#include "server/storage/atomic_file.h"

namespace mota::server::repository::testing {
namespace {

namespace fs = std::filesystem;

tuf::SigningKey NewKey() { return tuf::SigningKey::Generate().value(); }

std::string Signed(const tuf::Json& j, const tuf::SigningKey& key) {
  Result<std::string> bytes = tuf::SignEnvelope(j, {&key});
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.value();
}

void Write(const std::string& path, const std::string& bytes) {
  fs::create_directories(fs::path(path).parent_path());
  ASSERT_TRUE(storage::WriteFileAtomic(path, bytes).ok()) << path;
}

tuf::RoleKeys RoleOf(const tuf::SigningKey& key) {
  tuf::RoleKeys r;
  r.keyids = {key.keyid()};
  return r;
}

}  // namespace

TestKeys TestKeys::Make() { return {NewKey(), NewKey(), NewKey(), NewKey(), NewKey(), NewKey()}; }

std::string FreshDir(const std::string& label) {
  static std::atomic<int> counter{0};
  const fs::path dir =
      fs::temp_directory_path() /
      ("mota_srv_" + label + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

void InitRepo(const std::string& repo, const TestKeys& k) {
  tuf::Root root;
  root.expires = kNow + 365 * kDay;
  for (const tuf::SigningKey* key : {&k.root, &k.targets, &k.snapshot, &k.timestamp}) {
    root.keys[key->keyid()] = key->PublicKey();
  }
  root.roles["root"] = RoleOf(k.root);
  root.roles["targets"] = RoleOf(k.targets);
  root.roles["snapshot"] = RoleOf(k.snapshot);
  root.roles["timestamp"] = RoleOf(k.timestamp);
  const std::string root_bytes = Signed(tuf::ToJson(root), k.root);
  tuf::Targets targets;
  targets.expires = kNow + 90 * kDay;
  targets.delegations = tuf::Delegations{};
  const std::string targets_bytes = Signed(tuf::ToJson(targets), k.targets);
  tuf::Snapshot snap;
  snap.expires = kNow + 7 * kDay;
  snap.meta["targets.json"] = tuf::MetaOf(1, targets_bytes);
  const std::string snap_bytes = Signed(tuf::ToJson(snap), k.snapshot);
  tuf::Timestamp ts;
  ts.expires = kNow + kDay;
  ts.meta["snapshot.json"] = tuf::MetaOf(1, snap_bytes);
  const std::string meta = repo + "/metadata/";
  Write(meta + "1.root.json", root_bytes);
  Write(meta + "root.json", root_bytes);
  Write(meta + "1.targets.json", targets_bytes);
  Write(meta + "1.snapshot.json", snap_bytes);
  Write(meta + "timestamp.json", Signed(tuf::ToJson(ts), k.timestamp));
  fs::create_directories(repo + "/blobs");
}

Chunk MakeChunk(const std::string& content) {
  Chunk c;
  c.content = content;
  c.name = tuf::Sha256Hex(content);
  c.frame.resize(ZSTD_compressBound(content.size()));
  const size_t n = ZSTD_compress(c.frame.data(), c.frame.size(), content.data(), content.size(), 3);
  EXPECT_FALSE(ZSTD_isError(n));
  c.frame.resize(n);
  return c;
}

std::string MakeIndex(const std::vector<Chunk>& chunks) {
  bundle::VariantIndex index;
  std::string whole;
  for (const Chunk& c : chunks) {
    index.chunks.push_back({.sha256 = c.name,
                            .size = c.content.size(),
                            .zstd_sha256 = tuf::Sha256Hex(c.frame),
                            .zstd_size = c.frame.size(),
                            .offset = whole.size()});
    whole += c.content;
  }
  index.sha256 = tuf::Sha256Hex(whole);
  index.size = whole.size();
  Result<std::string> bytes = bundle::SerializeIndex(index);
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.value();
}

PublishRequest MakeRequest(const TestKeys& keys, const ReleaseSpec& spec,
                           const tuf::Targets& previous) {
  PublishRequest req;
  req.model = spec.model;
  tuf::Targets role = previous;
  role.version = spec.role_version;
  role.expires = kNow + 90 * kDay;
  const std::string index = spec.variants.empty() ? "" : MakeIndex(spec.chunks);
  for (const std::string& variant : spec.variants) {
    tuf::VariantTarget v;
    v.model = spec.model;
    v.release = spec.release;
    v.version = "1.0." + std::to_string(spec.release);
    v.variant = variant;
    v.backend = "cpu";
    v.precision = "fp32";
    v.min_runtime_version = "0.1.0";
    const std::string path = tuf::VariantTargetPath(spec.model, variant, spec.release);
    tuf::TargetFile f;
    f.length = static_cast<int64_t>(index.size());
    f.hashes["sha256"] = tuf::Sha256Hex(index);
    f.custom = tuf::ToJson(v);
    role.targets[path] = f;
    req.target_files[path] = index;
  }
  req.role_metadata = Signed(tuf::ToJson(role), spec.role_signer ? *spec.role_signer : keys.team);
  if (spec.targets_version >= 1) {
    tuf::Targets top;
    top.version = spec.targets_version;
    top.expires = kNow + 90 * kDay;
    tuf::Delegations d;
    d.keys[keys.team.keyid()] = keys.team.PublicKey();
    tuf::DelegatedRole r;
    r.name = spec.model;
    r.keyids = {keys.team.keyid()};
    r.terminating = true;
    r.paths = std::vector<std::string>{tuf::ModelPathPattern(spec.model)};
    d.roles.push_back(r);
    top.delegations = d;
    req.targets_metadata = Signed(tuf::ToJson(top), keys.targets);
  }
  return req;
}

}  // namespace mota::server::repository::testing
