// TUF metadata as the device receives it (manifests/lib/tuf): the strict JSON reader, canonical
// JSON, the envelope, every role's parser and the signature checks over what parsed.
// Beyond "no crash":
//  - canonical(parse(x)) is a fixed point: it parses again and re-encodes to the same bytes;
//  - a role that parses serializes back to the same "signed" object (unknown fields kept), so
//    what a device re-signs or re-serves is what it received.
#include <string>
#include <string_view>

#include "fuzz_target.h"
#include "manifests/lib/tuf/canonical_json.h"
#include "manifests/lib/tuf/metadata.h"
#include "manifests/lib/tuf/target_custom.h"
#include "manifests/lib/tuf/verify.h"

namespace {

namespace tuf = mota::tuf;

void CheckCanonicalFixedPoint(const tuf::Json& doc) {
  mota::Result<std::string> once = tuf::CanonicalJson(doc);
  MOTA_FUZZ_CHECK(once.ok(), once.status().ToString());  // ParseJson lets no float through
  mota::Result<tuf::Json> again = tuf::ParseJson(once.value(), "canonical");
  MOTA_FUZZ_CHECK(again.ok(), again.status().ToString() + " for " + once.value());
  mota::Result<std::string> twice = tuf::CanonicalJson(again.value());
  MOTA_FUZZ_CHECK(twice.ok() && twice.value() == once.value(), once.value());
}

std::string Canon(const tuf::Json& value) {
  mota::Result<std::string> bytes = tuf::CanonicalJson(value);
  return bytes.ok() ? bytes.value() : bytes.status().ToString();
}

template <typename Role>
void CheckRoundTrip(const mota::Result<Role>& role, const tuf::Json& signed_json) {
  if (!role.ok()) return;
  MOTA_FUZZ_CHECK(tuf::ToJson(role.value()) == signed_json,
                  Canon(tuf::ToJson(role.value())) + " != " + Canon(signed_json));
}

// What a client does with a role after parsing: key ids, signatures, expiry, paths, customs.
void ExerciseRoot(const tuf::Envelope& env, const tuf::Root& root) {
  (void)tuf::CheckKeyIds(root.keys, "fuzz");
  for (const auto& [name, role] : root.roles) {
    (void)tuf::VerifyRole(env, root.keys, tuf::AuthorizationOf(role), name, "fuzz");
  }
  (void)tuf::CheckNotExpired(root, 1767225600, "fuzz");
}

void ExerciseTargets(const tuf::Envelope& env, const tuf::Targets& targets) {
  for (const auto& [path, file] : targets.targets) {
    if (file.custom) (void)tuf::ParseVariantTarget(*file.custom, path);
    if (!targets.delegations) continue;
    for (const tuf::DelegatedRole& role : targets.delegations->roles) {
      (void)tuf::RoleMayList(role, path);
    }
  }
  if (!targets.delegations) return;
  (void)tuf::CheckKeyIds(targets.delegations->keys, "fuzz");
  for (const tuf::DelegatedRole& role : targets.delegations->roles) {
    (void)tuf::VerifyRole(env, targets.delegations->keys, tuf::AuthorizationOf(role), role.name,
                          "fuzz");
  }
}

int Run(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  mota::Result<tuf::Json> doc = tuf::ParseJson(bytes, "fuzz.json");
  if (doc.ok()) CheckCanonicalFixedPoint(doc.value());

  mota::Result<tuf::Envelope> env = tuf::ParseEnvelope(bytes, "fuzz.json");
  if (!env.ok()) return 0;
  mota::Result<std::string> file =
      tuf::SerializeEnvelope(env.value().signed_json, env.value().signatures);
  MOTA_FUZZ_CHECK(file.ok(), file.status().ToString());
  mota::Result<tuf::Envelope> reparsed = tuf::ParseEnvelope(file.value(), "canonical");
  MOTA_FUZZ_CHECK(reparsed.ok(), reparsed.status().ToString());
  MOTA_FUZZ_CHECK(reparsed.value().signed_json == env.value().signed_json, file.value());

  const tuf::Json& signed_json = env.value().signed_json;
  mota::Result<std::string> type = tuf::SignedType(signed_json, "fuzz.json");
  if (!type.ok()) return 0;
  if (type.value() == "root") {
    auto root = tuf::ParseRoot(signed_json, "fuzz.json");
    CheckRoundTrip(root, signed_json);
    if (root.ok()) ExerciseRoot(env.value(), root.value());
  } else if (type.value() == "targets") {
    auto targets = tuf::ParseTargets(signed_json, "fuzz.json");
    CheckRoundTrip(targets, signed_json);
    if (targets.ok()) ExerciseTargets(env.value(), targets.value());
  } else if (type.value() == "snapshot") {
    CheckRoundTrip(tuf::ParseSnapshot(signed_json, "fuzz.json"), signed_json);
  } else if (type.value() == "timestamp") {
    CheckRoundTrip(tuf::ParseTimestamp(signed_json, "fuzz.json"), signed_json);
  }
  return 0;
}

}  // namespace

MOTA_FUZZ_TARGET("tuf_metadata", Run)
