// The committed golden TUF metadata (manifests/golden/tuf, made by its generate.py with the mota
// tools): the valid files parse, re-serialize to their exact bytes and verify as one chain from
// the public keys in 1.root.json; each invalid file, checked the way a client checks a new
// version of its role against that trusted chain, is refused with the error in its .expected.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "manifests/lib/tuf/metadata.h"
#include "manifests/lib/tuf/verify.h"

namespace mota::tuf {
namespace {
namespace fs = std::filesystem;

const fs::path kGolden = fs::path(MOTA_SOURCE_DIR) / "manifests/golden/tuf";
constexpr int64_t kNow = 1790000000 + 120;  // generate.py: init at T, add at T + 60

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The parsed envelope, refused unless the bytes are the one canonical form.
Result<Envelope> Load(const std::string& bytes, const std::string& what) {
  MOTA_ASSIGN_OR_RETURN(Envelope env, ParseEnvelope(bytes, what));
  MOTA_ASSIGN_OR_RETURN(std::string again, SerializeEnvelope(env.signed_json, env.signatures));
  if (again != bytes) return Rejected(what, ": not in canonical form (re-serializes differently)");
  return env;
}

// The valid chain, as a client trusts it after walking it.
struct Chain {
  Root root;
  Timestamp timestamp;
  Snapshot snapshot;
  Targets targets;
  std::map<std::string, Targets> roles;
};

Status CheckListed(const MetaFile& meta, const std::string& bytes, const std::string& what) {
  if (meta.length && *meta.length != static_cast<int64_t>(bytes.size()))
    return Rejected(what, ": length ", bytes.size(), ", expected ", *meta.length);
  if (meta.hashes.count("sha256") == 0 || meta.hashes.at("sha256") != Sha256Hex(bytes))
    return Rejected(what, ": sha256 ", Sha256Hex(bytes), " is not the one listed");
  return Status::Ok();
}

// Loads valid/<file>, checks it against its listing and signers, and returns the envelope.
Result<Envelope> LoadValid(const std::string& file, const MetaFile* listed,
                           const std::map<std::string, Key>& keys, const Authorization& auth,
                           const std::string& role) {
  const std::string bytes = Slurp(kGolden / "valid" / file);
  if (listed) MOTA_RETURN_IF_ERROR(CheckListed(*listed, bytes, file));
  MOTA_ASSIGN_OR_RETURN(Envelope env, Load(bytes, file));
  MOTA_RETURN_IF_ERROR(VerifyRole(env, keys, auth, role, file));
  return env;
}

Result<Chain> LoadChain() {
  Chain c;
  MOTA_ASSIGN_OR_RETURN(Envelope env, Load(Slurp(kGolden / "valid/1.root.json"), "1.root.json"));
  MOTA_ASSIGN_OR_RETURN(c.root, ParseRoot(env.signed_json, "1.root.json"));
  MOTA_RETURN_IF_ERROR(CheckKeyIds(c.root.keys, "1.root.json"));
  MOTA_RETURN_IF_ERROR(
      VerifyRole(env, c.root.keys, AuthorizationOf(c.root.roles.at("root")), "root", "root"));
  auto top = [&](const std::string& role) { return AuthorizationOf(c.root.roles.at(role)); };
  MOTA_ASSIGN_OR_RETURN(
      env, LoadValid("timestamp.json", nullptr, c.root.keys, top("timestamp"), "timestamp"));
  MOTA_ASSIGN_OR_RETURN(c.timestamp, ParseTimestamp(env.signed_json, "timestamp.json"));
  const MetaFile& sm = c.timestamp.meta.at("snapshot.json");
  const std::string snap = std::to_string(sm.version) + ".snapshot.json";
  MOTA_ASSIGN_OR_RETURN(env, LoadValid(snap, &sm, c.root.keys, top("snapshot"), "snapshot"));
  MOTA_ASSIGN_OR_RETURN(c.snapshot, ParseSnapshot(env.signed_json, snap));
  const MetaFile& tm = c.snapshot.meta.at("targets.json");
  const std::string targets = std::to_string(tm.version) + ".targets.json";
  MOTA_ASSIGN_OR_RETURN(env, LoadValid(targets, &tm, c.root.keys, top("targets"), "targets"));
  MOTA_ASSIGN_OR_RETURN(c.targets, ParseTargets(env.signed_json, targets));
  MOTA_RETURN_IF_ERROR(CheckKeyIds(c.targets.delegations->keys, targets));
  for (const DelegatedRole& role : c.targets.delegations->roles) {
    const MetaFile& rm = c.snapshot.meta.at(role.name + ".json");
    const std::string file = std::to_string(rm.version) + "." + role.name + ".json";
    MOTA_ASSIGN_OR_RETURN(
        env, LoadValid(file, &rm, c.targets.delegations->keys, AuthorizationOf(role), role.name));
    MOTA_ASSIGN_OR_RETURN(c.roles[role.name], ParseTargets(env.signed_json, file));
    for (const auto& [path, t] : c.roles[role.name].targets)
      if (!RoleMayList(role, path)) return Rejected(file, ": may not list ", path);
  }
  for (const Common* part :
       {static_cast<const Common*>(&c.root), static_cast<const Common*>(&c.timestamp),
        static_cast<const Common*>(&c.snapshot), static_cast<const Common*>(&c.targets)})
    MOTA_RETURN_IF_ERROR(CheckNotExpired(*part, kNow, "valid chain"));
  return c;
}

// A client receiving `bytes` as the next version of `role` (a top-level role or a model's).
Status CheckNewVersion(const Chain& c, const std::string& role, const std::string& bytes,
                       const std::string& what) {
  MOTA_ASSIGN_OR_RETURN(Envelope env, Load(bytes, what));
  if (role == "root") {
    MOTA_RETURN_IF_ERROR(VerifyRole(env, c.root.keys, AuthorizationOf(c.root.roles.at("root")),
                                    "root (by the trusted root)", what));
    MOTA_ASSIGN_OR_RETURN(Root next, ParseRoot(env.signed_json, what));
    MOTA_RETURN_IF_ERROR(CheckRootSuccessor(c.root.version, next.version, what));
    return VerifyRole(env, next.keys, AuthorizationOf(next.roles.at("root")), "root", what);
  }
  const Common* trusted = nullptr;
  if (role == "timestamp" || role == "snapshot" || role == "targets") {
    MOTA_RETURN_IF_ERROR(
        VerifyRole(env, c.root.keys, AuthorizationOf(c.root.roles.at(role)), role, what));
    trusted = role == "timestamp"  ? static_cast<const Common*>(&c.timestamp)
              : role == "snapshot" ? static_cast<const Common*>(&c.snapshot)
                                   : static_cast<const Common*>(&c.targets);
  }
  // Every role's signed part has version and expires; parse it by its own type.
  MOTA_ASSIGN_OR_RETURN(std::string type, SignedType(env.signed_json, what));
  Common common;
  if (type == "timestamp") {
    MOTA_ASSIGN_OR_RETURN(common, ParseTimestamp(env.signed_json, what));
  } else if (type == "snapshot") {
    MOTA_ASSIGN_OR_RETURN(common, ParseSnapshot(env.signed_json, what));
  } else {
    MOTA_ASSIGN_OR_RETURN(Targets t, ParseTargets(env.signed_json, what));
    common = t;
    if (!trusted) {  // a delegated role
      auto it =
          std::find_if(c.targets.delegations->roles.begin(), c.targets.delegations->roles.end(),
                       [&](const DelegatedRole& r) { return r.name == role; });
      if (it == c.targets.delegations->roles.end()) return Rejected(what, ": no role ", role);
      MOTA_RETURN_IF_ERROR(
          VerifyRole(env, c.targets.delegations->keys, AuthorizationOf(*it), role, what));
      for (const auto& [path, file] : t.targets)
        if (!RoleMayList(*it, path))
          return Rejected(what, ": role \"", role, "\" may not list target \"", path, "\"");
      trusted = &c.roles.at(role);
    }
  }
  MOTA_RETURN_IF_ERROR(CheckNoRollback(trusted->version, common.version, what));
  return CheckNotExpired(common, kNow, what);
}

TEST(GoldenTuf, ValidFilesKeepTheirExactBytesAndVerifyAsOneChainFromTheRootKeys) {
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(kGolden / "valid")) {
    const std::string bytes = Slurp(e.path());
    auto env = Load(bytes, e.path().filename().string());
    ASSERT_TRUE(env.ok()) << env.status().ToString();
    ++files;
  }
  EXPECT_EQ(files, 5u);  // root, timestamp, snapshot, targets, the mlp role
  auto chain = LoadChain();
  ASSERT_TRUE(chain.ok()) << chain.status().ToString();
  EXPECT_EQ(chain->roles.at("mlp").targets.size(), 1u);
}

TEST(GoldenTuf, InvalidFilesAreRefusedWithTheExpectedError) {
  auto chain = LoadChain();
  ASSERT_TRUE(chain.ok()) << chain.status().ToString();
  size_t checked = 0;
  for (const auto& e : fs::directory_iterator(kGolden / "invalid")) {
    const std::string name = e.path().filename().string();
    if (!name.ends_with(".json")) continue;
    // <case>.<role>.json: the role the file claims to be a new version of.
    const std::string stem = name.substr(0, name.size() - 5);
    const std::string role = stem.substr(stem.rfind('.') + 1);
    std::string expected = Slurp(kGolden / "invalid" / (stem + ".expected"));
    while (!expected.empty() && expected.back() == '\n') expected.pop_back();
    ASSERT_FALSE(expected.empty()) << stem << ".expected must say which error to expect";
    const Status s = CheckNewVersion(*chain, role, Slurp(e.path()), name);
    ASSERT_FALSE(s.ok()) << name << " was accepted";
    EXPECT_NE(s.message().find(expected), std::string::npos)
        << name << ": expected '" << expected << "' in: " << s.message();
    ++checked;
  }
  EXPECT_EQ(checked, 7u);
}

}  // namespace
}  // namespace mota::tuf
