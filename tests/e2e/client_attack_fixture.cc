#include "tests/e2e/client_attack_fixture.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <fstream>
#include <mutex>

#include "base/file.h"
#include "manifests/lib/bundle/index.h"
#include "manifests/lib/rollout/rollout.h"
#include "manifests/lib/tuf/repo_files.h"
#include "manifests/lib/tuf_sign/sign.h"
#include "packager/src/deploy_spec.h"
#include "packager/src/package.h"
#include "packager/src/repo.h"
#include "tests/e2e/e2e_util.h"

namespace mota::e2e {
namespace {

const std::string kMota = MOTA_CLI_PATH;
const std::string kModel = std::string(MOTA_SHARED_DIR) + "/models/mlp_784_256_10.onnx";

Status WriteBytes(const fs::path& path, const std::string& bytes) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  return WriteFileAtomic(path.string(), bytes);
}

Result<tuf::SigningKey> Key() { return tuf::SigningKey::Generate(); }

Status MakeKeys(TestKeys* k) {
  for (tuf::SigningKey* key : {&k->root, &k->root2, &k->targets, &k->snapshot, &k->snapshot2,
                               &k->timestamp, &k->timestamp2, &k->attacker}) {
    MOTA_ASSIGN_OR_RETURN(*key, Key());
  }
  return Status::Ok();
}

// Release 1: cpu-a fp32, cpu-b fp16; release 2 swaps them, so each variant's file changes.
Status Stage(const fs::path& dir, int release, fs::path* out) {
  const char* a = release == 1 ? "fp32" : "fp16";
  const char* b = release == 1 ? "fp16" : "fp32";
  const fs::path spec_path = dir / ("deploy" + std::to_string(release) + ".yaml");
  std::ofstream(spec_path) << "model: mlp\nversion: \"" << release << ".0\"\nsource: " << kModel
                           << "\ninputs:\n  input: [1, 784]\nvariants:\n"
                           << "  - id: cpu-a\n    backend: cpu\n    precision: " << a
                           << "\n    priority: 2\n"
                           << "  - id: cpu-b\n    backend: cpu\n    precision: " << b
                           << "\n    priority: 1\n";
  MOTA_ASSIGN_OR_RETURN(packager::DeploySpec spec, packager::LoadDeploySpec(spec_path.string()));
  packager::PackageOptions o;
  *out = dir / ("staging" + std::to_string(release));
  o.output = out->string();
  o.release = release;
  MOTA_ASSIGN_OR_RETURN(packager::PackageResult r, packager::Package(spec, o));
  (void)r;
  return Status::Ok();
}

}  // namespace

