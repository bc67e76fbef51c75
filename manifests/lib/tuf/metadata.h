// The TUF 1.0 metadata model: plain structs for root, targets (with delegations), snapshot and
// timestamp, parsed from JSON with every field checked and serialized back to JSON.
//
// Unknown fields are preserved (TUF requires it: a signature covers fields this version does not
// know), so ToJson(Parse*(x)) == x for any valid x, and canonical bytes round-trip exactly.
// Parsing never trusts: wrong types, missing fields, versions < 1, thresholds < 1, negative
// lengths and malformed times are errors that name the document, the field path and the value.
// Signature checks live in verify.h; this file only models the data.
//
//   MOTA_ASSIGN_OR_RETURN(Envelope env, ParseEnvelope(bytes, "1.root.json"));
//   MOTA_ASSIGN_OR_RETURN(Root root, ParseRoot(env.signed_json, "1.root.json"));
//   root.version += 1;
//   nlohmann::json next = ToJson(root);   // sign with packager/src/tuf_sign.h
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "manifests/lib/tuf/status.h"

namespace mota::tuf {

using Json = nlohmann::json;

// The spec version mota writes; readers accept any 1.x.y.
inline constexpr char kSpecVersion[] = "1.0.31";

// An object holding the fields a struct does not model, re-emitted on serialization.
inline Json EmptyObject() { return Json::object(); }

struct Key {
  std::string keytype;     // "ed25519" for keys mota creates
  std::string scheme;      // "ed25519"
  std::string public_key;  // keyval.public: lowercase hex of the raw 32 bytes for ed25519
  // False when keyval has no "public" (allowed for key types mota cannot verify: such a key
  // never counts toward a threshold, but the metadata that lists it still parses and
  // round-trips, as other TUF clients require).
  bool has_public = true;
  Json keyval_unrecognized = EmptyObject();
  Json unrecognized = EmptyObject();
};

struct RoleKeys {
  std::vector<std::string> keyids;
  int64_t threshold = 1;
  Json unrecognized = EmptyObject();
};

struct Signature {
  std::string keyid;
  std::string sig;  // lowercase hex
  Json unrecognized = EmptyObject();
};

// Fields every role's "signed" object has. `expires` is seconds since the Unix epoch (UTC).
struct Common {
  std::string spec_version = kSpecVersion;
  int64_t version = 1;
  int64_t expires = 0;
  Json unrecognized = EmptyObject();
};

struct Root : Common {
  bool consistent_snapshot = true;
  std::map<std::string, Key> keys;        // keyid -> key
  std::map<std::string, RoleKeys> roles;  // "root", "targets", "snapshot", "timestamp"
};

struct TargetFile {
  int64_t length = 0;
  std::map<std::string, std::string> hashes;  // algorithm -> lowercase hex
  std::optional<Json> custom;                 // mota: repository.md "Targets"
  Json unrecognized = EmptyObject();
};

struct DelegatedRole {
  std::string name;
  std::vector<std::string> keyids;
  int64_t threshold = 1;
  bool terminating = false;
  std::optional<std::vector<std::string>> paths;
  std::optional<std::vector<std::string>> path_hash_prefixes;
  Json unrecognized = EmptyObject();
};

struct Delegations {
  std::map<std::string, Key> keys;   // keyid -> key
  std::vector<DelegatedRole> roles;  // in priority order (TUF: order matters)
  Json unrecognized = EmptyObject();
};

struct Targets : Common {
  std::map<std::string, TargetFile> targets;  // target path -> file info
  std::optional<Delegations> delegations;
};

struct MetaFile {
  int64_t version = 1;
  std::optional<int64_t> length;
  std::map<std::string, std::string> hashes;  // empty when absent
  Json unrecognized = EmptyObject();
};

struct Snapshot : Common {
  std::map<std::string, MetaFile> meta;  // "targets.json", "<role>.json" -> info
};

struct Timestamp : Common {
  std::map<std::string, MetaFile> meta;  // exactly "snapshot.json"
};

// A metadata file: {"signatures": [...], "signed": {...}}. `signed_json` is kept as parsed, so
// signatures are checked over exactly what was received (unknown fields included).
struct Envelope {
  Json signed_json;
  std::vector<Signature> signatures;
  Json unrecognized = EmptyObject();
};

// Parses a metadata file's bytes into its envelope. `what` names the file in errors.
Result<Envelope> ParseEnvelope(std::string_view bytes, std::string_view what);
// The role's type ("root", "targets", ...) from signed._type, checked to be a string.
Result<std::string> SignedType(const Json& signed_json, std::string_view what);

// Each checks `_type` and every field of the role's "signed" object.
Result<Root> ParseRoot(const Json& signed_json, std::string_view what);
Result<Targets> ParseTargets(const Json& signed_json, std::string_view what);
Result<Snapshot> ParseSnapshot(const Json& signed_json, std::string_view what);
Result<Timestamp> ParseTimestamp(const Json& signed_json, std::string_view what);
Result<Key> ParseKey(const Json& key_json, std::string_view what);

// The "signed" objects, with unknown fields merged back in.
Json ToJson(const Root& root);
Json ToJson(const Targets& targets);
Json ToJson(const Snapshot& snapshot);
Json ToJson(const Timestamp& timestamp);
Json ToJson(const Key& key);
Json ToJson(const Signature& signature);
// The whole file's bytes: the canonical JSON of {"signatures", "signed"}, signatures in the
// order given (writers sort them by keyid). Fails only on floats inside `signed_json`.
Result<std::string> SerializeEnvelope(const Json& signed_json,
                                      const std::vector<Signature>& signatures);

// "YYYY-MM-DDTHH:MM:SSZ" <-> seconds since the Unix epoch (UTC; years 1970..9999).
Result<int64_t> ParseUtcTime(std::string_view text);
std::string FormatUtcTime(int64_t unix_seconds);

}  // namespace mota::tuf