namespace {

// The key files kept beside the shared staging (0600, as LoadPrivate requires).
Status SaveKeys(const TestKeys& k, const fs::path& dir) {
  const std::pair<const tuf::SigningKey*, const char*> all[] = {{&k.root, "root"},
                                                                {&k.root2, "root2"},
                                                                {&k.targets, "targets"},
                                                                {&k.snapshot, "snapshot"},
                                                                {&k.snapshot2, "snapshot2"},
                                                                {&k.timestamp, "timestamp"},
                                                                {&k.timestamp2, "timestamp2"},
                                                                {&k.attacker, "attacker"}};
  for (const auto& [key, name] : all) {
    MOTA_RETURN_IF_ERROR(key->SavePrivate((dir / (std::string(name) + ".key")).string()));
  }
  return Status::Ok();
}

Status LoadKeys(const fs::path& dir, TestKeys* k) {
  const std::pair<tuf::SigningKey*, const char*> all[] = {{&k->root, "root"},
                                                          {&k->root2, "root2"},
                                                          {&k->targets, "targets"},
                                                          {&k->snapshot, "snapshot"},
                                                          {&k->snapshot2, "snapshot2"},
                                                          {&k->timestamp, "timestamp"},
                                                          {&k->timestamp2, "timestamp2"},
                                                          {&k->attacker, "attacker"}};
  for (const auto& [key, name] : all) {
    MOTA_ASSIGN_OR_RETURN(
        *key, tuf::SigningKey::LoadPrivate((dir / (std::string(name) + ".key")).string()));
  }
  return Status::Ok();
}

// Packaging takes most of a second and ctest runs every test in its own process, so the keys
// and both staging folders are made once per build of this test binary (named after its size
// and mtime) under a file lock, in a temp folder renamed into place when complete; later
// processes only read them.
Status MakeOrLoadStaging(Staged* staged) {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  const auto stamp = fs::last_write_time(self, ec).time_since_epoch().count();
  const std::string key = std::to_string(fs::file_size(self, ec)) + "_" + std::to_string(stamp);
  const fs::path root = fs::path(::testing::TempDir()) / "mota_client_attack_staging";
  fs::create_directories(root, ec);
  staged->dir = root / key;
  const int lock = ::open((root / ".lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  if (lock < 0 || ::flock(lock, LOCK_EX) != 0) return IoError("cannot lock ", root.string());
  // Folders of earlier builds (an hour old: no process of theirs still runs) are removed.
  const auto hour_ago = fs::file_time_type::clock::now() - std::chrono::hours(1);
  for (const auto& e : fs::directory_iterator(root, ec)) {
    if (e.is_directory() && e.path() != staged->dir && e.last_write_time() < hour_ago) {
      fs::remove_all(e.path(), ec);
    }
  }
  Status st = Status::Ok();
  if (!fs::exists(staged->dir / "complete")) {
    const fs::path tmp = root / (key + ".tmp" + std::to_string(::getpid()));
    fs::remove_all(tmp, ec);
    fs::create_directories(tmp / "keys", ec);
    TestKeys keys;
    st = MakeKeys(&keys);
    fs::path unused;
    if (st.ok()) st = SaveKeys(keys, tmp / "keys");
    if (st.ok()) st = Stage(tmp, 1, &unused);
    if (st.ok()) st = Stage(tmp, 2, &unused);
    if (st.ok()) std::ofstream(tmp / "complete") << "ok\n";
    if (st.ok()) fs::rename(tmp, staged->dir, ec);
    if (st.ok() && ec) st = IoError("renaming ", tmp.string(), ": ", ec.message());
  }
  ::close(lock);  // releases the lock
  MOTA_RETURN_IF_ERROR(st);
  staged->release[1] = staged->dir / "staging1";
  staged->release[2] = staged->dir / "staging2";
  return LoadKeys(staged->dir / "keys", &staged->keys);
}

}  // namespace

const Staged& SharedStaging() {
  static Staged staged;
  static Status made = MakeOrLoadStaging(&staged);
  if (!made.ok()) {
    std::fprintf(stderr, "attack fixture: staging failed: %s\n", made.ToString().c_str());
    std::abort();
  }
  return staged;
}

const char* ServerName(ServerKind kind) {
  return kind == ServerKind::kMotaServe ? "mota_serve" : "nginx";
}

void PrintTo(ServerKind kind, std::ostream* os) { *os << ServerName(kind); }

AttackRepo::AttackRepo(fs::path dir, ServerKind kind)
    : dir_(std::move(dir)), kind_(kind), now_(static_cast<int64_t>(std::time(nullptr))) {
  fs::remove_all(dir_);
  fs::create_directories(dir_);
}

AttackRepo::~AttackRepo() { Terminate(pid_); }

const TestKeys& AttackRepo::keys() const { return SharedStaging().keys; }

Status AttackRepo::Init(std::vector<const tuf::SigningKey*> root_keys, int64_t threshold) {
  const TestKeys& k = keys();
  MOTA_RETURN_IF_ERROR(packager::InitRepository({.repo = repo().string(),
                                                 .root_keys = std::move(root_keys),
                                                 .threshold = threshold,
                                                 .targets_key = &k.targets,
                                                 .snapshot_key = &k.snapshot,
                                                 .timestamp_key = &k.timestamp,
                                                 .now = now_}));
  return Publish(1);
}

Status AttackRepo::Publish(int release) {
  const TestKeys& k = keys();
  // Online keys may have been rotated (fast-forward recovery): sign with the root's.
  MOTA_ASSIGN_OR_RETURN(packager::AddResult r,
                        packager::AddStaging({.repo = repo().string(),
                                              .staging = SharedStaging().release[release].string(),
                                              .targets_key = &k.targets,
                                              .snapshot_key = &OnlineKey("snapshot"),
                                              .timestamp_key = &OnlineKey("timestamp"),
                                              .now = now_}));
  (void)r;
  return Sync();
}

const tuf::SigningKey& AttackRepo::OnlineKey(const std::string& role) const {
  const TestKeys& k = keys();
  const Result<Json> root = SignedOf("root.json");
  const std::string id = root.ok() ? (*root)["roles"][role]["keyids"][0].get<std::string>() : "";
  if (role == "snapshot") return id == k.snapshot2.keyid() ? k.snapshot2 : k.snapshot;
  return id == k.timestamp2.keyid() ? k.timestamp2 : k.timestamp;
}

Status AttackRepo::Revoke(int release, const std::string& reason) {
  const TestKeys& k = keys();
  MOTA_ASSIGN_OR_RETURN(packager::RevokeResult r,
                        packager::Revoke({.repo = repo().string(),
                                          .model = "mlp",
                                          .release = release,
                                          .targets_key = &k.targets,
                                          .snapshot_key = &OnlineKey("snapshot"),
                                          .timestamp_key = &OnlineKey("timestamp"),
                                          .reason = reason,
                                          .now = now_}));
  (void)r;
  return Sync();
}

Status AttackRepo::Sync() {
  std::error_code ec;
  if (kind_ == ServerKind::kMotaServe) {
    fs::create_directories(served(), ec);
    fs::copy(repo(), served(), fs::copy_options::recursive | fs::copy_options::overwrite_existing,
             ec);
    if (ec)
      return IoError("copying ", repo().string(), " to ", served().string(), ": ", ec.message());
    return Status::Ok();
  }
  std::string log;
  if (RunProcess({kMota, "mirror", "export", "--repo", repo().string(), "-o", served().string(),
                  "--force"},
                 dir_, &log) != 0) {
    return Internal("mota mirror export failed: ", log);
  }
  return Status::Ok();
}

Status AttackRepo::Start() { return kind_ == ServerKind::kMotaServe ? StartServe() : StartNginx(); }

Status AttackRepo::StartServe() {
  pid_ = Spawn({kMota, "serve", "--repo", served().string(), "--listen", "127.0.0.1:0", "--threads",
                "2", "--log", "off"},
               dir_ / "serve.out", dir_ / "serve.err");
  port_ = WaitForServePort(dir_ / "serve.out", std::chrono::seconds(10));
  if (port_ == 0) {
    return Status(StatusCode::kUnavailable,
                  StrCat("mota serve did not start: ", Slurp(dir_ / "serve.err")));
  }
  return Status::Ok();
}

// nginx over the mirror export, with the export's own example server block.
Status AttackRepo::StartNginx() {
  MOTA_RETURN_IF_ERROR(nginx_.Start({.prefix = dir_ / "nginx",
                                     .server = Slurp(served() / "nginx.conf.example"),
                                     .worker_connections = 128}));
  port_ = nginx_.port();
  return Status::Ok();
}

int64_t AttackRepo::Version(const std::string& role) const {
  int64_t newest = 0;
  const std::string suffix = "." + role + ".json";
  for (const auto& e : fs::directory_iterator(repo() / "metadata")) {
    const std::string name = e.path().filename().string();
    if (name.size() <= suffix.size() ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
      continue;
    }
    const std::string number = name.substr(0, name.size() - suffix.size());
    if (number.find_first_not_of("0123456789") != std::string::npos) continue;
    newest = std::max<int64_t>(newest, std::stoll(number));
  }
  return newest;
}

std::string AttackRepo::ReadRepo(const std::string& relative) const {
  return Slurp(repo() / relative);
}
std::string AttackRepo::ReadServed(const std::string& relative) const {
  return Slurp(served() / relative);
}
Status AttackRepo::WriteServed(const std::string& relative, const std::string& bytes) {
  return WriteBytes(served() / relative, bytes);
}

Result<Json> AttackRepo::SignedOf(const std::string& file) const {
  const std::string bytes = ReadRepo("metadata/" + file);
  MOTA_ASSIGN_OR_RETURN(tuf::Envelope env, tuf::ParseEnvelope(bytes, file));
  return env.signed_json;
}

Status AttackRepo::WriteSigned(const std::string& file, const Json& signed_json,
                               const std::vector<const tuf::SigningKey*>& keys, bool served) {
  MOTA_ASSIGN_OR_RETURN(std::string bytes, tuf::SignEnvelope(signed_json, keys));
  return WriteBytes((served ? this->served() : repo()) / "metadata" / file, bytes);
}

Result<tuf::Snapshot> AttackRepo::NewestSnapshot(const fs::path& tree, std::string* file) const {
  const std::string ts_bytes = Slurp(tree / "metadata/timestamp.json");
  MOTA_ASSIGN_OR_RETURN(tuf::Envelope ts_env, tuf::ParseEnvelope(ts_bytes, "timestamp.json"));
  MOTA_ASSIGN_OR_RETURN(tuf::Timestamp ts, tuf::ParseTimestamp(ts_env.signed_json, "timestamp"));
  *file = std::to_string(ts.meta.at("snapshot.json").version) + ".snapshot.json";
  const std::string bytes = Slurp(tree / "metadata" / *file);
  MOTA_ASSIGN_OR_RETURN(tuf::Envelope env, tuf::ParseEnvelope(bytes, *file));
  return tuf::ParseSnapshot(env.signed_json, *file);
}

Status AttackRepo::RepublishSnapshot(const std::map<std::string, tuf::MetaFile>& overrides,
                                     bool served, const tuf::SigningKey* snapshot_key,
                                     const tuf::SigningKey* timestamp_key,
                                     std::optional<int64_t> version) {
  const fs::path tree = served ? this->served() : repo();
  std::string file;
  MOTA_ASSIGN_OR_RETURN(tuf::Snapshot snap, NewestSnapshot(tree, &file));
  for (const auto& [name, meta] : overrides) snap.meta[name] = meta;
  snap.version = version.value_or(snap.version + 1);
  snap.expires = now_ + 7 * packager::kDay;
  const std::string next = std::to_string(snap.version) + ".snapshot.json";
  MOTA_RETURN_IF_ERROR(WriteSigned(next, tuf::ToJson(snap),
                                   {snapshot_key ? snapshot_key : &OnlineKey("snapshot")}, served));
  return RepublishTimestamp(next, served, timestamp_key);
}

Status AttackRepo::RepublishTimestamp(const std::string& snapshot_file, bool served,
                                      const tuf::SigningKey* timestamp_key,
                                      std::optional<int64_t> expires,
                                      std::optional<int64_t> version) {
  const fs::path tree = served ? this->served() : repo();
  const std::string snap_bytes = Slurp(tree / "metadata" / snapshot_file);
  MOTA_ASSIGN_OR_RETURN(tuf::Envelope snap_env, tuf::ParseEnvelope(snap_bytes, snapshot_file));
  const std::string ts_bytes = Slurp(tree / "metadata/timestamp.json");
  MOTA_ASSIGN_OR_RETURN(tuf::Envelope ts_env, tuf::ParseEnvelope(ts_bytes, "timestamp.json"));
  MOTA_ASSIGN_OR_RETURN(tuf::Timestamp ts, tuf::ParseTimestamp(ts_env.signed_json, "timestamp"));
  ts.meta["snapshot.json"] = tuf::MetaOf(snap_env.signed_json.at("version"), snap_bytes);
  ts.version = version.value_or(ts.version + 1);
  ts.expires = expires.value_or(now_ + packager::kDay);
  return WriteSigned("timestamp.json", tuf::ToJson(ts),
                     {timestamp_key ? timestamp_key : &OnlineKey("timestamp")}, served);
}

Status AttackRepo::BumpRole(const std::string& role, const tuf::SigningKey& key,
                            const std::function<void(Json&)>& edit) {
  const int64_t v = Version(role);
  MOTA_ASSIGN_OR_RETURN(Json signed_json, SignedOf(std::to_string(v) + "." + role + ".json"));
  signed_json["version"] = v + 1;
  if (edit) edit(signed_json);
  const std::string file = std::to_string(v + 1) + "." + role + ".json";
  MOTA_RETURN_IF_ERROR(WriteSigned(file, signed_json, {&key}, false));
  const std::string bytes = ReadRepo("metadata/" + file);
  MOTA_RETURN_IF_ERROR(RepublishSnapshot({{role + ".json", tuf::MetaOf(v + 1, bytes)}}, false));
  return Sync();
}

Status AttackRepo::PublishRollout(int64_t version, const std::vector<int64_t>& releases,
                                  bool served, std::optional<int64_t> expires,
                                  const std::vector<int64_t>& revoked) {
  rollout::Rollout doc;
  doc.version = version;
  doc.expires = expires.value_or(now_ + 30 * packager::kDay);
  doc.model = "mlp";
  for (int64_t r : releases) {
    rollout::ReleaseRollout entry;
    entry.release = r;
    entry.basis_points = 10000;
    if (std::find(revoked.begin(), revoked.end(), r) != revoked.end()) {
      entry.state = rollout::State::kRevoked;
      entry.reason = "revoked in the rollout";
    }
    doc.releases.push_back(entry);
  }
  const std::string file = rollout::RolloutFileName("mlp", version);
  MOTA_RETURN_IF_ERROR(WriteSigned(file, rollout::ToJson(doc), {&OnlineKey("snapshot")}, served));
  const std::string bytes = served ? ReadServed("metadata/" + file) : ReadRepo("metadata/" + file);
  MOTA_RETURN_IF_ERROR(
      RepublishSnapshot({{rollout::RolloutMetaName("mlp"), tuf::MetaOf(version, bytes)}}, served));
  return served ? Status::Ok() : Sync();
}

Status AttackRepo::WriteNextRoot(const std::function<void(tuf::Root&)>& edit,
                                 const std::vector<const tuf::SigningKey*>& sign_with,
                                 bool served) {
  MOTA_ASSIGN_OR_RETURN(Json signed_json, SignedOf("root.json"));
  MOTA_ASSIGN_OR_RETURN(tuf::Root root, tuf::ParseRoot(signed_json, "root.json"));
  root.version += 1;
  edit(root);
  const Json next = tuf::ToJson(root);
  MOTA_RETURN_IF_ERROR(
      WriteSigned(std::to_string(root.version) + ".root.json", next, sign_with, served));
  return WriteSigned("root.json", next, sign_with, served);
}

Result<std::string> AttackRepo::TargetFileOf(int release, const std::string& variant) const {
  const std::string path = "models/mlp/" + variant + ".r" + std::to_string(release) + ".json";
  const int64_t v = Version("mlp");
  MOTA_ASSIGN_OR_RETURN(Json role, SignedOf(std::to_string(v) + ".mlp.json"));
  if (!role["targets"].contains(path)) return NotFound("mlp role lists no ", path);
  const std::string sha = role["targets"][path]["hashes"]["sha256"];
  return "targets/models/mlp/" + sha + "." + variant + ".r" + std::to_string(release) + ".json";
}

Result<std::vector<std::string>> AttackRepo::BlobsOf(int release,
                                                     const std::string& variant) const {
  MOTA_ASSIGN_OR_RETURN(std::string file, TargetFileOf(release, variant));
  MOTA_ASSIGN_OR_RETURN(bundle::VariantIndex index, bundle::ParseIndex(ReadRepo(file)));
  std::vector<std::string> blobs;
  for (const bundle::ChunkRef& c : index.chunks) blobs.push_back(c.sha256);
  return blobs;
}

}  // namespace mota::e2e
